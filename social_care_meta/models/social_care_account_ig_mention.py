"""Instagram @mentions: answered with a comment where they were made, and polled
where Graph lists them (sources in tools/meta_mentions.py)."""

import logging
import time

from odoo import _, models

from odoo.addons.social_care.tools import SendError, SendResult
from odoo.addons.social_care.tools.normalized import ParsedDelivery, PayloadError

from ..tools.meta_mentions import (
    TAGS_FIELDS,
    caption_mentions,
    is_graph_id,
    mention_change,
    mention_reply_params,
)
from ..tools.meta_webhook import ig_mention_key
from .social_care_account import POLL_FIRST_LOOKBACK, MetaSendError

_logger = logging.getLogger(__name__)

POLL_TAGS = 25  # media read per poll from /{ig-user-id}/tags, newest first


def is_ig_mention(message):
    """An @mention in an Instagram comment or caption (not a story mention,
    which is a direct message and is answered as one)."""
    return message.kind == "mention" and message.channel == "instagram_comment"


class SocialCareAccount(models.Model):  # pylint: disable=consider-merging-classes-inherited
    _inherit = "social.care.account"

    # ------------------------------------------------------------------
    # Answering
    # ------------------------------------------------------------------

    def _meta_send_comment_reply(self, message, parent):
        if not is_ig_mention(parent):
            return super()._meta_send_comment_reply(message, parent)
        return self._meta_send_mention_reply(message, parent)

    def _meta_send_mention_reply(self, message, parent):
        """A comment on the media where the account was @mentioned, under the
        mentioning comment if it was one: ``POST /{ig-user-id}/mentions``.

        A mention in a comment has its media as origin post (the webhook's
        ``media_id``); a caption mention is the media itself.
        """
        if parent.post_id:
            media_id, comment_id = parent.post_id.external_id, parent.external_id
        else:
            media_id, comment_id = parent.external_id, ""
        try:
            if not is_graph_id(self.external_ref):
                raise PayloadError("the Instagram account id is not a Graph id")
            params = mention_reply_params(media_id, comment_id, message.text)
        except PayloadError as error:
            _logger.warning("Mention reply %s not sent: %s", message.id, error)
            raise SendError(
                "permanent",
                _(
                    "This mention cannot be answered: its Instagram ids are not "
                    "valid Graph ids."
                ),
            ) from error
        answer = self._meta_request(
            "POST", self._meta_path(self.external_ref, "mentions"), params
        )
        return SendResult(
            external_id=str(answer.get("id") or ""),
            permalink=parent.permalink or "",
        )

    def _meta_private_reply_problem(self, comment, exclude=None):
        if is_ig_mention(comment):
            # Private replies go to comments on the account's own media only
            # (Private Replies, Instagram Platform); a mention is on someone
            # else's, and /mentions creates public comments only.
            return _(
                "No private reply to a mention: Meta allows private replies only "
                "to comments on the account's own posts, and this mention is on "
                "someone else's. Answer publicly: the reply is a comment on the "
                "post where the account was mentioned."
            )
        return super()._meta_private_reply_problem(comment, exclude=exclude)

    def _social_reply_limits(self, ticket, private):
        limits = super()._social_reply_limits(ticket, private)
        if (
            self.provider == "meta"
            and private
            and is_ig_mention(ticket._social_reply_parent(True))
        ):
            limits["window_deadline"] = False  # no private reply, so no window
        return limits

    # ------------------------------------------------------------------
    # Polling
    # ------------------------------------------------------------------

    def _social_poll(self):
        """Also the caption mentions Graph lists, for webhooks that were lost."""
        if self.provider != "meta" or self.meta_surface != "instagram":
            return super()._social_poll()
        position = self.poll_cursor if isinstance(self.poll_cursor, dict) else {}
        since = position.get("since") or int(time.time()) - POLL_FIRST_LOOKBACK
        deliveries, position = super()._social_poll()
        return deliveries + self._meta_poll_ig_mentions(since), position

    def _meta_poll_ig_mentions(self, since):
        """Media the account is tagged in whose caption @mentions it, since ``since``.

        ``GET /{ig-user-id}/tags`` is the only list Graph has: a mention in a
        comment, or in the caption of a media the account is not tagged in, is
        known from its webhook only. A tagged media whose caption does not
        mention the account is no mention (Meta allows no comment on it). Each
        is delivered as its webhook would be, with its key: stored once.
        """
        if not is_graph_id(self.external_ref):
            return []
        try:
            username = self.handle or self._meta_request(
                "GET", self.external_ref, {"fields": "username"}
            ).get("username")
            page = self._meta_request(
                "GET",
                self._meta_path(self.external_ref, "tags"),
                {"fields": TAGS_FIELDS, "limit": POLL_TAGS},
            )
        except MetaSendError as error:
            if error.kind != "permanent":
                raise  # the poll's window is read again later
            # Refused (e.g. a permission the token lacks): the comments and
            # conversations this poll read are kept.
            _logger.info("Instagram %s tags not polled: %s", self.id, error.message)
            return []
        deliveries = []
        for media in page.get("data") or []:
            media_id = media.get("id")
            stamp = self._meta_epoch(media.get("timestamp") or "")
            if (
                not is_graph_id(media_id)
                or stamp < since
                or not caption_mentions(media.get("caption"), username)
            ):
                continue
            deliveries.append(
                ParsedDelivery(
                    self.external_ref,
                    ig_mention_key(media_id),
                    "instagram.mentions",
                    {
                        "object": "instagram",
                        "entry_id": self.external_ref,
                        "time": stamp,
                        "change": mention_change(media_id),
                    },
                )
            )
        return deliveries
