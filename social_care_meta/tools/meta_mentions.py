"""Instagram @mentions: how one is answered, and which polled media are mentions.

Sources (Instagram Platform, API with Facebook Login):
- https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/mentions
  ``POST /{ig-user-id}/mentions`` with ``media_id`` (a caption @mention) or
  ``media_id`` and ``comment_id`` (an @mention in a comment) and ``message``
  creates a comment on that media, answered ``{"id": <new comment id>}``.
  Mentions in stories are not supported there (they are direct messages).
- https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/mentions
  lists the endpoints: ``GET /{ig-user-id}/tags`` (media the account is
  *tagged* in), ``mentioned_comment`` and ``mentioned_media`` (read one
  mention known by its id), ``POST /{ig-user-id}/mentions``. No endpoint lists
  the comments or captions that @mention the account: only the webhook tells.
"""

import re

from odoo.addons.social_care.tools.normalized import PayloadError

# Graph ids of Instagram users, media and comments are decimal numbers.
GRAPH_ID_RE = re.compile(r"[0-9]{1,30}", re.ASCII)
# What ``GET /{ig-user-id}/tags`` is asked for (IG Media fields).
TAGS_FIELDS = "id,caption,timestamp,username,permalink"
# Instagram usernames: letters, digits, periods and underscores, never ending
# with a period: a period the name does not go on after ends a sentence.
USERNAME_END = r"(?!\.*[A-Za-z0-9_])"


def is_graph_id(value):
    """Whether ``value`` is a Graph id that may go in a path or a parameter."""
    return isinstance(value, str) and bool(GRAPH_ID_RE.fullmatch(value))


def mention_reply_params(media_id, comment_id, text):
    """The parameters of ``POST /{ig-user-id}/mentions`` for one answer.

    ``comment_id`` is empty for a caption mention. Raises PayloadError for an
    id that is not a Graph id, so nothing odd reaches Graph.
    """
    if not is_graph_id(media_id):
        raise PayloadError(
            f"the mention's media id is not a Graph id: {media_id!r:.40}"
        )
    params = {"media_id": media_id, "message": text}
    if comment_id:
        if not is_graph_id(comment_id):
            raise PayloadError(
                f"the mention's comment id is not a Graph id: {comment_id!r:.40}"
            )
        params["comment_id"] = comment_id
    return params


def caption_mentions(caption, username):
    """Whether an Instagram caption @mentions ``username`` (case-insensitive)."""
    if not isinstance(caption, str) or not username:
        return False
    pattern = "@" + re.escape(username.lstrip("@")) + USERNAME_END
    return re.search(pattern, caption, re.IGNORECASE) is not None


def mention_change(media_id):
    """A polled caption mention, in the shape of its ``mentions`` webhook change
    (``value: {media_id}``), so both are parsed alike and share their key."""
    return {"field": "mentions", "value": {"media_id": media_id}}
