"""Issue 12: one customer's conversation per ticket, whatever X threads together.

Poll pages come from tests/fixtures/x/poll_mentions_{brand_post,edit_*,
links_and_bad_item}.json, written in the shape of the X API v2 pages captured
in DocNow/twarc-csv's test data; webhook posts from the XAA reply fixture.
"""

import copy
import json

from odoo.tests import HttpCase, tagged

from ..tools import sign
from ..tools.x_webhook import SIGNATURE_HEADER
from .common import (
    ACME,
    JANE,
    MARCO,
    SECRET,
    FakeX,
    XCase,
    XSetupMixin,
    fake_x,
    fixture,
    xaa_post,
)

MENTIONS = f"/2/users/{ACME}/mentions"
DM_EVENTS = "/2/dm_events"
TWEETS = "/2/tweets"
LUCA = "1700000000000000033"
BRAND_POST = "2095000000000000700"
EMPTY = {"meta": {"result_count": 0}}


class ThreadingMixin:
    def ticket(self, thread_key):
        return self.env["helpdesk.ticket"].search(
            [
                ("social_account_id", "=", self.account.id),
                ("social_thread_key", "=", thread_key),
            ]
        )

    def x_tickets(self):
        return self.env["helpdesk.ticket"].search(
            [("social_account_id", "=", self.account.id)]
        )

    def poll(self, *pages):
        with fake_x() as x:
            for page in pages:
                x.on("GET", MENTIONS, page)
            x.on("GET", DM_EVENTS, EMPTY)
            self.account._social_poll_once()
        return self.process()


@tagged("post_install", "-at_install")
class TestThreadingPoll(ThreadingMixin, XCase):
    """Poll pages through the poll and the inbox cron."""

    def setUp(self):
        super().setUp()
        self.account.poll_cursor = {
            "mentions_since_id": "2095000000000000400",
            "dm_last_id": "2095000000000000599",
        }

    def test_customers_under_the_brand_post_have_their_own_tickets(self):
        self.poll(fixture("poll_mentions_brand_post"))
        jane = self.ticket(f"x:conv:{BRAND_POST}:{JANE}")
        marco = self.ticket(f"x:conv:{BRAND_POST}:{MARCO}")
        self.assertEqual(len(self.x_tickets()), 2, "one ticket per customer thread")
        self.assertEqual(jane.social_identity_id.external_id, JANE)
        self.assertEqual(marco.social_identity_id.external_id, MARCO)
        self.assertEqual(jane.partner_id.name, "Jane Doe")
        self.assertEqual(marco.partner_id.name, "Marco Rossi")
        self.assertEqual(
            marco.social_message_ids.mapped("external_id"), ["2095000000000000702"]
        )
        # Jane's follow-up and Luca's answer to her are in her thread.
        self.assertEqual(
            set(jane.social_message_ids.mapped("external_id")),
            {"2095000000000000701", "2095000000000000703", "2095000000000000705"},
        )
        self.assertEqual(jane.social_post_id.external_id, BRAND_POST)
        self.assertEqual(marco.social_post_id, jane.social_post_id)

    def test_agent_reply_goes_to_its_customer_and_the_answer_comes_back(self):
        self.poll(fixture("poll_mentions_brand_post"))
        marco = self.ticket(f"x:conv:{BRAND_POST}:{MARCO}")
        reply = self.reply(marco, "It does, from 5.0 on.")
        posted = {"data": {"id": "2095000000000000710", "text": "..."}}
        x = self.send_queued(FakeX().on("POST", TWEETS, posted, status=201))
        self.assertEqual(
            x.calls[0].json["reply"], {"in_reply_to_tweet_id": "2095000000000000702"}
        )
        self.assertEqual(reply.ticket_id, marco)
        # Marco answers the agent: his ticket, not Jane's.
        page = copy.deepcopy(fixture("poll_mentions_brand_post"))
        answer = dict(page["data"][2])  # Marco's first reply, as a template
        answer.update(
            id="2095000000000000711",
            edit_history_tweet_ids=["2095000000000000711"],
            text="@AcmeSupport great, thanks!",
            created_at="2026-09-03T11:00:00.000Z",
            referenced_tweets=[{"type": "replied_to", "id": "2095000000000000710"}],
        )
        page["data"] = [answer]
        page["includes"]["tweets"] = []  # our reply not expanded: the base knows it
        page["meta"] = {"result_count": 1, "newest_id": "2095000000000000711"}
        self.poll(page)
        followup = self.message("2095000000000000711")
        self.assertEqual(followup.ticket_id, marco)
        self.assertEqual(followup.parent_id, reply)
        self.assertEqual(len(self.x_tickets()), 2)

    def test_the_accounts_answer_made_on_x_joins_the_customer_it_answers(self):
        page = copy.deepcopy(fixture("poll_mentions_brand_post"))
        [answer] = [
            t
            for t in page["includes"]["tweets"]
            if t["author_id"] == ACME and t.get("in_reply_to_user_id")
        ]
        page["data"].insert(0, answer)  # our answer to Jane, seen by the poll
        self.poll(page)
        own = self.message("2095000000000000704")
        self.assertTrue(own.from_account)
        self.assertEqual(own.ticket_id, self.ticket(f"x:conv:{BRAND_POST}:{JANE}"))

    def test_edited_root_and_replies_to_its_new_version_are_one_ticket(self):
        self.poll(fixture("poll_mentions_edit_before"))
        root = self.message("2095000000000000800")
        ticket = root.ticket_id
        self.assertEqual(ticket.social_thread_key, "x:conv:2095000000000000800")
        self.poll(fixture("poll_mentions_edit_after"))
        self.assertEqual(
            root.text, fixture("poll_mentions_edit_after")["data"][3]["text"]
        )
        self.assertTrue(root.is_edited)
        self.assertFalse(self.message("2095000000000000801"), "no row per version")
        for reply_id in ("2095000000000000802", "2095000000000000803"):
            reply = self.message(reply_id)
            self.assertEqual(reply.ticket_id, ticket, reply_id)
            self.assertEqual(reply.parent_id, root, reply_id)
        self.assertIn(
            "tracking says delivered",
            "".join(ticket.message_ids.mapped("body")),
            "the agent sees the edit",
        )
        # A reply to the account's own edited post: Jane's thread under its first id.
        brand = self.message("2095000000000000902").ticket_id
        self.assertEqual(brand.social_thread_key, f"x:conv:2095000000000000900:{JANE}")
        self.assertEqual(len(self.x_tickets()), 2)

    def test_a_malformed_post_is_skipped_and_reported_the_page_kept(self):
        self.poll(fixture("poll_mentions_links_and_bad_item"))
        event = self.env["social.care.event"].search(
            [("account_id", "=", self.account.id)]
        )
        self.assertEqual(event.state, "done")
        self.assertIn("post 2095000000000000952 skipped", event.error)
        self.assertIn("post without a valid id skipped", event.error)
        self.assertTrue(self.message("2095000000000000953").ticket_id)
        self.assertFalse(self.message("2095000000000000952"))
        linked = self.message("2095000000000000950")
        self.assertEqual(
            linked.text,
            "@AcmeSupport the manual at https://www.acme.example/manuals/x3.pdf "
            "says 3 years",
        )
        self.assertIn("https://t.co/AbCdEf1234", linked.original_text)
        self.assertIn(
            "acme.example/manuals/x3.pdf",
            "".join(linked.ticket_id.message_ids.mapped("body")),
        )


@tagged("post_install", "-at_install")
class TestThreadingWebhook(ThreadingMixin, XSetupMixin, HttpCase):
    """X Activity posts through the signed route, then the inbox cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_x()
        cls.url = f"/social_care/webhook/{cls.app.id}"

    def post(self, body):
        raw = json.dumps(body).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(SECRET, raw),
        }
        self.assertEqual(
            self.url_open(self.url, data=raw, headers=headers).status_code, 200
        )

    def test_replies_of_many_customers_under_the_brand_post(self):
        # xaa_post_reply expands the account's post 300 in includes.tweets.
        root = "2095000000000000300"
        authors = {JANE: "2095000000000000311", MARCO: "2095000000000000312"}
        authors[LUCA] = "2095000000000000313"
        for author, post_id in authors.items():
            self.post(
                xaa_post(post_id, f"@AcmeSupport {author} here", root, root, author)
            )
        # Jane follows up on her own reply.
        followup = xaa_post(
            "2095000000000000314", "@AcmeSupport still?", root, authors[JANE]
        )
        followup["data"]["payload"]["in_reply_to_user_id"] = JANE
        self.post(followup)
        self.process()
        tickets = self.x_tickets()
        self.assertEqual(len(tickets), 3)
        for author, post_id in authors.items():
            ticket = self.ticket(f"x:conv:{root}:{author}")
            self.assertEqual(ticket.social_identity_id.external_id, author)
            self.assertEqual(self.message(post_id).ticket_id, ticket)
        self.assertEqual(
            self.message("2095000000000000314").ticket_id,
            self.ticket(f"x:conv:{root}:{JANE}"),
        )
        # The agent's answer in Marco's ticket goes to Marco's post.
        marco = self.ticket(f"x:conv:{root}:{MARCO}")
        self.reply(marco, "Thanks Marco, checking.")
        posted = {"data": {"id": "2095000000000000320", "text": "..."}}
        x = self.send_queued(FakeX().on("POST", TWEETS, posted, status=201))
        self.assertEqual(
            x.calls[0].json["reply"], {"in_reply_to_tweet_id": authors[MARCO]}
        )

    def aaa_tweet(
        self, tweet_id, text, author, parent=None, reply_user=ACME, versions=None
    ):
        """An Account Activity tweet (from the AAA mention fixture's shape)."""
        body = fixture("aaa_tweet_create_mention")
        tweet = body["tweet_create_events"][0]
        handle = {ACME: "AcmeSupport", JANE: "jane_doe_42", MARCO: "marco_rossi"}
        tweet.update(
            id=int(tweet_id),
            id_str=tweet_id,
            text=text,
            in_reply_to_status_id=int(parent) if parent else None,
            in_reply_to_status_id_str=parent,
            in_reply_to_user_id=int(reply_user),
            in_reply_to_user_id_str=reply_user,
            user=dict(
                tweet["user"], id=int(author), id_str=author, screen_name=handle[author]
            ),
        )
        tweet.pop("extended_entities")
        tweet["entities"]["media"] = []
        if versions:
            tweet["edit_history"] = {
                "initial_tweet_id": versions[0],
                "edit_tweet_ids": versions,
            }
        return body

    def test_the_accounts_own_post_delivered_does_not_gather_its_replies(self):
        # X's Account Activity delivers the account's own posts too.
        brand = "2095000000000000650"
        self.post(
            self.aaa_tweet(brand, "Spring sale starts today!", ACME, reply_user=ACME)
        )
        self.post(
            self.aaa_tweet(
                "2095000000000000651", "@AcmeSupport any bikes?", JANE, brand
            )
        )
        self.post(
            self.aaa_tweet("2095000000000000652", "@AcmeSupport helmets?", MARCO, brand)
        )
        self.process()
        own = self.message(brand)
        self.assertTrue(own.from_account)
        self.assertFalse(own.ticket_id)
        self.assertEqual(len(self.x_tickets()), 2)
        for author, post_id in (
            (JANE, "2095000000000000651"),
            (MARCO, "2095000000000000652"),
        ):
            message = self.message(post_id)
            self.assertEqual(message.parent_id, own)
            self.assertEqual(
                message.ticket_id.social_thread_key, f"x:conv:{brand}:{author}"
            )
            self.assertEqual(message.ticket_id.social_identity_id.external_id, author)
            self.assertEqual(message.ticket_id.social_post_id.external_id, brand)

    def test_a_webhook_reply_to_an_edited_version_joins_the_first(self):
        first, edited = "2095000000000000660", "2095000000000000661"
        self.post(self.aaa_tweet(first, "@AcmeSupport order A-1 is late", JANE))
        self.post(
            self.aaa_tweet(
                edited,
                "@AcmeSupport order A-1 is late, a week now",
                JANE,
                versions=[first, edited],
            )
        )
        # v1.1 tells only the version it answers, nothing of its history.
        self.post(
            self.aaa_tweet(
                "2095000000000000662",
                "@jane_doe_42 @AcmeSupport same",
                MARCO,
                parent=edited,
                reply_user=JANE,
            )
        )
        self.process()
        root = self.message(first)
        self.assertEqual(root.text, "@AcmeSupport order A-1 is late, a week now")
        self.assertEqual(root.version_external_id, edited)
        self.assertFalse(self.message(edited))
        reply = self.message("2095000000000000662")
        self.assertEqual(reply.parent_id, root)
        self.assertEqual(reply.ticket_id, root.ticket_id)
        self.assertEqual(len(self.x_tickets()), 1)
