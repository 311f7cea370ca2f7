import time
from datetime import datetime, timezone

import tweepy

from odoo import _, models

from odoo.addons.social_care.tools import SendError

from ..tools.x_media import (
    check_media,
    media_category,
    needs_chunked_upload,
    processing_step,
    segments,
    video_seconds,
)

# v2 media upload: the simple upload is one multipart ``media`` with
# ``media_category``, answering {"data": {"id", "media_key", ...}}
# (https://docs.x.com/x-api/media/upload-media); GIF and video go through the
# chunked commands on the same URL, INIT/APPEND/FINALIZE posted as multipart
# and STATUS read with GET
# (https://docs.x.com/x-api/media/quickstart/media-upload-chunked).
UPLOAD_URL = "https://api.x.com/2/media/upload"
UPLOAD_ENDPOINT = "POST /2/media/upload"
STATUS_ENDPOINT = "GET /2/media/upload"
# An upload this close to X's expiry is not attached: it is uploaded again.
EXPIRY_MARGIN_SECS = 600


class SocialCareAccountMedia(models.Model):
    # One concern per file: media apart from the account and message bodies.
    _inherit = "social.care.account"  # pylint: disable=consider-merging-classes-inherited

    def _social_media_problem(self, ticket, attachments, private):
        if self.provider != "twitter":
            return super()._social_media_problem(ticket, attachments, private)
        problem = check_media(
            [
                (a.name, a.mimetype, a.file_size, self._twitter_video_seconds(a))
                for a in attachments
            ],
            private,
        )
        if not problem:
            return None
        params = problem.params
        if problem.code == "count":
            if private and all(a.mimetype.startswith("image/") for a in attachments):
                return _("X takes one image per direct message: keep just one.")
            if private:
                return _("X takes one file per direct message: keep just one.")
            return _(
                "X takes up to %(max)s images per post: remove some.",
                max=params["max"],
            )
        if problem.code == "alone":
            return _(
                "X takes a GIF or a video alone on a post: send %(name)s without "
                "other files.",
                name=params["name"],
            )
        if problem.code == "type":
            return _(
                "X cannot receive %(name)s (%(mimetype)s) here: only JPEG, PNG "
                "or WEBP images, GIFs and MP4 or MOV videos are sent to X.",
                name=params["name"],
                mimetype=params["mimetype"],
            )
        if problem.code == "unreadable":
            return _(
                "The length of the video %(name)s cannot be read: X takes MP4 "
                "or MOV videos.",
                name=params["name"],
            )
        if problem.code == "duration":
            return _(
                "%(name)s lasts %(seconds)s seconds; X takes videos of "
                "%(min)s to %(max)s seconds here.",
                name=params["name"],
                seconds=f"{params['seconds']:.1f}",
                min=params["min"],
                max=params["max"],
            )
        sentence = {
            "image": _("%(name)s is %(size)s; X takes images up to %(max)s."),
            "gif": _("%(name)s is %(size)s; X takes GIFs up to %(max)s."),
            "video": _("%(name)s is %(size)s; X takes videos up to %(max)s."),
        }[params["kind"]]
        return sentence % {
            "name": params["name"],
            "size": self._social_megabytes(params["size"]),
            "max": self._social_megabytes(params["max"]),
        }

    @staticmethod
    def _twitter_video_seconds(attachment):
        """A video's length in seconds (None if unreadable); None for others."""
        if not (attachment.mimetype or "").startswith("video/"):
            return None
        with attachment._twitter_media_stream() as stream:
            try:
                return video_seconds(stream)
            except (OSError, ValueError):
                return None

    def _twitter_upload_media(self, message):
        """Upload the reply's files to X; their media ids, in order.

        An upload publishes nothing: if X does not answer, the reply is tried
        again later rather than marked uncertain. What X took is kept on the
        message, so a retry (X still processing a video, the post refused for
        a while) reuses it rather than uploading it again.
        """
        self.ensure_one()
        uploads = dict(message.twitter_media_uploads or {})
        media_ids = []
        for attachment in message.attachment_ids.sudo():
            key = str(attachment.id)
            upload = uploads.get(key)
            step = ("poll", 0)  # kept, not ready: X said when to check again
            if not upload or upload["expires_at"] < time.time() + EXPIRY_MARGIN_SECS:
                upload, step = self._twitter_upload_one(message, attachment)
                uploads[key] = upload
                message.sudo().twitter_media_uploads = dict(uploads)
            if not upload["ready"]:
                self._twitter_wait_processing(message, uploads, key, step)
            media_ids.append(upload["id"])
        return media_ids

    def _twitter_upload_one(self, message, attachment):
        """Upload one file: what X answered, as kept on the message, and the
        next step of its processing (see ``processing_step``)."""
        category = media_category(message.is_private, attachment.mimetype)
        if not needs_chunked_upload(attachment.mimetype):
            raw = attachment.raw or b""
            data = self._twitter_upload_command(
                data={"media_category": category},
                files={"media": (attachment.name, raw, attachment.mimetype)},
                unanswered=_(
                    "X did not answer the image upload; it will be tried again."
                ),
            )
            return self._twitter_upload_kept(data, ready=True), ("ready", None)
        data = self._twitter_upload_command(
            data={
                "command": "INIT",
                "media_type": attachment.mimetype,
                "total_bytes": str(attachment.file_size),
                "media_category": category,
            }
        )
        media_id = str(data["id"])
        with attachment._twitter_media_stream() as stream:
            for index, start, end in segments(attachment.file_size):
                stream.seek(start)
                self._twitter_upload_command(
                    data={
                        "command": "APPEND",
                        "media_id": media_id,
                        "segment_index": str(index),
                    },
                    files={
                        "media": (
                            attachment.name,
                            stream.read(end - start),
                            "application/octet-stream",
                        )
                    },
                    needs_id=False,
                )
        data = self._twitter_upload_command(
            data={"command": "FINALIZE", "media_id": media_id}
        )
        step = processing_step(data)
        return self._twitter_upload_kept(data, ready=step[0] == "ready"), step

    @staticmethod
    def _twitter_upload_kept(data, ready):
        expires = int(data.get("expires_after_secs") or 86400)
        return {
            "id": str(data["id"]),
            "expires_at": time.time() + expires,
            "ready": ready,
        }

    def _twitter_wait_processing(self, message, uploads, key, step):
        """Ask STATUS until X has processed the file, for a few seconds at most.

        Longer processing does not hold the worker: the send is queued again
        for when X said to check, keeping the media id; waiting is not counted
        as one of the message's failed attempts.
        """
        upload = uploads[key]
        polls = 0
        while step[0] == "poll":
            time.sleep(step[1])
            data = self._twitter_upload_command(
                method="GET",
                params={"command": "STATUS", "media_id": upload["id"]},
                needs_id=False,
            )
            polls += 1
            step = processing_step(data, polls)
        if step[0] == "ready":
            upload["ready"] = True
            message.sudo().twitter_media_uploads = dict(uploads)
            return
        if step[0] == "failed":
            # A new try (an agent's retry) starts from a new upload.
            del uploads[key]
            message.sudo().twitter_media_uploads = dict(uploads)
            raise SendError(
                "permanent",
                _("X could not process the file: %(error)s", error=step[1]),
            )
        message.sudo().attempts = max(message.attempts - 1, 0)
        retry_at = datetime.fromtimestamp(time.time() + step[1], timezone.utc).replace(
            tzinfo=None
        )
        raise SendError(
            "transient",
            _("X is still processing the file; the reply is sent once it is ready."),
            retry_at,
        )

    def _twitter_upload_command(
        self,
        method="POST",
        data=None,
        files=None,
        params=None,
        needs_id=True,
        unanswered=None,
    ):
        """One upload request; the ``data`` of X's answer.

        No answer to an upload is no post: it is tried again, never uncertain.
        """
        endpoint = UPLOAD_ENDPOINT if method == "POST" else STATUS_ENDPOINT
        try:
            body = self._twitter_call(
                endpoint, self._twitter_upload_call(method, data, files, params)
            )
        except SendError as error:
            if error.kind != "uncertain":
                raise
            raise SendError(
                "transient",
                unanswered
                or _("X did not answer the media upload; it will be tried again."),
            ) from error
        answer = body.get("data") or {}
        if needs_id and not answer.get("id"):
            raise SendError(
                "transient", _("X answered the media upload without its id.")
            )
        return answer

    @staticmethod
    def _twitter_upload_call(method, data, files, params):
        """The upload as ``_twitter_call`` makes calls: tweepy's session and auth."""

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
            return client.session.request(
                method,
                UPLOAD_URL,
                params=params,
                data=data,
                files=files,
                headers=headers,
                auth=auth,
            )

        return upload
