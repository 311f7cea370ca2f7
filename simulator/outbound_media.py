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
- X chunked upload,
  https://docs.x.com/x-api/media/quickstart/media-upload-chunked : INIT
  (``media_type``, ``total_bytes``, ``media_category``) answers the media id,
  APPEND (``media_id``, ``segment_index``, ``media``) each chunk (at most
  5 MB, https://developer.x.com/en/docs/media/upload-media/api-reference/post-media-upload-append),
  FINALIZE answers ``processing_info`` ``{"state": "pending",
  "check_after_secs"}`` for what X processes, STATUS (``GET
  ?command=STATUS&media_id=``) the state until ``succeeded``; the media id
  cannot be attached before. Limits,
  https://docs.x.com/x-api/media/quickstart/best-practices : GIF 15 MB, video
  512 MB (https://docs.x.com/x-api/media/introduction), 0.5 s to 20 minutes
  on a post, to 140 s in a DM; a post carries 4 photos or 1 GIF or 1 video.
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
import struct
import time
from email.parser import BytesParser

MB = 1024 * 1024
X_UPLOAD_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
X_IMAGE_MAX = 5 * MB
X_POST_MAX_MEDIA = 4
X_CHUNKED = {
    # media type: (kind, max bytes)
    "image/gif": ("gif", 15 * MB),
    "video/mp4": ("video", 512 * MB),
    "video/quicktime": ("video", 512 * MB),
}
X_CHUNK_MAX = 5 * MB
X_VIDEO_SECONDS = {"tweet": (0.5, 20 * 60), "dm": (0.5, 140)}
# How long the simulated X "processes" a video: long enough to be polled.
X_VIDEO_PROCESSING_SECS = 1.5
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
    """(fields, files, payloads) of a multipart/form-data body.

    ``files`` summarises each file (no bytes, so it can be recorded);
    ``payloads`` has the bytes, for the uploads that assemble chunks.
    """
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    parsed = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields, files, payloads = {}, {}, {}
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
            payloads[name] = payload
        else:
            fields[name] = payload.decode()
    return fields, files, payloads


def mp4_seconds(raw):
    """The length of an MP4/QuickTime file from its moov/mvhd box, or None
    (ISO/IEC 14496-12 8.2.2: version 0 32-bit, version 1 64-bit fields)."""

    def boxes(start, end):
        while start + 8 <= end:
            size, kind = struct.unpack(">I4s", raw[start : start + 8])
            head = 8
            if size == 1:
                size, head = struct.unpack(">Q", raw[start + 8 : start + 16])[0], 16
            elif size == 0:
                size = end - start
            if size < head or start + size > end:
                return
            yield kind, start + head, start + size
            start += size

    for kind, start, end in boxes(0, len(raw)):
        if kind != b"moov":
            continue
        for inner, body, _end in boxes(start, end):
            if inner != b"mvhd":
                continue
            if raw[body] == 1:
                scale, length = struct.unpack(">IQ", raw[body + 20 : body + 32])
            else:
                scale, length = struct.unpack(">II", raw[body + 12 : body + 20])
            return length / scale if scale else None
    return None


class OutboundMediaMixin:
    """The simulator's media endpoints; ``self.uploads``: X media ids -> file."""

    # --- X ---

    def _x_media_upload(self, data):
        from .core import _x_error

        command = data.get("command")
        if command:
            handler = {
                "INIT": self._x_media_init,
                "APPEND": self._x_media_append,
                "FINALIZE": self._x_media_finalize,
            }.get(command)
            if not handler:
                raise _x_error(400, "Invalid Request", f"unknown command {command}")
            return handler(data)
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

    def _x_media_init(self, data):
        from .core import _x_error

        media_type = data.get("media_type") or ""
        if media_type not in X_CHUNKED and media_type not in X_UPLOAD_TYPES:
            raise _x_error(
                400, "Invalid Request", f"unsupported media_type {media_type}"
            )
        try:
            total = int(data.get("total_bytes") or "")
        except ValueError as error:
            raise _x_error(400, "Invalid Request", "total_bytes is required") from error
        kind, max_bytes = X_CHUNKED.get(media_type, ("image", X_IMAGE_MAX))
        if total > max_bytes:
            raise _x_error(
                400, "Invalid Request", f"File size exceeds {max_bytes} bytes."
            )
        category = data.get("media_category") or f"tweet_{kind}"
        media_id = self._x_id()
        with self.lock:
            self.chunked[media_id] = {
                "content_type": media_type,
                "kind": kind,
                "category": category,
                "total_bytes": total,
                "segments": {},
                "filename": None,
            }
        return {
            "data": {
                "id": media_id,
                "media_key": f"{'13' if kind == 'video' else '16'}_{media_id}",
                "expires_after_secs": 86400,
            }
        }

    def _x_chunked_upload(self, data):
        from .core import _x_error

        with self.lock:
            upload = self.chunked.get(data.get("media_id") or "")
        if upload is None:
            raise _x_error(400, "Invalid Request", "unknown media_id")
        return upload

    def _x_media_append(self, data):
        from .core import _x_error

        upload = self._x_chunked_upload(data)
        chunk = (data.get("_payloads") or {}).get("media")
        if chunk is None:
            raise _x_error(400, "Invalid Request", "media is required")
        if len(chunk) > X_CHUNK_MAX:
            raise _x_error(400, "Invalid Request", "a segment is at most 5 MB")
        try:
            index = int(data.get("segment_index") or "")
        except ValueError as error:
            raise _x_error(
                400, "Invalid Request", "segment_index is required"
            ) from error
        if not 0 <= index <= 999:
            raise _x_error(400, "Invalid Request", "segment_index out of range")
        with self.lock:
            upload["segments"][index] = chunk
            upload["filename"] = (
                upload["filename"] or data["_files"]["media"]["filename"]
            )
        return {"data": {"expires_at": int(time.time()) + 86400}}

    def _x_media_finalize(self, data):
        from .core import _x_error

        media_id = data.get("media_id") or ""
        upload = self._x_chunked_upload(data)
        with self.lock:
            indexes = sorted(upload["segments"])
            raw = b"".join(upload["segments"][i] for i in indexes)
        if indexes != list(range(len(indexes))) or len(raw) != upload["total_bytes"]:
            raise _x_error(
                400,
                "Invalid Request",
                "File size does not match total_bytes given at INIT",
            )
        if upload["kind"] == "video":
            seconds = mp4_seconds(raw)
            low, high = X_VIDEO_SECONDS[
                "dm" if upload["category"].startswith("dm_") else "tweet"
            ]
            if seconds is None or not low <= seconds <= high:
                raise _x_error(
                    400,
                    "Invalid Request",
                    f"Video duration must be between {low} and {high} seconds",
                )
        media = {
            "filename": upload["filename"],
            "content_type": upload["content_type"],
            "size": len(raw),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "category": upload["category"],
        }
        ready_at = time.monotonic() + (
            X_VIDEO_PROCESSING_SECS if upload["kind"] == "video" else 0
        )
        with self.lock:
            del self.chunked[media_id]
            self.uploads[media_id] = dict(media, ready_at=ready_at)
        answer = {
            "id": media_id,
            "media_key": f"13_{media_id}",
            "size": len(raw),
            "expires_after_secs": 86400,
        }
        info = self._x_processing_info(media_id)
        if info:
            answer["processing_info"] = info
        return {"data": answer}

    def _x_processing_info(self, media_id):
        """``processing_info`` while the simulated X processes the file, else None."""
        with self.lock:
            upload = self.uploads.get(media_id)
        if not upload or "ready_at" not in upload:
            return None
        left = upload["ready_at"] - time.monotonic()
        if left <= 0:
            return {"state": "succeeded", "progress_percent": 100}
        return {"state": "pending", "check_after_secs": max(1, round(left))}

    def _x_media_status(self, params):
        """``GET /2/media/upload?command=STATUS&media_id=``."""
        from .core import _x_error

        media_id = params.get("media_id") or ""
        if params.get("command") != "STATUS":
            raise _x_error(400, "Invalid Request", "command must be STATUS")
        with self.lock:
            known = media_id in self.uploads
        if not known:
            raise _x_error(400, "Invalid Request", "unknown media_id")
        answer = {"id": media_id, "media_key": f"13_{media_id}"}
        info = self._x_processing_info(media_id)
        if info:
            answer["processing_info"] = info
        return {"data": answer}

    def _x_attached(self, media_ids, limit):
        """The uploaded files a post or DM names; X refuses unknown or too many,
        a GIF or video with others, and a file it has not finished processing."""
        from .core import _x_error

        if len(media_ids) > limit:
            raise _x_error(
                400, "Invalid Request", f"at most {limit} media may be attached"
            )
        with self.lock:
            unknown = [m for m in media_ids if m not in self.uploads]
            if unknown:
                raise _x_error(400, "Invalid Request", f"unknown media id {unknown[0]}")
            files = [dict(self.uploads[m], media_id=m) for m in media_ids]
        if len(files) > 1 and any(f["content_type"] in X_CHUNKED for f in files):
            raise _x_error(400, "Invalid Request", "a GIF or a video is attached alone")
        for media in files:
            if media.pop("ready_at", 0) > time.monotonic():
                raise _x_error(
                    400,
                    "Invalid Request",
                    f"media {media['media_id']} is still being processed",
                )
        return files

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
