import tweepy

from odoo import _, models

from odoo.addons.social_care.tools import SendError

from ..tools.x_media import check_media, media_category

# v2 media upload (2025+): multipart ``media`` + ``media_category``; answers
# {"data": {"id", "media_key", ...}}. https://docs.x.com/x-api/media/upload-media
UPLOAD_URL = "https://api.x.com/2/media/upload"
UPLOAD_ENDPOINT = "POST /2/media/upload"


class SocialCareAccountMedia(models.Model):
    # One concern per file: media apart from the account and message bodies.
    _inherit = "social.care.account"  # pylint: disable=consider-merging-classes-inherited

    def _social_media_problem(self, ticket, attachments, private):
        if self.provider != "twitter":
            return super()._social_media_problem(ticket, attachments, private)
        problem = check_media(
            [(a.name, a.mimetype, a.file_size) for a in attachments], private
        )
        if not problem:
            return None
        params = problem.params
        if problem.code == "count":
            if private:
                return _("X takes one image per direct message: keep just one.")
            return _(
                "X takes up to %(max)s images per post: remove some.",
                max=params["max"],
            )
        if problem.code == "type":
            return _(
                "X cannot receive %(name)s (%(mimetype)s) here: only JPEG, PNG "
                "or WEBP images are sent to X.",
                name=params["name"],
                mimetype=params["mimetype"],
            )
        return _(
            "%(name)s is %(size)s; X takes images up to %(max)s.",
            name=params["name"],
            size=self._social_megabytes(params["size"]),
            max=self._social_megabytes(params["max"]),
        )

    def _twitter_upload_media(self, message):
        """Upload the reply's images to X; their media ids, in order.

        An upload publishes nothing: if X does not answer, the reply is tried
        again later rather than marked uncertain.
        """
        self.ensure_one()
        category = media_category(message.is_private)
        media_ids = []
        for attachment in message.attachment_ids.sudo():
            upload = self._twitter_upload_call(attachment, category)
            try:
                data = self._twitter_call(UPLOAD_ENDPOINT, upload).get("data") or {}
            except SendError as error:
                if error.kind != "uncertain":
                    raise
                raise SendError(
                    "transient",
                    _("X did not answer the image upload; it will be tried again."),
                ) from error
            if not data.get("id"):
                raise SendError(
                    "transient", _("X answered the image upload without its id.")
                )
            media_ids.append(str(data["id"]))
        return media_ids

    @staticmethod
    def _twitter_upload_call(attachment, category):
        """The upload as ``_twitter_call`` makes calls: tweepy's session and auth."""
        raw = attachment.raw or b""

        def upload(client, oauth1):
            headers, auth = {}, None
            if oauth1:
                auth = tweepy.OAuth1UserHandler(
                    client.consumer_key,
                    client.consumer_secret,
                    client.access_token,
                    client.access_token_secret,
                ).apply_auth()
            else:
                headers["Authorization"] = f"Bearer {client.bearer_token}"
            return client.session.post(
                UPLOAD_URL,
                data={"media_category": category},
                files={"media": (attachment.name, raw, attachment.mimetype)},
                headers=headers,
                auth=auth,
            )

        return upload
