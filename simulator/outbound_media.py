"""Media in the replies Odoo sends: what X and Meta accept, and what they refuse.

The limits are the platforms' own, restated here from their documentation
(not imported from the addons, so the end-to-end tests check the addons
against the platforms rather than against themselves):

- X v2 media upload, https://docs.x.com/x-api/media/introduction and
  https://docs.x.com/x-api/media/upload-media : multipart ``media`` with
  ``media_category``; the simple (one-request) upload takes images, 5 MB;
  answers ``{"data": {"id", "media_key", "size", "expires_after_secs"}}``.
  Posts carry up to 4 images (``media.media_ids``), a DM one attachment
  (``attachments: [{"media_id"}]``) and needs text or it.
- Meta Send API,
  https://developers.facebook.com/docs/messenger-platform/reference/send-api :
  a message is text or one attachment (image, video, audio, file) given by
  ``filedata``, ``payload.url`` or ``payload.attachment_id``; 25 MB, images 8 MB.
  Instagram messaging (attachment-upload, Apr 2026): image png/jpeg/gif 8 MB,
  video mp4/ogg/avi/mov/webm, audio aac/m4a/wav/mp4, file pdf, 25 MB each.
- Facebook comments,
  https://developers.facebook.com/docs/graph-api/reference/object/comments/ :
  ``message`` optional with ``source``/``attachment_url``; photos under 4 MB.
  Instagram comment replies (``/replies``) take ``message`` only.
"""

import email.policy
import hashlib
from email.parser import BytesParser

MB = 1024 * 1024
X_UPLOAD_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
X_IMAGE_MAX = 5 * MB
X_POST_MAX_MEDIA = 4
META_TYPES = {
    "instagram_dm": {
        "image": (("image/png", "image/jpeg", "image/gif"), 8 * MB),
        "video": (
            (
                "video/mp4",
                "video/ogg",
                "video/x-msvideo",
                "video/avi",
                "video/quicktime",
                "video/webm",
            ),
            25 * MB,
        ),
        "audio": (
            ("audio/aac", "audio/x-m4a", "audio/mp4", "audio/wav", "audio/x-wav"),
            25 * MB,
        ),
        "file": (("application/pdf",), 25 * MB),
    },
    "messenger": {
        "image": (None, 8 * MB),
        "video": (None, 25 * MB),
        "audio": (None, 25 * MB),
        "file": (None, 25 * MB),
    },
}
FB_COMMENT_PHOTO_MAX = 4 * MB


def parse_multipart(content_type, body):
    """(fields, files) of a multipart/form-data body; files summarised, no bytes."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    parsed = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields, files = {}, {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            files[name] = {
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "size": len(payload),
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
        else:
            fields[name] = payload.decode()
    return fields, files


class OutboundMediaMixin:
    """The simulator's media endpoints; ``self.uploads``: X media ids -> file."""

    # --- X ---

    def _x_media_upload(self, data):
        from .core import _x_error

        media = (data.get("_files") or {}).get("media")
        if not media:
            raise _x_error(400, "Invalid Request", "media is required")
        if media["content_type"] not in X_UPLOAD_TYPES:
            raise _x_error(
                400,
                "Invalid Request",
                f"{media['content_type']} needs the chunked upload; the simple "
                "upload takes images",
            )
        if media["size"] > X_IMAGE_MAX:
            raise _x_error(400, "Invalid Request", "File size exceeds 5242880 bytes.")
        media_id = self._x_id()
        with self.lock:
            self.uploads[media_id] = dict(
                media, category=data.get("media_category") or "tweet_image"
            )
        return {
            "data": {
                "id": media_id,
                "media_key": f"3_{media_id}",
                "size": media["size"],
                "expires_after_secs": 86400,
            }
        }

    def _x_attached(self, media_ids, limit):
        """The uploaded files a post or DM names; X refuses unknown or too many."""
        from .core import _x_error

        if len(media_ids) > limit:
            raise _x_error(
                400, "Invalid Request", f"at most {limit} media may be attached"
            )
        with self.lock:
            unknown = [m for m in media_ids if m not in self.uploads]
            if unknown:
                raise _x_error(400, "Invalid Request", f"unknown media id {unknown[0]}")
            return [dict(self.uploads[m], media_id=m) for m in media_ids]

    # --- Meta ---

    def _meta_message_media(self, channel, content, data):
        """The file of a Send API message, checked as Meta checks it, or None."""
        from .core import _graph_error

        attachment = content.get("attachment")
        if not attachment:
            return None
        if content.get("text"):
            raise _graph_error("(#100) Only one of text or attachment may be set.")
        kind = attachment.get("type")
        payload = attachment.get("payload") or {}
        limits = META_TYPES.get(channel, META_TYPES["messenger"])
        if kind not in limits:
            raise _graph_error(f"(#100) Unsupported attachment type {kind!r}.")
        media = (data.get("_files") or {}).get("filedata")
        if media is None:
            if not (payload.get("url") or payload.get("attachment_id")):
                raise _graph_error("(#100) The attachment has no file.")
            return {"type": kind, "url": payload.get("url")}
        types, max_bytes = limits[kind]
        if (types is not None and media["content_type"] not in types) or media[
            "size"
        ] > max_bytes:
            error = _graph_error("(#100) Upload attachment failure.")
            error.body["error"]["error_subcode"] = 2018047
            raise error
        return dict(media, type=kind)

    def _meta_comment_media(self, edge, data):
        """The photo of a comment reply, or None; Instagram replies take none."""
        from .core import _graph_error

        media = (data.get("_files") or {}).get("source")
        url = data.get("attachment_url")
        if not (media or url):
            if not data.get("message"):
                raise _graph_error("(#100) Missing message or attachment.")
            return None
        if edge == "replies":
            raise _graph_error("(#100) Instagram comment replies take text only.")
        if media is None:
            return {"type": "image", "url": url}
        if not media["content_type"].startswith("image/"):
            raise _graph_error("(#100) The comment attachment must be a photo.")
        if media["size"] > FB_COMMENT_PHOTO_MAX:
            raise _graph_error("(#100) The photo is too large.")
        return dict(media, type="image")
