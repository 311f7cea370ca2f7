"""Instagram mention replies and polled captions (tools/meta_mentions.py).

Parameters as ``POST /{ig-user-id}/mentions`` takes them (Instagram Platform
reference, ig-user/mentions); usernames as Instagram allows them (letters,
digits, periods, underscores). The attacks are an outsider's: ids that would
change the Graph path or add a parameter.
"""

import pytest

from odoo.addons.social_care.tools.normalized import PayloadError
from odoo.addons.social_care_meta.tools.meta_mentions import (
    caption_mentions,
    is_graph_id,
    mention_change,
    mention_reply_params,
)
from odoo.addons.social_care_meta.tools.meta_webhook import split_delivery


def test_a_comment_mention_is_answered_with_media_and_comment():
    assert mention_reply_params("17890000000000055", "17900000000000077", "Hi") == {
        "media_id": "17890000000000055",
        "comment_id": "17900000000000077",
        "message": "Hi",
    }


def test_a_caption_mention_is_answered_with_its_media_only():
    assert mention_reply_params("17890000000000055", "", "Hi") == {
        "media_id": "17890000000000055",
        "message": "Hi",
    }


@pytest.mark.parametrize(
    "media_id, comment_id",
    [
        ("1/../me/feed", ""),
        ("1789&message=spam", ""),
        ("17890000000000055", "1790?fields=access_token"),
        ("", ""),
        ("١٢٣", ""),  # Arabic-Indic digits are no Graph id
    ],
)
def test_ids_that_are_not_graph_ids_are_refused(media_id, comment_id):
    with pytest.raises(PayloadError):
        mention_reply_params(media_id, comment_id, "Hi")


def test_graph_ids_are_ascii_digits():
    assert is_graph_id("17841400000000001")
    assert not is_graph_id(17841400000000001)
    assert not is_graph_id("17841400000000001\n")


@pytest.mark.parametrize(
    "caption, found",
    [
        ("Third flat tyre @nordicbikes", True),
        ("@NordicBikes, help!", True),
        ("ride with @nordicbikes.", True),  # a sentence's full stop
        ("ride with @nordicbikes_fan", False),
        ("ride with @nordicbikes.fi", False),
        ("nordicbikes without the at", False),
        (None, False),
    ],
)
def test_a_caption_mentions_the_account_by_its_username(caption, found):
    assert caption_mentions(caption, "nordicbikes") is found


def test_a_polled_mention_has_the_key_of_its_webhook():
    media_id = "17890000000000066"
    webhook = split_delivery(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": "17841400000000001",
                    "time": 1,
                    "changes": [mention_change(media_id)],
                }
            ],
        }
    )
    assert [d.delivery_key for d in webhook] == [f"igm:{media_id}"]
