"""The simulator's state: customers, conversations, webhook deliveries, API answers.

Nothing here is a social network. Customer activity is made up from a few
fictional people, signed with the app secrets the demo data holds, and POSTed
to Odoo's real webhook route. Odoo's calls to the X API v2 and the Graph API
(pointed here by the apps' ``api_base_url``) are recorded and answered in the
shape the platforms use.
"""

import gzip
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, unquote

from . import addon_tools
from .onboarding import OnboardingMixin
from .outbound_media import X_POST_MAX_MEDIA, OutboundMediaMixin, parse_multipart

LABEL = "Social Care API simulator — not a real social network"

# What the demo data holds (social_care_twitter/demo, social_care_meta/demo).
DEMO_X_SECRET = "simulator-x-consumer-secret-not-real"
DEMO_X_USER_ID = "1890000000000000001"
DEMO_X_HANDLE = "SimSupport"
DEMO_META_SECRET = "simulator-meta-app-secret-not-real"
DEMO_PAGE_ID = "990000000000001"
DEMO_PAGE_NAME = "Sim Bikes"
DEMO_IG_ID = "17840000000000999"
DEMO_IG_USERNAME = "simbikes"

CHANNELS = {
    "x_public": "X post",
    "x_dm": "X direct message",
    "facebook_comment": "Facebook comment",
    "messenger": "Messenger",
    "instagram_comment": "Instagram comment",
    "instagram_dm": "Instagram direct message",
}
# Fictional customers; their ids are of the platforms' shapes, never real ones.
PEOPLE = {
    "x": [
        {"id": "1890000000000000101", "name": "Sam Carter", "handle": "sam_carter_sim"},
        {"id": "1890000000000000102", "name": "Priya Nair", "handle": "priya_nair_sim"},
    ],
    "facebook": [
        {"id": "7100000000000101", "name": "Lena Fischer"},
        {"id": "7100000000000102", "name": "Tomás Silva"},
    ],
    "instagram": [
        {"id": "1780000000000101", "name": "Noor Haddad", "handle": "noor.sim"},
        {"id": "1780000000000102", "name": "Kai Tanaka", "handle": "kai.tanaka.sim"},
    ],
}
NETWORK = {
    "x_public": "x",
    "x_dm": "x",
    "facebook_comment": "facebook",
    "messenger": "facebook",
    "instagram_comment": "instagram",
    "instagram_dm": "instagram",
}
# The first burst: what a new user sees arrive within seconds of the start.
BURST = [
    ("x_public", 0, "my order SIM-1001 arrived with a cracked screen, can you help?"),
    ("x_dm", 1, "Hi, I was charged twice for order SIM-1002. Can you refund one?"),
    ("facebook_comment", 0, "Is the Milan store open on Sunday? I need a new chain."),
    ("messenger", 1, "Hello! Where is my parcel SIM-1003? It has been a week."),
    ("instagram_comment", 0, "Does this bike come in blue?"),
    ("instagram_dm", 1, "Can I exchange my helmet, size M for L?"),
]
X_EPOCH_MS = 1288834974657  # X's snowflake epoch
FAULT_KINDS = (
    "rate_limit",
    "server_error",
    "hang_before",
    "hang_after",
    "expired_token",
)
HANG_SECONDS = 25  # longer than the connectors' 20 s timeout
HUGE_MEDIA_BYTES = 11 * 1024 * 1024  # over the 10 MB Odoo accepts
BOMB_INFLATED_BYTES = 40 * 1024 * 1024
# A 1x1 transparent PNG.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
GRAPH_VERSION_RE = re.compile(r"^v\d+\.\d+$")
# Query parameters that are credentials (a token, a secret, a login code).
URL_CREDENTIALS = frozenset(
    {"access_token", "client_secret", "fb_exchange_token", "input_token", "code"}
)
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
PAGE_PERMISSIONS = [
    "pages_show_list",
    "pages_manage_metadata",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_messaging",
    "instagram_basic",
    "instagram_manage_comments",
    "instagram_manage_messages",
]


@dataclass
class Config:
    """Where Odoo is, which apps to deliver to, and the accounts they serve."""

    odoo_url: str = "http://127.0.0.1:8069"
    x_app_id: int | None = None
    x_secret: str = DEMO_X_SECRET
    x_user_id: str = DEMO_X_USER_ID
    x_handle: str = DEMO_X_HANDLE
    meta_app_id: int | None = None
    meta_secret: str = DEMO_META_SECRET
    page_id: str = DEMO_PAGE_ID
    page_name: str = DEMO_PAGE_NAME
    ig_id: str = DEMO_IG_ID
    ig_username: str = DEMO_IG_USERNAME
    state_path: Path | None = None
    people: dict = field(default_factory=lambda: PEOPLE)


_URL_RE = re.compile(r"https?://[^\s]+")


def _x_shorten_links(text, post_id):
    """X's t.co: each link of a post is shortened; its entity keeps the original.

    Returns the text as X stores it and its ``entities.urls`` (v2 offsets).
    """
    links, out, last = [], [], 0
    for index, match in enumerate(_URL_RE.finditer(text)):
        expanded = match.group(0)
        short = f"https://t.co/{(post_id[-8:] + str(index)).rjust(10, 'x')}"
        out.append(text[last : match.start()])
        start = sum(len(part) for part in out)
        out.append(short)
        last = match.end()
        display = expanded.split("://", 1)[1]
        links.append(
            {
                "start": start,
                "end": start + len(short),
                "url": short,
                "expanded_url": expanded,
                "display_url": display if len(display) <= 26 else display[:25] + "…",
            }
        )
    out.append(text[last:])
    return "".join(out), links


class ApiError(Exception):
    """An answer other than 2xx, in the platform's error shape."""

    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


def wait_for_http(url, timeout, alive=None, interval=0.5):
    """Wait until ``url`` answers 200; False on timeout or when ``alive()`` is False."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if alive is not None and not alive():
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(interval)
    return False


def _now():
    return datetime.now(timezone.utc)


def _with_bearer(data, params, headers):
    """Graph takes the access token from ``Authorization: Bearer`` too."""
    auth = (headers.get("Authorization") or "").strip()
    if (
        not auth.startswith("Bearer ")
        or "access_token" in params
        or ("access_token" in data)
    ):
        return data
    return dict(data, access_token=auth[len("Bearer ") :].strip())


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _graph_time(iso):
    """Our ``_iso`` time as Graph writes times (``2026-09-01T10:00:03+0000``)."""
    return f"{iso[:19]}+0000"


def _epoch(iso):
    moment = datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def _v1_date(moment):
    """X v1.1's "Tue Sep 01 10:00:00 +0000 2026", independent of the locale."""
    return (
        f"{DAYS[moment.weekday()]} {MONTHS[moment.month - 1]} "
        f"{moment:%d %H:%M:%S} +0000 {moment.year}"
    )


def _x_error(status, title, detail):
    return ApiError(
        status,
        {
            "title": title,
            "detail": detail,
            "type": "about:blank",
            "status": status,
        },
    )


def _graph_error(message, code=100, status=400, kind="GraphMethodException"):
    return ApiError(
        status,
        {
            "error": {
                "message": message,
                "type": kind,
                "code": code,
                "fbtrace_id": "SimulatorTrace",
            }
        },
    )


class Simulator(OnboardingMixin, OutboundMediaMixin):
    """Thread-safe state shared by the HTTP handler, the CLI and the e2e tests."""

    def __init__(self, config=None):
        self.config = config or Config()
        self.lock = threading.RLock()
        self.conversations = []
        self.calls = []  # every API call Odoo made, newest last
        self.deliveries = []  # every webhook delivery sent, newest last
        self.version = 0  # bumped on each change: the page reloads on it
        self.faults = []  # injected failures not yet used up (inject_fault)
        self.media_requests = []  # names of the media files asked for
        self.uploads = {}  # X media id -> the file Odoo uploaded (no bytes)
        self.chunked = {}  # X media id -> a chunked upload not finalized yet
        self._seq = 0
        self._load()

    # ------------------------------------------------------------------
    # State
    # ------------------------------------------------------------------

    def _load(self):
        path = self.config.state_path
        if not path or not Path(path).exists():
            return
        try:
            state = json.loads(Path(path).read_text())
        except (OSError, ValueError):
            return
        self.conversations = state.get("conversations") or []
        self._seq = state.get("seq") or 0

    def _changed(self):
        self.version += 1
        path = self.config.state_path
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(f"{path}.tmp")
            tmp.write_text(
                json.dumps({"conversations": self.conversations, "seq": self._seq})
            )
            tmp.replace(path)

    def snapshot(self):
        with self.lock:
            return json.loads(
                json.dumps(
                    {
                        "label": LABEL,
                        "version": self.version,
                        "conversations": self.conversations,
                        "calls": self.calls[-200:],
                        "deliveries": self.deliveries[-200:],
                    }
                )
            )

    def _next(self):
        with self.lock:
            self._seq += 1
            return self._seq

    def _x_id(self):
        """A snowflake-shaped X id, increasing over time."""
        ms = int(time.time() * 1000) - X_EPOCH_MS
        return str((ms << 22) | (self._next() % 4096))

    def _meta_id(self, prefix=""):
        return f"{prefix}{int(time.time() * 1000)}{self._next() % 1000:03d}"

    def conversation(self, conversation_id):
        for conversation in self.conversations:
            if conversation["id"] == conversation_id:
                return conversation
        return None

    def _to_top(self, conversation):
        """The conversation with the latest activity comes first on the page."""
        if conversation in self.conversations:
            self.conversations.remove(conversation)
        self.conversations.insert(0, conversation)

    def _find_message(self, message_id):
        """The message with this id, or of which it is an edited version."""
        for conversation in self.conversations:
            for message in conversation["messages"]:
                if message_id in (message["id"], *message.get("versions", ())):
                    return conversation, message
        return None, None

    def _person(self, channel, person):
        people = self.config.people[NETWORK[channel]]
        if isinstance(person, dict):
            return person
        return people[int(person or 0) % len(people)]

    # ------------------------------------------------------------------
    # Customer activity: built, signed and delivered to Odoo
    # ------------------------------------------------------------------

    def send(
        self,
        channel,
        text,
        person=0,
        conversation_id=None,
        deliver=True,
        reply_to=None,
    ):
        """A customer writes: a new conversation, or a follow-up in one.

        Returns ``(conversation, message)``; the message holds the HTTP status
        Odoo answered the delivery with. ``deliver=False`` plays a lost
        webhook: the message is only found by Odoo's poll, and its payload is
        kept in ``message["webhook"]`` for a late ``deliver``. ``reply_to``
        (X posts): ``person`` answers that post, in its conversation, as on X
        anyone may answer anyone's post, the account's own included.
        """
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        text = (text or "").strip() or "Hello?"
        extra = {}
        with self.lock:
            conversation = (
                self.conversation(conversation_id) if conversation_id else None
            )
            if reply_to:
                conversation, parent = self._find_message(reply_to)
                if conversation is None or conversation["channel"] != "x_public":
                    raise ValueError(f"no X post {reply_to!r} to reply to")
                channel, customer = "x_public", self._person(channel, person)
                extra["parent"] = parent
            elif conversation is not None:
                channel = conversation["channel"]
                customer = conversation["customer"]
            else:
                customer = self._person(channel, person)
                if channel in ("x_dm", "messenger", "instagram_dm"):
                    conversation = self.conversation(f"{channel}:{customer['id']}")
            builder = getattr(self, f"_build_{channel}")
            payload, message, conversation = builder(
                conversation, customer, text, **extra
            )
            message.update(direction="in", text=message.get("text", text))
            message.setdefault("at", _iso(_now()))
            conversation["messages"].append(message)
            self._to_top(conversation)
            self._changed()
        if not deliver:
            with self.lock:
                message["webhook"] = payload
                message["delivery"] = {"status": 0, "answer": "webhook held back"}
                self._changed()
            return conversation, message
        app = "x" if NETWORK[channel] == "x" else "meta"
        if app == "x" and self.onboarding["x_activity_mode"]:
            payload = self._x_activity_event(channel, payload, conversation, message)
            if payload is None:
                with self.lock:
                    message["delivery"] = {
                        "status": 0,
                        "answer": "no X Activity subscription for this event",
                    }
                    self._changed()
                return conversation, message
        status, answer = self.deliver(app, payload)
        with self.lock:
            message["delivery"] = {"status": status, "answer": answer}
            self._changed()
        return conversation, message

    def burst(self):
        """The first customers of the demo, one per channel, then an X follow-up."""
        sent = [self.send(channel, text, person) for channel, person, text in BURST]
        mention = sent[0][0]
        sent.append(
            self.send(
                "x_public",
                "here is a photo of the box, the corner is crushed too.",
                conversation_id=mention["id"],
            )
        )
        return sent

    def _new_conversation(self, conversation_id, channel, customer, **extra):
        return {
            "id": conversation_id,
            "channel": channel,
            "label": CHANNELS[channel],
            "customer": customer,
            "messages": [],
            **extra,
        }

    def _x_user(self, person):
        return {
            "id": int(person["id"]),
            "id_str": person["id"],
            "name": person["name"],
            "screen_name": person["handle"],
            "location": "",
            "description": "A fictional customer of the Social Care simulator",
            "protected": False,
            "verified": False,
            "followers_count": 120,
            "friends_count": 80,
            "statuses_count": 42,
        }

    def _x_brand(self):
        cfg = self.config
        return {"id": cfg.x_user_id, "name": cfg.x_handle, "handle": cfg.x_handle}

    def _x_author(self, conversation, message):
        """Who wrote an X post of the simulator: a customer, or the account."""
        if message.get("direction") == "out":
            return self._x_brand()
        return message.get("author") or conversation["customer"]

    @staticmethod
    def _x_current_id(message):
        """The id X shows for a post now: its latest version's."""
        return (message.get("versions") or [message["id"]])[-1]

    def x_brand_post(self, text, deliver=True):
        """The account posts on X itself (an announcement customers answer).

        X's Account Activity webhook delivers the account's own posts too.
        """
        with self.lock:
            brand = self._x_brand()
            post_id = self._x_id()
            moment = _now()
            conversation = self._new_conversation(
                f"x_public:{post_id}", "x_public", brand, label="The account's post"
            )
            message = {
                "id": post_id,
                "text": text,
                "kind": "post",
                "direction": "out",
                "author": brand,
                "conversation_id": post_id,
                "at": _iso(moment),
            }
            conversation["messages"].append(message)
            self._to_top(conversation)
            self._changed()
            tweet = self._x_v1_tweet(conversation, message, brand, moment)
        if deliver:
            self.deliver("x", self._x_v1_payload(tweet))
        return conversation, message

    def x_edit(self, message_id, text, deliver=True):
        """A customer edits their X post: a new version with its own id.

        As on X, the post keeps its first id in ``edit_history``; a root post's
        new version is its conversation's id from then on, and replies name the
        version they answer.
        """
        with self.lock:
            conversation, message = self._find_message(message_id)
            if message is None or conversation["channel"] != "x_public":
                raise ValueError(f"no X post {message_id!r} to edit")
            new_id = self._x_id()
            message["versions"] = [
                *(message.get("versions") or [message["id"]]),
                new_id,
            ]
            if message.get("conversation_id") == message["id"]:
                message["conversation_id"] = new_id
            moment = _now()
            message.update(text=text, edited_at=_iso(moment))
            author = self._x_author(conversation, message)
            tweet = self._x_v1_tweet(conversation, message, author, moment)
            self._changed()
        if deliver:
            status, answer = self.deliver("x", self._x_v1_payload(tweet))
            with self.lock:
                message["delivery"] = {"status": status, "answer": answer}
                self._changed()
        return conversation, message

    def _x_v1_payload(self, tweet):
        return {
            "for_user_id": self.config.x_user_id,
            "user_has_blocked": "false",
            "tweet_create_events": [tweet],
        }

    def _x_parent_author(self, conversation, message):
        """Whom a post answers (its parent's author), or None."""
        parent_id = message.get("in_reply_to")
        if not parent_id:
            return None
        # The conversation at hand first: one being built is not listed yet.
        parent_conversation, parent = next(
            (
                (conversation, known)
                for known in (conversation or {}).get("messages", ())
                if parent_id in (known["id"], *known.get("versions", ()))
            ),
            self._find_message(parent_id),
        )
        if parent is None:
            return self._x_brand()  # an agent's reply the simulator recorded
        return self._x_author(parent_conversation, parent)

    def _x_v1_tweet(self, conversation, message, author, moment):
        """A post as v1.1 (Account Activity) shows it, its current version."""
        tweet_id = self._x_current_id(message)
        replied = self._x_parent_author(conversation, message) or self._x_brand()
        text = message["text"]
        mentions = []
        for user in {u["id"]: u for u in (self._x_brand(), replied)}.values():
            start = text.find(f"@{user['handle']}")
            if start >= 0:
                mentions.append(
                    {
                        "screen_name": user["handle"],
                        "name": user["name"],
                        "id": int(user["id"]),
                        "id_str": user["id"],
                        "indices": [start, start + len(user["handle"]) + 1],
                    }
                )
        versions = message.get("versions") or [message["id"]]
        tweet = {
            "created_at": _v1_date(moment),
            "id": int(tweet_id),
            "id_str": tweet_id,
            "text": text,
            "source": '<a href="http://127.0.0.1" rel="nofollow">Simulator</a>',
            "truncated": False,
            "in_reply_to_status_id": int(message["in_reply_to"])
            if message.get("in_reply_to")
            else None,
            "in_reply_to_status_id_str": message.get("in_reply_to"),
            "in_reply_to_user_id": int(replied["id"]),
            "in_reply_to_user_id_str": replied["id"],
            "in_reply_to_screen_name": replied["handle"],
            "user": self._x_user(author),
            "is_quote_status": False,
            "quote_count": 0,
            "reply_count": 0,
            "retweet_count": 0,
            "favorite_count": 0,
            "entities": {
                "hashtags": [],
                "urls": [
                    {
                        "url": link["url"],
                        "expanded_url": link["expanded_url"],
                        "display_url": link["display_url"],
                        "indices": [link["start"], link["end"]],
                    }
                    for link in message.get("links") or []
                ],
                "symbols": [],
                "user_mentions": mentions,
            },
            "edit_history": {
                "initial_tweet_id": versions[0],
                "edit_tweet_ids": versions,
            },
            "edit_controls": {
                "edits_remaining": 5 - len(versions) + 1,
                "is_edit_eligible": True,
                "editable_until_ms": int(moment.timestamp() * 1000) + 3600000,
            },
            "favorited": False,
            "retweeted": False,
            "filter_level": "low",
            "lang": "en",
            "timestamp_ms": str(int(moment.timestamp() * 1000)),
        }
        return tweet

    def _build_x_public(self, conversation, person, text, parent=None):
        """A customer's post: a mention, or a reply (to ``parent``, else the last)."""
        cfg = self.config
        tweet_id = self._x_id()
        if parent is None and conversation:
            parent = conversation["messages"][-1]
        replied = self._x_author(conversation, parent) if parent else None
        handle = f"@{cfg.x_handle}"
        if not text.lower().startswith(handle.lower()):
            text = f"{handle} {text}"  # X writes the handle of whom one replies to
        if replied and replied["id"] not in (cfg.x_user_id, person["id"]):
            text = f"@{replied['handle']} {text}"
        text, links = _x_shorten_links(text, tweet_id)
        moment = _now()
        if conversation is None:
            conversation = self._new_conversation(
                f"x_public:{tweet_id}", "x_public", person
            )
        root = conversation["messages"][0] if conversation["messages"] else None
        message = {
            "id": tweet_id,
            "text": text,
            "kind": "reply" if parent else "mention",
            "in_reply_to": self._x_current_id(parent) if parent else None,
            "author": person,
            "conversation_id": root["conversation_id"]
            if root and root.get("conversation_id")
            else (self._x_current_id(root) if root else tweet_id),
            "links": links,
            "at": _iso(moment),
        }
        tweet = self._x_v1_tweet(conversation, message, person, moment)
        return self._x_v1_payload(tweet), message, conversation

    def _build_x_dm(self, conversation, person, text):
        cfg = self.config
        event_id = self._x_id()
        moment = _now()
        account = {
            "id": cfg.x_user_id,
            "name": cfg.x_handle,
            "screen_name": cfg.x_handle,
            "protected": False,
            "verified": False,
        }
        customer = {
            key: value
            for key, value in self._x_user(person).items()
            if key not in ("id_str",)
        }
        customer["id"] = person["id"]
        payload = {
            "for_user_id": cfg.x_user_id,
            "direct_message_events": [
                {
                    "type": "message_create",
                    "id": event_id,
                    "created_timestamp": str(int(moment.timestamp() * 1000)),
                    "message_create": {
                        "target": {"recipient_id": cfg.x_user_id},
                        "sender_id": person["id"],
                        "message_data": {
                            "text": text,
                            "entities": {
                                "hashtags": [],
                                "symbols": [],
                                "user_mentions": [],
                                "urls": [],
                            },
                        },
                    },
                }
            ],
            "users": {person["id"]: customer, cfg.x_user_id: account},
        }
        if conversation is None:
            low, high = sorted((person["id"], cfg.x_user_id), key=int)
            conversation = self._new_conversation(
                f"x_dm:{person['id']}",
                "x_dm",
                person,
                dm_conversation_id=f"{low}-{high}",
            )
        return payload, {"id": event_id, "kind": "dm", "at": _iso(moment)}, conversation

    def _x_activity_event(self, channel, payload, conversation, message):
        """The XAA envelope of an AAA payload, or None when no subscription
        asks for it (X then delivers nothing).

        Shapes: https://docs.x.com/x-api/activity/event-payloads (post events
        carry a v2 Post, DM events the legacy ``direct_message_events`` and a
        ``users`` map of ``{"data": user}``).
        """
        cfg = self.config
        if channel == "x_dm":
            event_type = "dm.received"
            event = payload["direct_message_events"][0]
            body = {
                "direct_message_events": payload["direct_message_events"],
                "users": {
                    user_id: {"data": self._x_v2_user_of_v1(user)}
                    for user_id, user in payload["users"].items()
                },
            }
            includes = None
            event_id = event["id"]
        else:
            tweet = payload["tweet_create_events"][0]
            parent = next(
                (
                    m
                    for m in conversation["messages"]
                    if m["id"] == message["in_reply_to"]
                ),
                None,
            )
            # A reply to one of the account's posts is a reply event; any other
            # post (the simulator writes the handle) a mention.
            replied_to_us = parent is not None and parent.get("direction") == "out"
            event_type = "post.reply.create" if replied_to_us else "post.mention.create"
            body = self._x_v2_post(tweet, conversation)
            includes = {"users": [self._x_v2_user_of_v1(tweet["user"])]}
            event_id = tweet["id_str"]
        subscription = self.x_activity_subscribed(event_type, cfg.x_user_id)
        if subscription is None:
            return None
        data = {
            "event_uuid": f"sim-{event_id}",
            "filter": {"user_id": cfg.x_user_id},
            "event_type": event_type,
            "tag": subscription.get("tag") or "",
            "payload": body,
        }
        if includes:
            data["includes"] = includes
        return {"data": data}

    @staticmethod
    def _x_v2_user_of_v1(user):
        """A v1.1 user object (an Account Activity payload's) in the v2 shape."""
        return {
            "id": str(user.get("id_str") or user["id"]),
            "username": user["screen_name"],
            "name": user["name"],
            "protected": False,
            "verified": False,
        }

    def _x_v2_post(self, tweet, conversation):
        cfg = self.config
        handle = f"@{cfg.x_handle}"
        post = {
            "id": tweet["id_str"],
            "text": tweet["text"],
            "author_id": tweet["user"]["id_str"],
            "conversation_id": conversation["messages"][0]["id"]
            if conversation["messages"]
            else tweet["id_str"],
            "created_at": _iso(_now()),
            "edit_history_tweet_ids": [tweet["id_str"]],
            "lang": "en",
            "entities": {
                "mentions": [
                    {
                        "start": 0,
                        "end": len(handle),
                        "username": cfg.x_handle,
                        "id": cfg.x_user_id,
                    }
                ]
            },
        }
        parent = tweet.get("in_reply_to_status_id_str")
        if parent:
            post["in_reply_to_user_id"] = cfg.x_user_id
            post["referenced_tweets"] = [{"type": "replied_to", "id": parent}]
        return post

    def _build_facebook_comment(self, conversation, person, text):
        cfg = self.config
        moment = _now()
        epoch = int(moment.timestamp())
        if conversation is None:
            post_id = f"{cfg.page_id}_{self._meta_id()}"
            conversation = self._new_conversation(
                f"facebook_comment:{post_id}",
                "facebook_comment",
                person,
                post_id=post_id,
                top_comment_id=None,
            )
        post_id = conversation["post_id"]
        comment_id = f"{post_id.split('_')[-1]}_{self._meta_id()}"
        top = conversation.get("top_comment_id")
        value = {
            "from": {"id": person["id"], "name": person["name"]},
            "post": {
                "status_type": "added_photos",
                "is_published": True,
                "updated_time": moment.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "permalink_url": f"https://www.facebook.com/{post_id}",
                "promotion_status": "inactive",
                "id": post_id,
            },
            "message": text,
            "post_id": post_id,
            "comment_id": comment_id,
            "created_time": epoch,
            "item": "comment",
            "parent_id": top or post_id,
            "verb": "add",
        }
        if not top:
            conversation["top_comment_id"] = comment_id
        payload = {
            "object": "page",
            "entry": [
                {
                    "id": cfg.page_id,
                    "time": epoch,
                    "changes": [{"field": "feed", "value": value}],
                }
            ],
        }
        message = {
            "id": comment_id,
            "kind": "reply" if top else "comment",
            "in_reply_to": top,
        }
        return payload, message, conversation

    def _build_messaging(self, channel, obj, account_id, conversation, person, text):
        moment_ms = int(time.time() * 1000)
        mid = f"m_sim{secrets.token_urlsafe(24)}"
        payload = {
            "object": obj,
            "entry": [
                {
                    "time": moment_ms,
                    "id": account_id,
                    "messaging": [
                        {
                            "sender": {"id": person["id"]},
                            "recipient": {"id": account_id},
                            "timestamp": moment_ms,
                            "message": {"mid": mid, "text": text},
                        }
                    ],
                }
            ],
        }
        if conversation is None:
            conversation = self._new_conversation(
                f"{channel}:{person['id']}", channel, person
            )
        return payload, {"id": mid, "kind": "dm"}, conversation

    def _build_messenger(self, conversation, person, text):
        return self._build_messaging(
            "messenger", "page", self.config.page_id, conversation, person, text
        )

    def _build_instagram_dm(self, conversation, person, text):
        return self._build_messaging(
            "instagram_dm", "instagram", self.config.ig_id, conversation, person, text
        )

    def _build_instagram_comment(self, conversation, person, text):
        cfg = self.config
        if conversation is None:
            media_id = self._meta_id("1790")
            conversation = self._new_conversation(
                f"instagram_comment:{media_id}",
                "instagram_comment",
                person,
                media_id=media_id,
                top_comment_id=None,
            )
        comment_id = self._meta_id("1800")
        top = conversation.get("top_comment_id")
        value = {
            "from": {"id": person["id"], "username": person["handle"]},
            "media": {"id": conversation["media_id"], "media_product_type": "FEED"},
            "id": comment_id,
            "text": text,
        }
        if top:
            value["parent_id"] = top
        else:
            conversation["top_comment_id"] = comment_id
        payload = {
            "object": "instagram",
            "entry": [
                {
                    "id": cfg.ig_id,
                    "time": int(time.time()),
                    "changes": [{"field": "comments", "value": value}],
                }
            ],
        }
        message = {
            "id": comment_id,
            "kind": "reply" if top else "comment",
            "in_reply_to": top,
        }
        return payload, message, conversation

    # ------------------------------------------------------------------
    # What Meta sends besides new messages: moderation in Meta's own apps,
    # standby, recommendations, story mentions
    # ------------------------------------------------------------------

    def hide_comment(self, conversation_id, hidden=True):
        """Someone managing the Page hides (or shows again) the customer's first
        comment in Meta's apps: the feed webhook says ``verb: hide``/``unhide``.

        Returns ``(HTTP status, answer)`` of the delivery.
        """
        with self.lock:
            conversation = self.conversation(conversation_id)
            if not conversation or conversation["channel"] != "facebook_comment":
                raise ValueError(f"no Facebook comment conversation {conversation_id}")
            _conversation, comment = self._find_message(conversation["top_comment_id"])
            comment["hidden"] = hidden
            self._changed()
        customer, post_id = conversation["customer"], conversation["post_id"]
        value = {
            "from": {"id": customer["id"], "name": customer["name"]},
            "post": {
                "id": post_id,
                "permalink_url": f"https://www.facebook.com/{post_id}",
            },
            "message": comment.get("text") or "",
            "post_id": post_id,
            "comment_id": comment["id"],
            "created_time": _epoch(comment["at"]),
            "item": "comment",
            "parent_id": post_id,
            "verb": "hide" if hidden else "unhide",
        }
        return self.deliver("meta", self._page_change("feed", value))

    def _page_change(self, field_name, value):
        return {
            "object": "page",
            "entry": [
                {
                    "id": self.config.page_id,
                    "time": int(time.time()),
                    "changes": [{"field": field_name, "value": value}],
                }
            ],
        }

    def send_standby(self, text, person=0):
        """A Messenger message while another app (e.g. the Page inbox) controls
        the conversation: Meta puts the event under ``entry.standby``."""
        conversation, message = self.send("messenger", text, person, deliver=False)
        with self.lock:
            payload = message.pop("webhook")
            entry = payload["entry"][0]
            entry["standby"] = entry.pop("messaging")
            message["standby"] = True
        return self._deliver_held(conversation, message, payload)

    def story_mention(self, person=0, media_url=None):
        """An Instagram customer mentions the account in their story: a message
        whose only attachment is a ``story_mention`` with the story's CDN link
        (here the simulator's own image, as the app's sandbox address)."""
        url = media_url or f"{getattr(self, 'base_url', '')}/media/image.png"
        conversation, message = self.send(
            "instagram_dm", "(mentioned you in their story)", person, deliver=False
        )
        with self.lock:
            payload = message.pop("webhook")
            event = payload["entry"][0]["messaging"][0]
            event["message"] = {
                "mid": message["id"],
                "attachments": [{"type": "story_mention", "payload": {"url": url}}],
            }
            message.update(kind="story mention", media_url=url)
        return self._deliver_held(conversation, message, payload)

    def mention(self, text, person=0, in_comment=True, tagged=False, deliver=True):
        """An Instagram customer @mentions the account on their own media: in a
        comment (the ``mentions`` webhook has ``comment_id`` and ``media_id``)
        or in the caption (``media_id`` only). ``tagged`` also tags the account
        in the photo, so the media is listed by ``GET /{ig-user-id}/tags``;
        ``deliver=False`` holds the webhook back, as a lost one.
        """
        customer = self._person("instagram_comment", person)
        handle = f"@{self.config.ig_username}"
        text = (text or "").strip() or "help"
        if handle.lower() not in text.lower():
            text = f"{handle} {text}"
        media_id = self._meta_id("1791")
        comment_id = self._meta_id("1801") if in_comment else ""
        target = comment_id or media_id
        message = {
            "id": target,
            "kind": "comment mention" if in_comment else "caption mention",
            "direction": "in",
            "text": text,
            "at": _iso(_now()),
        }
        with self.lock:
            conversation = self._new_conversation(
                f"instagram_mention:{target}",
                "instagram_comment",
                customer,
                label="Instagram mention",
                mention=True,
                media_id=media_id,
                caption="My ride today" if in_comment else text,
                tagged=tagged,
            )
            conversation["messages"].append(message)
            self._to_top(conversation)
            self._changed()
        value = {"comment_id": comment_id, "media_id": media_id}
        if not in_comment:
            value.pop("comment_id")
        payload = {
            "object": "instagram",
            "entry": [
                {
                    "id": self.config.ig_id,
                    "time": int(time.time()),
                    "changes": [{"field": "mentions", "value": value}],
                }
            ],
        }
        if not deliver:
            with self.lock:
                message["webhook"] = payload
                message["delivery"] = {"status": 0, "answer": "webhook held back"}
                self._changed()
            return conversation, message
        return self._deliver_held(conversation, message, payload)

    def recommend(self, text, positive=False, person=0):
        """A Facebook user recommends the Page, or not: the ``ratings`` webhook,
        whose ``open_graph_story_id`` is what the Page comments on to answer."""
        customer = self._person("facebook_comment", person)
        story_id = self._meta_id()
        kind = "positive" if positive else "negative"
        message = {
            "id": story_id,
            "kind": f"{kind} recommendation",
            "direction": "in",
            "text": text,
            "at": _iso(_now()),
        }
        with self.lock:
            conversation = self._new_conversation(
                f"facebook_rating:{story_id}",
                "facebook_comment",
                customer,
                post_id=story_id,
                top_comment_id=story_id,
            )
            conversation["messages"].append(message)
            self._to_top(conversation)
            self._changed()
        value = {
            "reviewer_id": customer["id"],
            "reviewer_name": customer["name"],
            "item": "rating",
            "verb": "add",
            "review_text": text,
            "recommendation_type": kind,
            "open_graph_story_id": story_id,
            "created_time": int(time.time()),
        }
        payload = self._page_change("ratings", value)
        return self._deliver_held(conversation, message, payload)

    def fb_visitor_post(self, text, person=0):
        """A Facebook user posts on the Page (a visitor post): the feed webhook
        says ``item: status, verb: add`` with its author in ``from`` and no
        ``post`` object, as in bottender's feed_statusAdd capture.

        Comments on it come with ``fb_comment``. Returns ``(conversation,
        message)``; the message holds the HTTP status of the delivery.
        """
        cfg = self.config
        text = (text or "").strip() or "Hello?"
        moment = _now()
        with self.lock:
            customer = self._person("facebook_comment", person)
            post_id = f"{cfg.page_id}_{self._meta_id()}"
            conversation = self._new_conversation(
                f"facebook_comment:{post_id}",
                "facebook_comment",
                customer,
                post_id=post_id,
                top_comment_id=None,
            )
            message = {
                "id": post_id,
                "kind": "visitor post",
                "direction": "in",
                "text": text,
                "author": customer,
                "in_reply_to": None,
                "at": _iso(moment),
            }
            conversation["messages"].append(message)
            self._to_top(conversation)
            self._changed()
        value = {
            "from": {"id": customer["id"], "name": customer["name"]},
            "item": "status",
            "post_id": post_id,
            "verb": "add",
            "published": 1,
            "created_time": int(moment.timestamp()),
            "message": text,
        }
        return self._deliver_held(
            conversation, message, self._page_change("feed", value)
        )

    def fb_comment(self, reply_to, text, person=0, as_page=False):
        """Someone comments under a Facebook post of the simulator.

        ``reply_to``: the post (a top-level comment, ``parent_id`` = the post)
        or a comment (a reply; Facebook nests one level, so its ``parent_id``
        is the top-level comment). Anyone may comment: ``person`` is a
        Facebook person; ``as_page``: the Page writes it in Meta's own apps
        (``from`` is the Page, as in bottender's feed_sentByPage capture).
        Returns ``(conversation, message)``.
        """
        cfg = self.config
        text = (text or "").strip() or "Hello?"
        moment = _now()
        with self.lock:
            conversation = next(
                (c for c in self.conversations if c.get("post_id") == reply_to),
                None,
            )
            parent = None
            if conversation is None:
                conversation, parent = self._find_message(reply_to)
            if conversation is None or conversation["channel"] != "facebook_comment":
                raise ValueError(f"no Facebook post or comment {reply_to!r}")
            post_id = conversation["post_id"]
            top = None
            if parent is not None and parent["id"] != post_id:
                above = parent.get("in_reply_to")
                top = above if above and above != post_id else parent["id"]
            author = (
                {"id": cfg.page_id, "name": cfg.page_name}
                if as_page
                else self._person("facebook_comment", person)
            )
            comment_id = f"{post_id.split('_')[-1]}_{self._meta_id()}"
            message = {
                "id": comment_id,
                "kind": "reply" if top else "comment",
                "direction": "out" if as_page else "in",
                "in_meta_apps": as_page,
                "text": text,
                "author": author,
                "in_reply_to": top or post_id,
                "at": _iso(moment),
            }
            conversation["messages"].append(message)
            self._to_top(conversation)
            self._changed()
        value = {
            "from": {"id": author["id"], "name": author["name"]},
            "post": {
                "status_type": "mobile_status_update",
                "is_published": True,
                "updated_time": moment.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "permalink_url": f"https://www.facebook.com/{post_id}",
                "promotion_status": "inactive",
                "id": post_id,
            },
            "message": text,
            "post_id": post_id,
            "comment_id": comment_id,
            "created_time": int(moment.timestamp()),
            "item": "comment",
            "parent_id": top or post_id,
            "verb": "add",
        }
        return self._deliver_held(
            conversation, message, self._page_change("feed", value)
        )

    def _deliver_held(self, conversation, message, payload):
        status, answer = self.deliver("meta", payload)
        with self.lock:
            message["delivery"] = {"status": status, "answer": answer}
            self._changed()
        return conversation, message

    def deliver(self, app, payload, body=None, signature=None):
        """POST one signed delivery to Odoo; returns (HTTP status, answer text).

        ``body`` and ``signature`` override what is sent (for tests of
        redeliveries and bad signatures).
        """
        cfg = self.config
        app_id = cfg.x_app_id if app == "x" else cfg.meta_app_id
        body = body if body is not None else json.dumps(payload).encode()
        if app == "x":
            header = addon_tools.X_SIGNATURE_HEADER
            value = addon_tools.sign_x(cfg.x_secret, body)
        else:
            header = addon_tools.META_SIGNATURE_HEADER
            value = addon_tools.sign_meta(cfg.meta_secret, body)
        headers = {"Content-Type": "application/json"}
        if signature is not False:
            headers[header] = signature or value
        url = f"{cfg.odoo_url.rstrip('/')}/social_care/webhook/{app_id}"
        record = {"at": _iso(_now()), "app": app, "url": url, "body": body.decode()}
        if not app_id:
            status, answer = 0, "no app id configured: delivery not sent"
        else:
            request = urllib.request.Request(url, data=body, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status, answer = response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                status, answer = error.code, error.read().decode(errors="replace")
            except (urllib.error.URLError, OSError) as error:
                status, answer = 0, f"Odoo did not answer: {error}"
        record.update(status=status, answer=answer[:300])
        with self.lock:
            self.deliveries.append(record)
        return status, answer

    # ------------------------------------------------------------------
    # The platforms' APIs, as Odoo's connectors call them
    # ------------------------------------------------------------------

    def handle_api(self, method, path, query, headers, body, response_headers=None):
        """Answer one API call: ``(status, json body)``; every call is recorded.

        An injected fault (``inject_fault``) may answer instead, or delay the
        answer; its headers are appended to ``response_headers`` (a list).
        """
        fault = self.take_fault(method, path)
        if fault is not None:
            return self._answer_with_fault(
                fault, method, path, query, headers, body, response_headers
            )
        params, data, record = self._call_record(method, path, query, headers, body)
        try:
            if path.startswith("/x/"):
                status, answer = self._x_api(method, path[3:], params, headers, data)
            elif path.startswith("/meta/"):
                status, answer = self._meta_api(
                    method, path[6:], params, _with_bearer(data, params, headers)
                )
            elif path.startswith("/generic/"):
                status, answer = self._generic_api(method, path[9:], data)
            else:
                raise ApiError(404, {"error": "not an API path of the simulator"})
        except ApiError as error:
            status, answer = error.status, error.body
        record.update(status=status, answer=answer)
        with self.lock:
            self.calls.append(record)
            self.version += 1
        return status, answer

    # ------------------------------------------------------------------
    # Fault injection: the platforms' failures, on demand
    # ------------------------------------------------------------------

    def inject_fault(
        self, kind, path, method="POST", times=1, status=None, seconds=None, code=None
    ):
        """Make the next ``times`` API calls matching ``method`` and ``path`` fail.

        ``path`` is a regular expression searched in the API path (e.g.
        ``r"^/x/2/tweets$"``, ``r"/messages$"``); ``method`` "*" matches any.
        ``kind`` is one of ``FAULT_KINDS``:

        - ``rate_limit``: X's 429 with ``x-rate-limit-*`` headers (reset in
          ``seconds``, default 900); Meta's error ``code`` (4, 17, 32 default,
          613, 80001...) with ``X-App-Usage`` and ``X-Business-Use-Case-Usage``
          headers (regain access in ``seconds``, rounded up to minutes);
        - ``server_error``: HTTP ``status`` (500 default, or 503), not processed;
        - ``hang_before``: no answer for ``seconds`` (default 25, beyond the
          connectors' 20 s timeout), then a 503: the call was NOT carried out;
        - ``hang_after``: the call IS carried out (a reply is posted), then no
          answer for ``seconds``: the client times out on a posted reply;
        - ``expired_token``: X's 401, Meta's OAuthException code 190/463.

        Every faulty call is recorded in ``calls`` with ``fault`` and
        ``processed``. Returns the fault (a dict, also listed in ``faults``).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULT_KINDS)}")
        re.compile(path)  # a bad expression fails here, not on the next call
        fault = {
            "kind": kind,
            "method": (method or "*").upper(),
            "path": path,
            "times": max(int(times), 1),
            "status": int(status) if status else None,
            "seconds": float(seconds) if seconds is not None else None,
            "code": int(code) if code else None,
        }
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self):
        """Forget the faults not yet used up."""
        with self.lock:
            self.faults.clear()

    def take_fault(self, method, path):
        """The first fault matching this call, used up by one; or None."""
        with self.lock:
            for fault in self.faults:
                if fault["method"] in ("*", method) and re.search(fault["path"], path):
                    fault["times"] -= 1
                    if fault["times"] <= 0:
                        self.faults.remove(fault)
                    return dict(fault)
        return None

    def _answer_with_fault(
        self, fault, method, path, query, headers, body, response_headers
    ):
        kind = fault["kind"]
        if kind == "hang_after":
            with self.lock:
                first = len(self.calls)
            status, answer = self.handle_api(method, path, query, headers, body)
            with self.lock:  # the call, as recorded, says it was faulty
                record = next(
                    c
                    for c in self.calls[first:]
                    if c["path"] == path and "fault" not in c
                )
                record.update(fault=kind, processed=200 <= status < 300)
            time.sleep(fault["seconds"] or HANG_SECONDS)
            return status, answer
        # Recorded on arrival: a hung call shows before its answer (status None).
        record = self._call_record(method, path, query, headers, body)[2]
        record.update(fault=kind, processed=False, status=None)
        with self.lock:
            self.calls.append(record)
            self.version += 1
        if kind == "hang_before":
            time.sleep(fault["seconds"] or HANG_SECONDS)
        status, answer, extra = self._fault_answer(fault, path.startswith("/meta/"))
        if response_headers is not None:
            response_headers.extend(extra)
        with self.lock:
            record.update(status=status, answer=answer)
        return status, answer

    def _fault_answer(self, fault, meta):
        """``(status, body, headers)`` of a failing call, as the platform says it."""
        kind, now = fault["kind"], time.time()
        if kind == "rate_limit":
            wait = fault["seconds"] if fault["seconds"] is not None else 900
            if not meta:
                return (
                    429,
                    {
                        "title": "Too Many Requests",
                        "detail": "Too Many Requests",
                        "type": "about:blank",
                        "status": 429,
                    },
                    [
                        ("x-rate-limit-limit", "100"),
                        ("x-rate-limit-remaining", "0"),
                        ("x-rate-limit-reset", str(int(now + wait))),
                    ],
                )
            code = fault["code"] or 32
            usage = {"call_count": 100, "total_cputime": 40, "total_time": 60}
            business = dict(
                usage,
                type="pages",
                estimated_time_to_regain_access=max(1, -(-int(wait) // 60)),
            )
            limit = "Application" if code in (4, 17) else "Page"
            error = _graph_error(
                f"(#{code}) {limit} request limit reached",
                code=code,
                kind="OAuthException",
            )
            return (
                fault["status"] or 400,
                error.body,
                [
                    ("X-App-Usage", json.dumps(usage)),
                    (
                        "X-Business-Use-Case-Usage",
                        json.dumps({self.config.page_id: [business]}),
                    ),
                ],
            )
        if kind == "expired_token":
            if not meta:
                error = _x_error(401, "Unauthorized", "Unauthorized")
                return 401, error.body, []
            body = _graph_error(
                "Error validating access token: Session has expired.",
                code=190,
                kind="OAuthException",
            ).body
            body["error"]["error_subcode"] = 463
            return fault["status"] or 400, body, []
        status = fault["status"] or (503 if kind == "hang_before" else 500)
        if meta:
            body = _graph_error(
                "An unexpected error has occurred. Please retry your request later.",
                code=2,
                status=status,
                kind="OAuthException",
            ).body
            body["error"]["is_transient"] = True
            return status, body, []
        title = "Service Unavailable" if status == 503 else "Internal Server Error"
        return status, _x_error(status, title, title).body, []

    # ------------------------------------------------------------------
    # Media files, as the platforms' CDNs serve them (for bad-media tests)
    # ------------------------------------------------------------------

    def media(self, name):
        """``(status, content type, body, headers)`` of ``/media/<name>``.

        ``image.png`` a real image; ``not-image.png`` HTML served as an
        image; ``huge.jpg`` a JPEG over 10 MB; ``bomb.png`` under 1 kB that
        inflates to 40 MB (``Content-Encoding: gzip, gzip``, zeros gzipped
        twice); ``redirect/<url>`` a 302 to any address (e.g. another host;
        percent-decoded, so a Location with any character can be asked for).
        """
        with self.lock:
            self.media_requests.append(name)
        if name == "image.png":
            return 200, "image/png", TINY_PNG, []
        if name == "not-image.png":
            page = b"<html><body><script>alert('not an image')</script></body></html>"
            return 200, "image/png", page, []
        if name == "huge.jpg":
            return 200, "image/jpeg", b"\xff\xd8\xff\xe0" + bytes(HUGE_MEDIA_BYTES), []
        if name == "bomb.png":
            bomb = gzip.compress(gzip.compress(bytes(BOMB_INFLATED_BYTES), 9), 9)
            return 200, "image/png", bomb, [("Content-Encoding", "gzip, gzip")]
        if name.startswith("redirect/"):
            target = unquote(name[len("redirect/") :])
            return 302, "text/plain", b"", [("Location", target)]
        return 404, "text/plain", b"no such media", []

    def _call_record(self, method, path, query, headers, body):
        """The call's query and body parameters, and its record (no secrets)."""
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        content_type = headers.get("Content-Type") or ""
        data = {}
        if body and content_type.startswith("multipart/form-data"):
            data, files, payloads = parse_multipart(content_type, body)
            data["_files"] = files
            data["_payloads"] = payloads
        elif body and "json" in content_type:
            try:
                data = json.loads(body)
            except ValueError:
                data = {}
        elif body:
            data = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
        record = {
            "at": _iso(_now()),
            "method": method,
            "path": path,
            # Credentials in the URL reach proxies' and clients' logs: named
            # here (never their values) so a test can require there are none.
            "url_credentials": sorted(k for k in params if k in URL_CREDENTIALS),
            "params": {k: v for k, v in params.items() if "token" not in k},
            "body": {
                k: v
                for k, v in data.items()
                if "token" not in k
                and k not in ("appsecret_proof", "code_verifier", "_files", "_payloads")
            },
        }
        if data.get("_files"):
            record["files"] = data["_files"]
        return params, data, record

    def _record_reply(self, conversation, message):
        """An agent's reply Odoo sent: shown in its conversation."""
        with self.lock:
            if conversation is None:
                conversation = self.conversation("unmatched")
                if conversation is None:
                    conversation = self._new_conversation(
                        "unmatched",
                        "x_public",
                        {"id": "?", "name": "(replies to unknown messages)"},
                        label="Replies the simulator could not match",
                    )
            message.update(direction="out", at=_iso(_now()))
            conversation["messages"].append(message)
            self._to_top(conversation)
            self._changed()

    # --- X API v2 ---

    def _x_api(self, method, path, params, headers, data):
        cfg = self.config
        onboarding = self.x_onboarding_api(method, path, params, headers, data)
        if onboarding is not None:
            return onboarding
        if path == "2/oauth2/token" and method == "POST":
            return 200, {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": f"simulator-x-access-{secrets.token_hex(8)}",
                "refresh_token": f"simulator-x-refresh-{secrets.token_hex(8)}",
                "scope": data.get("scope")
                or "tweet.read tweet.write users.read dm.read dm.write offline.access",
            }
        if not (headers.get("Authorization") or "").strip():
            raise _x_error(401, "Unauthorized", "Unauthorized")
        if path == "2/users/me" and method == "GET":
            return 200, {
                "data": {
                    "id": cfg.x_user_id,
                    "name": f"{cfg.x_handle} (simulator)",
                    "username": cfg.x_handle,
                }
            }
        match = re.fullmatch(r"2/users/(\d+)/mentions", path)
        if match and method == "GET":
            return 200, self._x_page("x_public", params)
        if path == "2/dm_events" and method == "GET":
            return 200, self._x_page("x_dm", params)
        if path == "2/tweets/search/recent" and method == "GET":
            return 200, {"meta": {"result_count": 0}}
        if path == "2/media/upload" and method == "POST":
            return 200, self._x_media_upload(data)
        if path == "2/media/upload" and method == "GET":
            return 200, self._x_media_status(params)
        if path == "2/tweets" and method == "POST":
            return 201, self._x_post(data)
        match = re.fullmatch(r"2/dm_conversations/(with/)?([\d-]+)/messages", path)
        if match and method == "POST":
            return 201, self._x_dm(match.group(2), bool(match.group(1)), data)
        raise _x_error(404, "Not Found Error", f"{method} /{path} is not simulated")

    def _x_post(self, data):
        text = data.get("text") or ""
        parent = (data.get("reply") or {}).get("in_reply_to_tweet_id")
        media = self._x_attached(
            (data.get("media") or {}).get("media_ids") or [], X_POST_MAX_MEDIA
        )
        if not (text or media):
            raise _x_error(400, "Invalid Request", "text or media is required")
        tweet_id = self._x_id()
        conversation, _message = self._find_message(parent)
        self._record_reply(
            conversation,
            {
                "id": tweet_id,
                "text": text,
                "kind": "reply",
                "in_reply_to": parent,
                "media": media,
            },
        )
        return {
            "data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}
        }

    def _x_dm(self, target, is_participant, data):
        cfg = self.config
        media = self._x_attached(
            [a.get("media_id") for a in data.get("attachments") or []], 1
        )
        if not (data.get("text") or media):
            raise _x_error(400, "Invalid Request", "text or attachments is required")
        event_id = self._x_id()
        if is_participant:
            participant = target
            low, high = sorted((target, cfg.x_user_id), key=int)
            dm_conversation = f"{low}-{high}"
        else:
            dm_conversation = target
            participant = next(
                (p for p in target.split("-") if p != cfg.x_user_id), target
            )
        self._record_reply(
            self.conversation(f"x_dm:{participant}"),
            {
                "id": event_id,
                "text": data.get("text") or "",
                "kind": "dm",
                "recipient": participant,
                "media": media,
            },
        )
        return {
            "data": {"dm_conversation_id": dm_conversation, "dm_event_id": event_id}
        }

    def _x_page(self, channel, params):
        """Polls: the customers' posts (or DMs) the simulator made, newest first.

        Posts come as X API v2 shows them: their current version, with
        ``edit_history_tweet_ids``, and the posts they answer in
        ``includes.tweets`` (the ``referenced_tweets.id`` expansion).
        """
        cfg = self.config
        since = int(params.get("since_id") or 0)
        items, users, referenced = [], {}, {}
        with self.lock:
            for conversation in self.conversations:
                if conversation["channel"] != channel:
                    continue
                for message in conversation["messages"]:
                    current = self._x_current_id(message)
                    if message["direction"] != "in" or int(current) <= since:
                        continue
                    person = self._x_author(conversation, message)
                    users[person["id"]] = self._x_v2_user(person)
                    items.append(self._x_v2_item(channel, conversation, message))
                    parent_id = message.get("in_reply_to")
                    found, parent = self._find_message(parent_id or "")
                    if channel == "x_public" and parent is not None:
                        referenced[parent_id] = self._x_v2_item(channel, found, parent)
                        author = self._x_author(found, parent)
                        users[author["id"]] = self._x_v2_user(author)
        items.sort(key=lambda item: int(item["id"]), reverse=True)
        items = items[: int(params.get("max_results") or 100)]
        if not items:
            return {"meta": {"result_count": 0}}
        if channel == "x_dm":
            users[cfg.x_user_id] = self._x_v2_user(self._x_brand())
        includes = {"users": list(users.values())}
        if referenced:
            includes["tweets"] = list(referenced.values())
        return {
            "data": items,
            "includes": includes,
            "meta": {
                "result_count": len(items),
                "newest_id": items[0]["id"],
                "oldest_id": items[-1]["id"],
            },
        }

    @staticmethod
    def _x_v2_user(person):
        return {
            "id": person["id"],
            "name": person["name"],
            "username": person["handle"],
        }

    def _x_v2_item(self, channel, conversation, message):
        person = conversation["customer"]
        if channel == "x_dm":
            return {
                "id": message["id"],
                "event_type": "MessageCreate",
                "text": message["text"],
                "created_at": message["at"],
                "dm_conversation_id": conversation["dm_conversation_id"],
                "sender_id": person["id"],
                "participant_ids": conversation["dm_conversation_id"].split("-"),
            }
        author = self._x_author(conversation, message)
        replied = self._x_parent_author(conversation, message) or self._x_brand()
        item = {
            "id": self._x_current_id(message),
            "text": message["text"],
            "author_id": author["id"],
            "conversation_id": message.get("conversation_id")
            or conversation["id"].split(":", 1)[1],
            "created_at": message.get("edited_at") or message["at"],
            "edit_history_tweet_ids": message.get("versions") or [message["id"]],
            "in_reply_to_user_id": replied["id"],
        }
        if message.get("links"):
            item["entities"] = {"urls": message["links"]}
        if message.get("in_reply_to"):
            item["referenced_tweets"] = [
                {"type": "replied_to", "id": message["in_reply_to"]}
            ]
        return item

    # --- Graph API ---

    def _meta_api(self, method, path, params, data):
        cfg = self.config
        parts = path.strip("/").split("/")
        if parts and GRAPH_VERSION_RE.match(parts[0]):
            parts = parts[1:]
        args = {**params, **data}
        onboarding = self.meta_onboarding_api(method, parts, args)
        if onboarding is not None:
            return onboarding
        if not args.get("access_token"):
            raise _graph_error(
                "An access token is required to request this resource.",
                code=104,
                kind="OAuthException",
            )
        node, edge = parts[0] if parts else "", "/".join(parts[1:])
        if method == "GET":
            return 200, self._meta_get(node, edge, args)
        if method == "POST" and edge == "messages" and node == cfg.page_id:
            return 200, self._meta_send_message(args, data)
        if method == "POST" and edge == "mentions" and node == cfg.ig_id:
            return 200, self._meta_mention_reply(args)
        if method == "POST" and edge in ("comments", "replies"):
            return 200, self._meta_comment_reply(node, edge, args)
        if method == "POST" and not edge and ("is_hidden" in args or "hide" in args):
            conversation, message = self._find_message(node)
            if message is not None:
                with self.lock:
                    message["hidden"] = args.get("is_hidden", args.get("hide"))
                    self._changed()
            return 200, {"success": True}
        raise _graph_error(f"Unsupported {method} request to /{path} (simulator)")

    def _meta_get(self, node, edge, args):
        cfg = self.config
        if node == "debug_token":
            return {
                "data": {
                    "app_id": str(cfg.meta_app_id or ""),
                    "type": "PAGE",
                    "application": "Social Care simulator",
                    "is_valid": True,
                    "scopes": PAGE_PERMISSIONS,
                }
            }
        if node == cfg.ig_id and edge == "media":
            return self._ig_media_page(args)
        if node == cfg.ig_id and edge == "tags":
            return self._ig_tags_page(args)
        if node == cfg.ig_id and not edge and "mentioned_" in args.get("fields", ""):
            return self._ig_mentioned(args["fields"])
        if edge in ("feed", "comments", "conversations"):
            return {"data": [], "paging": {}}
        if node in ("me", cfg.page_id) and not edge:
            return {"id": cfg.page_id, "name": f"{cfg.page_name} (simulator)"}
        if node == cfg.ig_id and not edge:
            return {"id": cfg.ig_id, "username": cfg.ig_username}
        for network in ("facebook", "instagram"):
            for person in cfg.people[network]:
                if person["id"] != node:
                    continue
                if network == "instagram":
                    return {
                        "id": node,
                        "name": person["name"],
                        "username": person["handle"],
                    }
                first, _sep, last = person["name"].partition(" ")
                return {"id": node, "first_name": first, "last_name": last}
        raise _graph_error(
            f"Object with ID '{node}' does not exist (simulator)", code=100
        )

    def _ig_media_page(self, args):
        """``GET /{ig-user-id}/media``: a media per Instagram comment conversation,
        newest first, its comments and replies nested, paged by ``after``."""
        with self.lock:
            media = [
                self._ig_media(conversation)
                for conversation in self.conversations
                if conversation["channel"] == "instagram_comment"
                and conversation["messages"]
                and not conversation.get("mention")  # someone else's media
            ]
        since = int(args.get("since") or 0)
        media = sorted(
            (item for item in media if _epoch(item["timestamp"]) >= since),
            key=lambda item: item["timestamp"],
            reverse=True,
        )
        start, limit = int(args.get("after") or 0), int(args.get("limit") or 25)
        answer = {"data": media[start : start + limit], "paging": {}}
        if start + limit < len(media):
            answer["paging"] = {
                "cursors": {"after": str(start + limit)},
                "next": f"media?after={start + limit}",
            }
        return answer

    def _ig_media(self, conversation):
        cfg = self.config
        customer = conversation["customer"]
        account = {"id": cfg.ig_id, "username": cfg.ig_username}
        person = {"id": customer["id"], "username": customer.get("handle", "")}
        top_id = conversation.get("top_comment_id")
        top, replies = None, []
        for message in conversation["messages"]:
            if message.get("kind") not in ("comment", "reply", "public reply"):
                continue  # private replies are direct messages
            author = person if message["direction"] == "in" else account
            comment = {
                "id": message["id"],
                "text": message.get("text") or "",
                "timestamp": _graph_time(message["at"]),
                "username": author["username"],
                "from": author,
            }
            if message["id"] == top_id:
                top = comment
            else:  # Instagram files a reply to a reply under the top-level comment
                replies.append(dict(comment, parent_id=top_id))
        if top is not None and replies:
            top["replies"] = {"data": replies}
        return {
            "id": conversation["media_id"],
            "caption": "A bike of the simulator's shop",
            "permalink": f"https://www.instagram.com/p/{conversation['media_id']}/",
            "timestamp": _graph_time(conversation["messages"][0]["at"]),
            "media_product_type": "FEED",
            "comments_count": len(replies) + (top is not None),
            "comments": {"data": [top] if top else []},
        }

    def _meta_send_message(self, args, data):
        try:
            recipient = json.loads(args.get("recipient") or "{}")
            content = json.loads(args.get("message") or "{}")
        except ValueError as error:
            raise _graph_error("recipient and message must be JSON") from error
        mid = f"m_sim{secrets.token_urlsafe(24)}"
        message = {
            "id": mid,
            "text": content.get("text") or "",
            "kind": "dm",
            "messaging_type": args.get("messaging_type"),
            "tag": args.get("tag"),
            "metadata": content.get("metadata"),
        }
        answered = recipient.get("comment_id") or recipient.get("post_id")
        if answered:
            conversation, comment = self._find_message(answered)
            message.update(kind="private reply", in_reply_to=answered)
            person = (conversation or {}).get("customer") or {}
            recipient_id = person.get("id") or ""
        else:
            recipient_id = recipient.get("id") or ""
            conversation = self.conversation(
                f"messenger:{recipient_id}"
            ) or self.conversation(f"instagram_dm:{recipient_id}")
            message["recipient"] = recipient_id
        if not recipient_id:
            raise _graph_error("No matching user found", code=100)
        media = self._meta_message_media(
            (conversation or {}).get("channel"), content, data
        )
        if media is None and not message["text"]:
            raise _graph_error("(#100) The message has no text and no attachment.")
        message["media"] = [media] if media else []
        self._record_reply(conversation, message)
        return {"recipient_id": recipient_id, "message_id": mid}

    def _mention_conversation(self, media_id):
        for conversation in self.conversations:
            if conversation.get("mention") and conversation["media_id"] == media_id:
                return conversation
        return None

    def _mention_media(self, conversation):
        """A mention's media, in the fields ``tags`` and ``mentioned_media`` give."""
        return {
            "id": conversation["media_id"],
            "caption": conversation["caption"],
            "timestamp": _graph_time(conversation["messages"][0]["at"]),
            "username": conversation["customer"]["handle"],
            "permalink": f"https://www.instagram.com/p/{conversation['media_id']}/",
            "media_type": "IMAGE",
        }

    def _ig_tags_page(self, args):
        """``GET /{ig-user-id}/tags``: the media the account is tagged in, newest
        first (a mention without a tag is not listed: Graph has no such list)."""
        with self.lock:
            media = [
                self._mention_media(conversation)
                for conversation in self.conversations
                if conversation.get("mention") and conversation.get("tagged")
            ]
        media.sort(key=lambda item: item["timestamp"], reverse=True)
        return {"data": media[: int(args.get("limit") or 25)], "paging": {}}

    def _ig_mentioned(self, fields_):
        """``GET /{ig-user-id}?fields=mentioned_comment.comment_id(..){..}`` or
        ``mentioned_media.media_id(..){..}``: one mention, by its id."""
        cfg = self.config
        found = re.search(r"mentioned_(comment|media)\.\w+\((\d+)\)", fields_)
        if not found:
            raise _graph_error("Unsupported mentioned_ field (simulator)")
        edge, target = found.groups()
        with self.lock:
            conversation, message = self._find_message(target)
        if conversation is None or not conversation.get("mention"):
            raise _graph_error(
                f"Object with ID '{target}' does not exist (simulator)", code=100
            )
        media = self._mention_media(conversation)
        if edge == "media":
            return {"id": cfg.ig_id, "mentioned_media": media}
        return {
            "id": cfg.ig_id,
            "mentioned_comment": {
                "id": target,
                "text": message["text"],
                "timestamp": _graph_time(message["at"]),
                "username": conversation["customer"]["handle"],
                "media": {"id": media["id"], "permalink": media["permalink"]},
            },
        }

    def _meta_mention_reply(self, args):
        """``POST /{ig-user-id}/mentions``: a comment on the media where the
        account was @mentioned, under the mentioning comment if one is named."""
        media_id = args.get("media_id") or ""
        comment_id = args.get("comment_id") or ""
        with self.lock:
            conversation = self._mention_conversation(media_id)
        if conversation is None:
            raise _graph_error(
                f"Object with ID '{media_id}' does not exist (simulator)", code=100
            )
        mention = conversation["messages"][0]
        in_comment = mention["kind"] == "comment mention"
        if comment_id and comment_id != mention["id"]:
            raise _graph_error(
                f"The comment {comment_id} does not mention the account on this "
                "media (simulator)",
                code=100,
            )
        if in_comment and not comment_id:
            raise _graph_error(
                "The account is not mentioned in this media's caption (simulator)",
                code=100,
            )
        if not args.get("message"):
            raise _graph_error("The parameter message is required", code=100)
        reply_id = self._meta_id("1800")
        self._record_reply(
            conversation,
            {
                "id": reply_id,
                "text": args["message"],
                "kind": "mention reply",
                "on_media": media_id,
                "in_reply_to": comment_id or media_id,
            },
        )
        return {"id": reply_id}

    def _meta_comment_reply(self, node, edge, args):
        media = self._meta_comment_media(edge, args)
        conversation, _comment = self._find_message(node)
        if conversation is None:
            raise _graph_error(
                f"Object with ID '{node}' does not exist (simulator)", code=100
            )
        if conversation.get("mention"):
            # Someone else's media: Meta takes an answer through /mentions only.
            raise _graph_error(
                "Comments on media the account does not own are answered with "
                "POST /{ig-user-id}/mentions (simulator)",
                code=10,
                status=403,
                kind="OAuthException",
            )
        # A Facebook comment's id starts with its post's number (the part of
        # the post id after the Page's), whether it answers the post or a comment.
        post_number = (conversation.get("post_id") or node).split("_")[-1]
        reply_id = (
            self._meta_id("1800")
            if edge == "replies"
            else f"{post_number}_{self._meta_id()}"
        )
        self._record_reply(
            conversation,
            {
                "id": reply_id,
                "text": args.get("message") or "",
                "kind": "public reply",
                "in_reply_to": node,
                "media": [media] if media else [],
            },
        )
        return {"id": reply_id}

    # --- Generic webhook provider (the social_care demo account) ---

    def _generic_api(self, method, path, data):
        """A reply POSTed to a generic account's outbound URL, as Odoo signs it.

        The demo's "Demo community (generic webhook)" tickets come from demo
        events, not from this simulator: their replies are shown in a
        conversation of their thread, created on the first reply.
        """
        if method != "POST" or path != "replies":
            raise ApiError(
                404, {"error": "the generic outbound URL is /generic/replies"}
            )
        thread = str(data.get("thread") or "")
        text = data.get("text")
        if not thread or not isinstance(text, str):
            raise ApiError(400, {"error": "a reply needs a thread and a text"})
        conversation_id = f"generic:{thread}"
        with self.lock:
            conversation = self.conversation(conversation_id)
            if conversation is None:
                conversation = {
                    "id": conversation_id,
                    "channel": "generic",
                    "label": "Demo community (generic webhook)",
                    "customer": {"id": data.get("recipient") or "?", "name": thread},
                    "messages": [],
                    "reply_only": True,
                }
        # Unique across runs, as a platform's ids are: a state file may be new.
        reply_id = f"generic-{secrets.token_hex(8)}"
        self._record_reply(
            conversation,
            {
                "id": reply_id,
                "text": text,
                "kind": "private reply" if data.get("private") else "public reply",
                "in_reply_to": data.get("in_reply_to"),
            },
        )
        return 200, {"id": reply_id}

    # ------------------------------------------------------------------

    def wait_for_odoo(self, timeout=600):
        """Wait until Odoo answers HTTP (its health route); False on timeout."""
        url = f"{self.config.odoo_url.rstrip('/')}/web/health"
        return wait_for_http(url, timeout, interval=1)
