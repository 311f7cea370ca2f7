import json

from odoo import _, models

from odoo.addons.social_care.tools import SendError

from ..tools.meta_limits import check_media, media_kind


class SocialCareAccountMedia(models.Model):
    """Media on Meta replies: checked before queueing, uploaded with the send.

    Files go up as multipart ``filedata`` (Send API) or ``source`` (comment),
    so Meta never needs a public URL of the database's files.
    """

    # One concern per file: media apart from the account and message bodies.
    _inherit = "social.care.account"  # pylint: disable=consider-merging-classes-inherited

    def _social_media_problem(self, ticket, attachments, private):
        if self.provider != "meta":
            return super()._social_media_problem(ticket, attachments, private)
        parent = ticket._social_reply_parent(private)
        # Meta allows one private reply per comment, and a Send API message is
        # text or a file: a file would use up the only message (§9).
        if private and parent and not parent.is_private:
            return _(
                "A private reply to a comment carries text only: send the file "
                "once the customer writes back in Messenger or Instagram Direct."
            )
        channel = ticket._social_reply_channel(private)
        problem = check_media(
            channel, [(a.name, a.mimetype, a.file_size) for a in attachments]
        )
        if not problem:
            return None
        params = problem.params
        surface = self._meta_surface_label(channel)
        if problem.code == "none":
            return _(
                "%(surface)s take no media: remove the attachments.", surface=surface
            )
        if problem.code == "count":
            return _(
                "%(surface)s take one attachment per reply: keep just one.",
                surface=surface,
            )
        if problem.code == "type":
            return _(
                "%(surface)s cannot carry %(name)s (%(mimetype)s): Meta takes "
                "%(kinds)s there, in its listed formats.",
                surface=surface,
                name=params["name"],
                mimetype=params["mimetype"] or "?",
                kinds=", ".join(self._meta_kind_label(k) for k in params["kinds"]),
            )
        return _(
            "%(name)s is %(size)s; %(surface)s take %(kind)s up to %(max)s.",
            name=params["name"],
            size=self._social_megabytes(params["size"]),
            surface=surface,
            kind=self._meta_kind_label(params["kind"]),
            max=self._social_megabytes(params["max"]),
        )

    def _meta_kind_label(self, kind):
        return {
            "image": _("images"),
            "video": _("videos"),
            "audio": _("audio files"),
            "file": _("files"),
        }[kind]

    def _meta_surface_label(self, channel):
        return {
            "messenger": _("Messenger messages"),
            "instagram_dm": _("Instagram direct messages"),
            "facebook_comment": _("Facebook comments"),
            "instagram_comment": _("Instagram comments"),
        }.get(channel, channel)

    @staticmethod
    def _meta_files(message, field):
        """The reply's file as requests' multipart ``files``, or None."""
        attachment = message.attachment_ids.sudo()[:1]
        if not attachment:
            return None
        return {field: (attachment.name, attachment.raw or b"", attachment.mimetype)}

    def _meta_send_message(self, page, message, params):
        """Send a DM: its file first (a Send API message is text or a file),
        then its text; the answer of the last call."""
        path = self._meta_path(page.external_ref, "messages")
        metadata = f"social_care:{message.id}"
        answer = None
        files = self._meta_files(message, "filedata")
        if files:
            mimetype = files["filedata"][2]
            attachment = {"type": media_kind(mimetype), "payload": {}}
            answer = self._meta_request(
                "POST",
                path,
                dict(
                    params,
                    message=json.dumps(
                        {"attachment": attachment, "metadata": metadata}
                    ),
                ),
                files=files,
            )
        if not message.text:
            return answer
        try:
            return self._meta_request(
                "POST",
                path,
                dict(
                    params,
                    message=json.dumps({"text": message.text, "metadata": metadata}),
                ),
            )
        except SendError as error:
            if answer is None:
                raise
            # The file's id, so that its echo is not taken for the text's.
            message.sudo().external_id = str(answer.get("message_id") or "") or False
            raise SendError(
                "uncertain",
                _(
                    "The file reached the customer but the text did not (%(error)s)."
                    " Send the text again on its own.",
                    error=error.message,
                ),
            ) from error
