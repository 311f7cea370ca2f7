"""Files attached in the chatter reach the customer: each surface, each kind,
through a running Odoo, tweepy and facebook-sdk, to the simulator (which
checks them against the platforms' limits and records them)."""

import base64
import hashlib
import struct

import pytest

from .e2e_support import messages, ticket_of, wait_for

# Other modules count the simulator's calls by path: leave none behind.
pytestmark = pytest.mark.usefixtures("calls_left_as_found")

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
# The smallest GIF89a (1x1, one colour), laid out as the GIF89a specification says.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00"
    b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def mp4(seconds):
    """An MP4 as ISO/IEC 14496-12 lays it out (ftyp, moov/mvhd v0, mdat): X's
    chunked upload reads its length."""
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 512, b"isom", b"mp41")
    body = struct.pack(">B3xIIII", 0, 0, 0, 1000, seconds * 1000) + b"\x00" * 80
    mvhd = struct.pack(">I4s", 8 + len(body), b"mvhd") + body
    moov = struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    return ftyp + moov + struct.pack(">I4s", 8 + 256, b"mdat") + b"\x00" * 256


KINDS = {
    "gif": ("howto.gif", GIF, "image/gif"),
    "mp4": ("fix.mp4", mp4(12), "video/mp4"),
    "image": ("label.png", PNG, "image/png"),
    "video": ("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video/mp4"),
    "audio": ("note.m4a", b"\x00\x00\x00\x18ftypM4A " + b"\x00" * 64, "audio/mp4"),
    "file": ("invoice.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
}


def upload(odoo, kind):
    """A file as the chatter's paperclip uploads it, before Send."""
    name, raw, mimetype = KINDS[kind]
    return odoo.call(
        "ir.attachment",
        "create",
        {
            "name": name,
            "datas": base64.b64encode(raw).decode(),
            "mimetype": mimetype,
            "res_model": "mail.compose.message",
            "res_id": 0,
        },
    )


def reply_with(odoo, ticket, text, kind, private=None):
    if private is not None:
        odoo.call(
            "helpdesk.ticket", "write", [ticket], {"social_reply_private": private}
        )
    odoo.post_in_chatter(ticket, text, [upload(odoo, kind)])

    def done():
        rows = messages(odoo, [("ticket_id", "=", ticket), ("direction", "=", "out")])
        rows = sorted(rows, key=lambda r: r["id"]) if rows else rows
        last = rows and rows[-1]
        if last and last["state"] == "failed":
            pytest.fail(f"the reply failed: {last['error']}")
        return last and last["state"] == "sent" and last

    return wait_for(done, what=f"the {kind} reply sent")


def arrived(simulator, conversation, kind):
    """The file of the agent's last message in the simulator's conversation."""
    state = simulator.conversation(conversation["id"])
    out = [m for m in state["messages"] if m["direction"] == "out" and m["media"]]
    assert out, "no media arrived"
    (media,) = out[-1]["media"]
    name, raw, mimetype = KINDS[kind]
    assert (media["filename"], media["content_type"]) == (name, mimetype)
    assert media["sha256"] == hashlib.sha256(raw).hexdigest()
    return out[-1]


def test_x_post_and_dm_carry_an_image(odoo, world):
    conversation, mention = world.send("x_public", "my bike arrived broken")
    ticket = ticket_of(odoo, world.accounts["x"], mention["id"])
    out = reply_with(odoo, ticket, "Which part? Like this one?", "image", False)
    shown = arrived(world, conversation, "image")
    assert shown["id"] == out["external_id"]
    assert shown["text"] == "Which part? Like this one?"

    conversation, dm = world.send("x_dm", "here is my order number")
    ticket = ticket_of(odoo, world.accounts["x"], dm["id"])
    reply_with(odoo, ticket, "", "image", True)
    assert arrived(world, conversation, "image")["text"] == ""


@pytest.mark.parametrize("kind", ["gif", "mp4"])
def test_x_post_and_dm_carry_a_gif_and_a_video(odoo, world, kind):
    """Through X's chunked upload: INIT, APPEND, FINALIZE, STATUS while the
    simulator processes a video, then the post or DM names the media id."""
    conversation, mention = world.send("x_public", f"how do I fix it ({kind})?")
    ticket = ticket_of(odoo, world.accounts["x"], mention["id"])
    mark = len(world.calls)
    out = reply_with(odoo, ticket, "Like this", kind, False)
    commands = [
        c["body"].get("command") or c["params"].get("command")
        for c in world.calls[mark:]
        if c["path"].endswith("media/upload")
    ]
    assert commands[:3] == ["INIT", "APPEND", "FINALIZE"]
    if kind == "mp4":  # the simulator processes a video for a moment
        assert commands[3:] and set(commands[3:]) == {"STATUS"}
    shown = arrived(world, conversation, kind)
    assert shown["id"] == out["external_id"]
    assert shown["media"][0]["category"] == f"tweet_{kind.replace('mp4', 'video')}"

    conversation, dm = world.send("x_dm", f"send the {kind} here")
    ticket = ticket_of(odoo, world.accounts["x"], dm["id"])
    reply_with(odoo, ticket, "", kind, True)
    shown = arrived(world, conversation, kind)
    assert shown["media"][0]["category"] == f"dm_{kind.replace('mp4', 'video')}"


@pytest.mark.parametrize("kind", ["image", "video", "audio", "file"])
def test_messenger_takes_each_kind(odoo, world, kind):
    conversation, message = world.send("messenger", f"send me the {kind}")
    ticket = ticket_of(odoo, world.accounts["facebook"], message["id"])
    reply_with(odoo, ticket, "", kind)
    arrived(world, conversation, kind)


@pytest.mark.parametrize("kind", ["image", "video", "audio", "file"])
def test_instagram_dm_takes_each_kind(odoo, world, kind):
    conversation, message = world.send("instagram_dm", f"the {kind}, please")
    ticket = ticket_of(odoo, world.accounts["instagram"], message["id"])
    reply_with(odoo, ticket, f"Here is the {kind}", kind)
    arrived(world, conversation, kind)
    texts = [
        m["text"]
        for m in world.conversation(conversation["id"])["messages"]
        if m["direction"] == "out"
    ]
    assert texts[-1] == f"Here is the {kind}"  # the text follows the file


def test_facebook_comment_reply_carries_a_photo(odoo, world):
    conversation, comment = world.send("facebook_comment", "is this part broken?")
    ticket = ticket_of(odoo, world.accounts["facebook"], comment["id"])
    reply_with(odoo, ticket, "Yes: this is the part", "image", False)
    assert arrived(world, conversation, "image")["text"] == "Yes: this is the part"


def test_instagram_comment_refuses_media_before_queueing(odoo, world):
    _conversation, comment = world.send("instagram_comment", "nice bike")
    ticket = ticket_of(odoo, world.accounts["instagram"], comment["id"])
    with pytest.raises(RuntimeError, match="Instagram comments take no media"):
        odoo.post_in_chatter(ticket, "Thanks!", [upload(odoo, "image")])
    assert not messages(odoo, [("ticket_id", "=", ticket), ("direction", "=", "out")])
