"""What X takes as media on a reply, checked before queueing, and how it is sent.

Sources (checked 2026-12-04):
- https://docs.x.com/x-api/media/introduction : upload size limits, image
  5 MB, GIF 15 MB, video 512 MB; images may use the simple upload, GIF and
  video need the chunked one.
- https://docs.x.com/x-api/media/quickstart/best-practices : a post carries
  up to 4 photos, or 1 animated GIF, or 1 video; media categories
  ``tweet_image``/``tweet_gif``/``tweet_video`` and ``dm_image``/``dm_gif``/
  ``dm_video``; default accounts: video 0.5 s to 20 minutes on a post,
  0.5 to 140 s and 512 MB in a DM (the 8 GB a post video may weigh is not
  offered here: the introduction's 512 MB is kept for both).
- https://docs.x.com/x-api/media/quickstart/media-upload-chunked : INIT
  (``media_type``, ``total_bytes``, ``media_category``), APPEND
  (``media_id``, ``segment_index``, ``media``), FINALIZE (``media_id``), then
  STATUS (``GET ?command=STATUS&media_id=``) while ``processing_info.state``
  is ``pending`` or ``in_progress``, waiting ``check_after_secs``; the media
  cannot be attached before ``succeeded``.
- APPEND chunks are at most 5 MB each:
  https://developer.x.com/en/docs/media/upload-media/api-reference/post-media-upload-append
- https://docs.x.com/x-api/direct-messages/manage/integrate : a DM carries
  text or one attachment, or both.

Pure: returns problem codes; the ORM layer words them for the agent.
"""

import struct
from collections import namedtuple

MB = 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
GIF_TYPES = ("image/gif",)
VIDEO_TYPES = ("video/mp4", "video/quicktime")
MAX_BYTES = {"image": 5 * MB, "gif": 15 * MB, "video": 512 * MB}
VIDEO_MIN_SECONDS = 0.5
VIDEO_MAX_SECONDS = {"post": 20 * 60, "dm": 140}
MAX_POST_IMAGES = 4
MAX_DM_MEDIA = 1
# Under X's 5 MB per APPEND, so that a chunk never needs a second try.
CHUNK_BYTES = 4 * MB
# Processing X asks to wait for longer than this is not waited for in a
# worker: the send is tried again when X said to check.
INLINE_WAIT_MAX_SECS = 5
INLINE_POLLS_MAX = 3

MediaProblem = namedtuple("MediaProblem", "code params")


def media_kind(mimetype):
    """``image``, ``gif``, ``video``, or None when X takes no such file."""
    if mimetype in IMAGE_TYPES:
        return "image"
    if mimetype in GIF_TYPES:
        return "gif"
    if mimetype in VIDEO_TYPES:
        return "video"
    return None


def media_category(private, mimetype="image/png"):
    """The upload's media_category: DMs and posts keep their media apart."""
    return f"{'dm' if private else 'tweet'}_{media_kind(mimetype) or 'image'}"


def needs_chunked_upload(mimetype):
    """GIF and video go through INIT/APPEND/FINALIZE; images in one request."""
    return media_kind(mimetype) in ("gif", "video")


def segments(size, chunk=CHUNK_BYTES):
    """The ``(segment_index, start, end)`` byte ranges of the APPENDs."""
    return [
        (index, start, min(start + chunk, size))
        for index, start in enumerate(range(0, max(size, 1), chunk))
    ]


def check_media(files, private):
    """None if X takes ``files`` on this reply, else a MediaProblem.

    ``files``: ``(name, mimetype, size, seconds)`` tuples, ``seconds`` the
    length of a video (None when it cannot be read). Codes: ``count``
    (params: max), ``alone`` (a GIF or a video with other files; name),
    ``type`` (name, mimetype), ``size`` (name, size, max, kind),
    ``duration`` (name, seconds, min, max), ``unreadable`` (name).
    """
    limit = MAX_DM_MEDIA if private else MAX_POST_IMAGES
    if len(files) > limit:
        return MediaProblem("count", {"max": limit})
    for name, mimetype, size, seconds in files:
        kind = media_kind(mimetype)
        if not kind:
            return MediaProblem("type", {"name": name, "mimetype": mimetype})
        if kind != "image" and len(files) > 1:
            return MediaProblem("alone", {"name": name})
        if size > MAX_BYTES[kind]:
            return MediaProblem(
                "size",
                {"name": name, "size": size, "max": MAX_BYTES[kind], "kind": kind},
            )
        if kind != "video":
            continue
        if seconds is None:
            return MediaProblem("unreadable", {"name": name})
        longest = VIDEO_MAX_SECONDS["dm" if private else "post"]
        if not VIDEO_MIN_SECONDS <= seconds <= longest:
            return MediaProblem(
                "duration",
                {
                    "name": name,
                    "seconds": seconds,
                    "min": VIDEO_MIN_SECONDS,
                    "max": longest,
                },
            )
    return None


def video_seconds(stream):
    """A MP4/QuickTime file's length from its ``moov/mvhd`` box, or None.

    ISO/IEC 14496-12 (ISO base media file format) 8.2.2: ``mvhd`` version 0
    has 32-bit, version 1 64-bit creation/modification times and duration,
    the duration counted in ``timescale`` units per second. ``stream`` is a
    seekable binary file; only box headers are read, not the media data.
    """
    try:
        return _find_mvhd(stream, 0, _stream_size(stream), ("moov", "mvhd"))
    except struct.error:  # a header cut short: not a file X can read either
        return None


def _stream_size(stream):
    stream.seek(0, 2)
    return stream.tell()


def _find_mvhd(stream, start, end, path):
    offset = start
    while offset + 8 <= end:
        stream.seek(offset)
        size, box = struct.unpack(">I4s", stream.read(8))
        header = 8
        if size == 1:
            size = struct.unpack(">Q", stream.read(8))[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            return None
        if box == path[0].encode():
            if len(path) > 1:
                return _find_mvhd(stream, offset + header, offset + size, path[1:])
            return _mvhd_seconds(stream.read(min(size - header, 32)))
        offset += size
    return None


def _mvhd_seconds(body):
    if len(body) < 20:
        return None
    if body[0] == 1:
        if len(body) < 32:
            return None
        timescale, duration = struct.unpack(">IQ", body[20:32])
    else:
        timescale, duration = struct.unpack(">II", body[12:20])
    return duration / timescale if timescale else None


def processing_step(data, polls_done=0):
    """What FINALIZE's or STATUS's answer (its ``data``) says to do next.

    ``("ready", None)``: attach the media; ``("failed", message)``: X will
    not take it; ``("poll", seconds)``: ask STATUS again after that wait, in
    this worker; ``("later", seconds)``: come back after that wait, in
    another run of the send queue.
    """
    info = (data or {}).get("processing_info")
    if not info or info.get("state") == "succeeded":
        return ("ready", None)
    if info.get("state") == "failed":
        error = info.get("error") or {}
        return ("failed", error.get("message") or error.get("name") or "")
    wait = max(int(info.get("check_after_secs") or 1), 1)
    if wait > INLINE_WAIT_MAX_SECS or polls_done >= INLINE_POLLS_MAX:
        return ("later", wait)
    return ("poll", wait)
