"""Issue 11 (low): ids are checked before they go into a Graph path or query.

A comment id of another shape than Meta's (``postid_commentid``, digits, as
in Meta's Page webhook samples and the fixtures of tests/common.py) would
make a hide or a reply reach another node or edge: with the Page's token,
``<page>/subscribed_apps`` or ``me/accounts``.
"""

from odoo.addons.social_care.tools import SendError

from .common import PAGE, MetaCase


class TestMetaGraphIds(MetaCase):
    def _comment(self, external_id):
        return self.env["social.care.message"].create(
            {
                "account_id": self.page.id,
                "direction": "in",
                "channel": "facebook_comment",
                "kind": "comment",
                "thread_key": f"fb:post:{PAGE}_722000000000001",
                "external_id": external_id,
                "text": "Hello",
            }
        )

    def test_a_comment_id_of_another_shape_reaches_no_other_node(self):
        for external_id in (
            f"{PAGE}/subscribed_apps",
            "me/accounts",
            f"{PAGE}_1?fields=access_token",
            "../me",
        ):
            with self.subTest(external_id=external_id), self.graph() as graph:
                with self.assertRaises(SendError) as caught:
                    self.page._meta_set_hidden(self._comment(external_id), True)
                self.assertEqual(caught.exception.kind, "permanent")
                self.assertEqual(graph.calls, [])

    def test_meta_shaped_ids_still_reach_the_graph(self):
        comment = self._comment("722000000000001_9000000001")
        with self.graph({("POST", comment.external_id): {"success": True}}) as graph:
            self.page._meta_set_hidden(comment, True)
        self.assertEqual([c["path"] for c in graph.calls], [comment.external_id])
        self.assertTrue(comment.meta_is_hidden)
