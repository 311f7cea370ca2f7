import logging
from ast import literal_eval

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..tools import generic
from .common import SocialCareCase

_logger = logging.getLogger(__name__)
AUTUMN_LINK = (
    "https://shop.example.com/autumn?utm_campaign=Autumn%20sale"
    "&utm_source=Facebook&utm_medium=Social"
)


@tagged("post_install", "-at_install")
class TestOriginPosts(SocialCareCase):
    """The post each conversation started under, its campaign, and the report."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls.env["utm.campaign"].create({"title": "Autumn sale"})
        cls.source = cls.env["utm.source"].search([("name", "=", "Facebook")])
        # The demo data may already hold a "Social" medium: links match it.
        cls.medium = cls.env["utm.medium"].search(
            [("name", "=ilike", "Social")], limit=1
        ) or cls.env["utm.medium"].create({"name": "Social"})

    @staticmethod
    def post(id_="post-1", text="", own=True, permalink=""):
        return {"id": id_, "text": text, "own": own, "permalink": permalink}

    def posts(self):
        return self.env["social.care.post"].search(
            [("account_id", "=", self.account.id)]
        )

    def test_origin_post_recorded_and_shared_by_tickets(self):
        self.deliver(
            self.message(
                "c1",
                "Is it in size S?",
                author="u1",
                post=self.post(
                    text="New autumn collection!",
                    permalink="https://social.example.com/p/1",
                ),
            ),
            self.message("c2", "Delivery to Milan?", author="u2", post=self.post()),
        )
        # a reply in a known conversation joins it, whatever its post
        self.deliver(self.message("c3", thread="thread-c1", parent_id="c1"))
        post = self.posts()
        self.assertEqual(len(post), 1)
        self.assertEqual(
            (post.external_id, post.permalink, post.excerpt, post.is_own),
            (
                "post-1",
                "https://social.example.com/p/1",
                "New autumn collection!",
                True,
            ),
        )
        self.assertEqual(post.name, "New autumn collection!")
        first, second = self.ticket_of("c1"), self.ticket_of("c2")
        self.assertNotEqual(first, second)
        self.assertEqual((first | second).social_post_id, post)
        self.assertEqual(post.ticket_count, 2)
        self.assertEqual(post.first_ticket_at, first.create_date)
        self.assertEqual(post.last_ticket_at, second.create_date)
        self.assertEqual(
            self.env["social.care.message"]
            .search([("external_id", "in", ["c1", "c2"])])
            .post_id,
            post,
        )
        action = post.action_open_tickets()
        self.assertEqual(
            self.env["helpdesk.ticket"].search(action["domain"]), first | second
        )

    def test_a_later_message_completes_what_the_post_lacked(self):
        self.deliver(self.message("c1", post=self.post(own=False)))
        self.deliver(
            self.message(
                "c2",
                post=self.post(
                    text="Firmware 4.2", permalink="https://social.example.com/p/1"
                ),
            )
        )
        post = self.posts()
        self.assertEqual(len(post), 1)
        self.assertEqual((post.excerpt, post.is_own), ("Firmware 4.2", True))
        self.assertEqual(post.permalink, "https://social.example.com/p/1")

    def test_messages_without_origin_post_and_private_ones(self):
        self.deliver(self.message("c1"), self.message("d1", channel="messenger"))
        self.assertFalse(self.posts())
        self.assertFalse(self.ticket_of("c1").social_post_id)

    def test_utm_matched_from_a_link_in_the_post(self):
        self.deliver(
            self.message(
                "c1", post=self.post(text=f"20% off everything: {AUTUMN_LINK}")
            )
        )
        post = self.posts()
        self.assertEqual(post.name, "20% off everything:")
        self.assertEqual(post.campaign_id, self.campaign)
        self.assertEqual(post.source_id, self.source)
        self.assertEqual(post.medium_id, self.medium)
        ticket = self.ticket_of("c1")
        self.assertEqual(ticket.social_campaign_id, self.campaign)

    def test_utm_in_the_permalink_matches_case_insensitively(self):
        link = "https://social.example.com/p/9?utm_campaign=AUTUMN+SALE"
        self.deliver(self.message("c1", post=self.post(own=False, permalink=link)))
        self.assertEqual(self.posts().campaign_id, self.campaign)

    def test_utm_names_match_literally_not_as_patterns(self):
        link = "https://shop.example.com/?utm_campaign=Autumn_sale&utm_medium=%25"
        self.deliver(self.message("c1", post=self.post(own=False, text=link)))
        self.assertFalse(self.posts().campaign_id)
        self.assertFalse(self.posts().medium_id)

    def test_customer_input_never_creates_a_campaign(self):
        text = "https://evil.example/?utm_campaign=free_money&utm_medium=Social"
        campaigns = self.env["utm.campaign"].search_count([])
        self.deliver(self.message("c1", post=self.post(own=False, text=text)))
        post = self.posts()
        self.assertFalse(post.campaign_id)
        self.assertEqual(post.medium_id, self.medium, "existing records still match")
        self.assertEqual(self.env["utm.campaign"].search_count([]), campaigns)

    def test_own_post_creates_its_campaign_when_none_matches(self):
        text = "Winter is coming https://shop.example.com/?utm_campaign=Winter%2026"
        self.deliver(
            self.message("c1", author="u1", post=self.post(text=text)),
            self.message("c2", author="u2", post=self.post("post-2", text=text)),
        )
        campaign = self.posts().campaign_id
        self.assertEqual(len(campaign), 1, "one campaign for both posts")
        self.assertEqual(campaign.name, "Winter 26")
        self.assertTrue(campaign.is_auto_campaign)

    def test_campaign_set_by_hand_propagates_to_tickets_and_leads(self):
        self.deliver(
            self.message("c1", author="u1", post=self.post()),
            self.message("c2", author="u2", post=self.post()),
        )
        post = self.posts()
        manager = self.env["res.users"].create(
            {
                "name": "Manager Marta",
                "login": "marta_social",
                "groups_id": [
                    (6, 0, [self.env.ref("helpdesk_mgmt.group_helpdesk_manager").id])
                ],
            }
        )
        post.with_user(manager).write(
            {"campaign_id": self.campaign.id, "medium_id": self.medium.id}
        )
        tickets = self.ticket_of("c1") | self.ticket_of("c2")
        self.assertEqual(tickets.social_campaign_id, self.campaign)
        with self.assertRaises(AccessError):
            post.with_user(self.agent).write({"campaign_id": False})
        self.assertEqual(post.with_user(self.agent).campaign_id, self.campaign)

        action = self.ticket_of("c1").action_create_lead()
        lead = self.env["crm.lead"].browse(action["res_id"])
        self.assertEqual(
            (lead.campaign_id, lead.medium_id, lead.source_id),
            (self.campaign, self.medium, self.env["utm.source"]),
        )

    def test_report_groups_tickets_by_post_and_campaign(self):
        self.deliver(
            self.message("c1", author="u1", post=self.post(text=AUTUMN_LINK)),
            self.message("c2", author="u2", post=self.post()),
            self.message("c3", author="u3", post=self.post("post-2")),
            self.message("c4", author="u4"),
        )
        answered = self.ticket_of("c1")
        answered.with_user(self.agent).message_post(
            body="Hello", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.env.flush_all()
        report = self.env["social.care.ticket.report"]
        tickets = [self.ticket_of(m).id for m in ("c1", "c2", "c3", "c4")]
        by_post = {
            post.external_id: (count, response)
            for post, count, response in report._read_group(
                [("ticket_id", "in", tickets), ("social_post_id", "!=", False)],
                ["social_post_id"],
                ["ticket_count:sum", "first_response_hours:avg"],
            )
        }
        self.assertEqual(by_post["post-1"][0], 2)
        self.assertGreaterEqual(by_post["post-1"][1], 0.0)
        self.assertEqual(by_post["post-2"], (1, 0.0))
        by_campaign = dict(
            report._read_group(
                [("ticket_id", "in", tickets)], ["campaign_id"], ["ticket_count:sum"]
            )
        )
        self.assertEqual(by_campaign[self.campaign], 2)
        self.assertEqual(by_campaign[self.env["utm.campaign"]], 2)
        row = report.search([("ticket_id", "=", answered.id)])
        self.assertEqual((row.source_id, row.medium_id), (self.source, self.medium))
        self.assertTrue(row.is_own_post)
        # the manager's report opens with the posts' tickets only
        action = self.env.ref("social_care.social_care_post_report_action")
        rows = report.search(
            [("ticket_id", "in", tickets), *literal_eval(action.domain)]
        )
        self.assertEqual(set(rows.ticket_id.ids), set(tickets[:3]))

    def test_agents_read_posts_managers_edit_them(self):
        manager = self.env["res.users"].create(
            {
                "name": "Manager Marta",
                "login": "marta_views",
                "groups_id": [
                    (6, 0, [self.env.ref("helpdesk_mgmt.group_helpdesk_manager").id])
                ],
            }
        )
        posts = self.env["social.care.post"]
        editable = {}
        for user in (self.agent, manager):
            views = posts.with_user(user).get_views(
                [(False, "list"), (False, "form"), (False, "search")]
            )
            form = etree.fromstring(views["views"]["form"]["arch"])
            editable[user] = form.get("edit") != "False"
        self.assertEqual(editable, {self.agent: False, manager: True})
        report = self.env.ref("social_care.social_care_post_report_action")
        views = (
            self.env["social.care.ticket.report"]
            .with_user(manager)
            .get_views([(v.view_id.id, v.view_mode) for v in report.view_ids])
        )
        self.assertEqual(
            views["views"]["pivot"]["id"],
            self.env.ref("social_care.social_care_post_report_view_pivot").id,
        )
        self.assertIn('name="social_post_id"', views["views"]["pivot"]["arch"])

    def test_posts_of_another_company_are_not_seen(self):
        self.deliver(self.message("c1", post=self.post()))
        other = self.env["res.company"].create({"name": "Other company"})
        self.agent.write({"company_ids": [(6, 0, other.ids)], "company_id": other.id})
        self.assertFalse(self.env["social.care.post"].with_user(self.agent).search([]))

    def process_batch(self, prefix, with_posts):
        """Queries to ingest 60 messages of 60 new authors in 24 threads."""
        items = [
            self.message(
                f"{prefix}{index}",
                f"Question {index} about the offer",
                thread=f"{prefix}-t{index % 24}",
                author=f"{prefix}-a{index}",
                author_name=f"Author {prefix} {index}",
            )
            for index in range(60)
        ]
        if with_posts:
            for index, item in enumerate(items):
                item["post"] = self.post(f"{prefix}-p{index % 6}", text=AUTUMN_LINK)
        deliveries = generic.split_delivery({"messages": items})
        self.app._social_store_deliveries(deliveries)
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.env["social.care.event"]._cron_process_events()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_query_count_per_event_not_worse_with_posts(self):
        """Posts are looked up and created once per batch, not per message."""
        # The first batch warms caches up: both measures come after it.
        self.process_batch("u", with_posts=False)
        with_posts = self.process_batch("w", with_posts=True)
        without = self.process_batch("n", with_posts=False)
        posts = self.posts()
        self.assertEqual(len(posts), 6)
        self.assertEqual(sum(posts.mapped("ticket_count")), 24)
        self.assertEqual(posts.campaign_id, self.campaign)
        # A few queries per batch (look-ups, inserts), none per event.
        _logger.info(
            "60 events: %s queries with posts, %s without", with_posts, without
        )
        self.assertLessEqual(
            with_posts,
            without + 12,
            f"{with_posts} queries with posts, {without} without, for 60 events",
        )
