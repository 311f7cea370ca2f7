"""What X takes as media on a reply, checked before queueing.

Sources (checked 2026-12-04):
- https://docs.x.com/x-api/media/introduction : upload size limits, image 5 MB
  (GIF 15 MB and video 512 MB need the chunked upload, which is not used here).
- https://docs.x.com/x-api/media/quickstart/best-practices : up to 4 photos on
  a post; media categories ``tweet_image`` and ``dm_image``.
- https://docs.x.com/x-api/direct-messages/manage/integrate : a DM carries
  text or one attachment, or both.
- https://developer.x.com/en/docs/media/upload-media/api-reference/post-media-upload :
  the simple upload takes images only; GIF and video need the chunked one.

Pure: returns problem codes; the ORM layer words them for the agent.
"""

from collections import namedtuple

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
IMAGE_MAX_BYTES = 5 * 1024 * 1024
MAX_POST_IMAGES = 4
MAX_DM_MEDIA = 1

MediaProblem = namedtuple("MediaProblem", "code params")


def media_category(private):
    """The upload's media_category: DMs and posts keep their media apart."""
    return "dm_image" if private else "tweet_image"


def check_media(files, private):
    """None if X takes ``files`` on this reply, else a MediaProblem.

    ``files``: ``(name, mimetype, size)`` tuples. Codes: ``count``
    (params: max), ``type`` (name, mimetype), ``size`` (name, size, max).
    """
    limit = MAX_DM_MEDIA if private else MAX_POST_IMAGES
    if len(files) > limit:
        return MediaProblem("count", {"max": limit})
    for name, mimetype, size in files:
        if mimetype not in IMAGE_TYPES:
            return MediaProblem("type", {"name": name, "mimetype": mimetype})
        if size > IMAGE_MAX_BYTES:
            return MediaProblem(
                "size", {"name": name, "size": size, "max": IMAGE_MAX_BYTES}
            )
    return None
