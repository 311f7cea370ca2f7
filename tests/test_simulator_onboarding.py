"""The simulator's consent pages, code exchanges and webhook registration,
against a stand-in for Odoo's webhook route (no Odoo needed)."""

import base64
import hashlib
import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from simulator import Config, Simulator, serve_in_thread
from simulator import onboarding as ob
from simulator.addon_tools import X_SIGNATURE_HEADER, x_webhook

X_SECRET = "x-secret-for-the-onboarding-tests"
META_SECRET = "meta-secret-for-the-onboarding-tests"
VERIFY = "the-verify-token"
REDIRECT = "http://odoo.test/social_care_twitter/oauth/callback"


class FakeOdoo(BaseHTTPRequestHandler):
    """Odoo's /social_care/webhook/7: CRC and Meta challenge, signed POSTs kept."""

    secret = X_SECRET
    received = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        if "crc_token" in query:
            body = json.dumps(x_webhook.crc_response(self.secret, query["crc_token"]))
        elif query.get("hub.verify_token") == VERIFY:
            body = query["hub.challenge"]
        else:
            self.send_response(403)
            self.end_headers()
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body.encode())

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers, body))
        self.send_response(200)
        self.end_headers()


@pytest.fixture
def odoo():
    handler = type("Handler", (FakeOdoo,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield handler, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def sim():
    simulator = Simulator(
        Config(
            odoo_url="http://nowhere.test", x_secret=X_SECRET, meta_secret=META_SECRET
        )
    )
    server = serve_in_thread(simulator)
    yield simulator
    server.shutdown()
    server.server_close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def call(url, data=None, headers=None, method=None):
    """``(status, headers, body)`` without following redirects."""
    if isinstance(data, dict):
        data = urlencode(data).encode()
    request = urllib.request.Request(
        url, data=data, headers=headers or {}, method=method
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def x_authorize(sim, decision, client_id=ob.X_CLIENT_ID, verifier="v" * 50):
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "tweet.read users.read",
        "state": "the-state",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    url = f"{sim.base_url}{ob.X_AUTHORIZE_PATH}"
    status, _headers, page = call(f"{url}?{urlencode(params)}")
    answer = call(url, dict(params, decision=decision))
    return status, page, answer


def x_token(sim, code, verifier="v" * 50):
    basic = base64.b64encode(f"{ob.X_CLIENT_ID}:{ob.X_CLIENT_SECRET}".encode())
    return call(
        f"{sim.base_url}/x/2/oauth2/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        {"Authorization": f"Basic {basic.decode()}"},
    )


def test_x_consent_then_code_exchange_with_pkce(sim):
    status, page, (redirect, headers, _body) = x_authorize(sim, "authorize")
    assert status == 200
    assert "Authorize Odoo to use @SimSupport?" in page
    assert "not a real social network" in page
    assert redirect == 303
    back = urlsplit(headers["Location"])
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT
    assert query["state"] == "the-state"
    assert x_token(sim, query["code"], verifier="w" * 50)[0] == 400  # wrong verifier
    _s, _h, page = x_authorize(sim, "authorize")[2]
    code = parse_qs(urlsplit(_h["Location"]).query)["code"][0]
    status, _headers, body = x_token(sim, code)
    assert status == 200
    assert json.loads(body)["refresh_token"]
    assert x_token(sim, code)[0] == 400  # a code is used once


def test_x_cancel_and_unknown_client(sim):
    _status, _page, (redirect, headers, _body) = x_authorize(sim, "cancel")
    query = parse_qs(urlsplit(headers["Location"]).query)
    assert redirect == 303
    assert query["error"] == ["access_denied"]
    assert "code" not in query
    status, page, _answer = x_authorize(sim, "authorize", client_id="typo")
    assert status == 200
    assert "Unknown OAuth 2.0 client ID" in page


def register_x(sim, url):
    return call(
        f"{sim.base_url}/x/2/webhooks",
        json.dumps({"url": url}).encode(),
        {
            "Authorization": f"Bearer {ob.X_BEARER_TOKEN}",
            "Content-Type": "application/json",
        },
    )


def test_x_webhook_registration_runs_the_crc_then_delivers_there(sim, odoo):
    handler, odoo_url = odoo
    handler.secret = "not-the-app-secret"
    status, _headers, body = register_x(sim, f"{odoo_url}/social_care/webhook/7")
    assert status == 400
    assert "CRC validation failed" in body
    assert sim.config.x_app_id is None
    handler.secret = X_SECRET
    status, _headers, body = register_x(sim, f"{odoo_url}/social_care/webhook/7")
    assert status == 200
    assert json.loads(body)["data"]["valid"] is True
    assert (sim.config.odoo_url, sim.config.x_app_id) == (odoo_url, 7)
    _conversation, message = sim.send("x_public", "hello")
    assert message["delivery"]["status"] == 200
    path, headers, raw = handler.received[-1]
    assert path == "/social_care/webhook/7"
    assert x_webhook.verify_signature(X_SECRET, raw, headers[X_SIGNATURE_HEADER])
    assert register_x(sim, f"{odoo_url}/social_care/webhook/8")[0] == 403  # 1 per app


def test_x_webhook_needs_the_app_bearer_token(sim, odoo):
    _handler, odoo_url = odoo
    status, _headers, _body = call(
        f"{sim.base_url}/x/2/webhooks",
        json.dumps({"url": f"{odoo_url}/social_care/webhook/7"}).encode(),
        {"Authorization": "Bearer user-token", "Content-Type": "application/json"},
    )
    assert status == 401


def graph(sim, method, path, params):
    url = f"{sim.base_url}/meta/v26.0/{path}"
    if method == "GET":
        return call(f"{url}?{urlencode(params)}")
    return call(url, params)


def test_meta_login_pages_and_app_subscription(sim, odoo):
    handler, odoo_url = odoo
    dialog = f"{sim.base_url}/meta/v26.0/dialog/oauth"
    params = {
        "client_id": ob.META_APP_ID,
        "redirect_uri": "http://odoo.test/social_care_meta/oauth/callback",
        "response_type": "code",
        "state": "s",
        "scope": "pages_show_list",
    }
    _s, _h, page = call(f"{dialog}?{urlencode(params)}")
    assert "Authorize Odoo to use Sim Bikes and @simbikes?" in page
    _s, headers, _b = call(dialog, dict(params, decision="authorize"))
    code = parse_qs(urlsplit(headers["Location"]).query)["code"][0]
    credentials = {"client_id": ob.META_APP_ID, "client_secret": META_SECRET}
    wrong = dict(credentials, client_secret="typo", code=code)
    assert graph(sim, "GET", "oauth/access_token", wrong)[0] == 400
    status, _h, body = graph(
        sim,
        "GET",
        "oauth/access_token",
        dict(credentials, code=code, redirect_uri=params["redirect_uri"]),
    )
    assert status == 200
    short = json.loads(body)["access_token"]
    _s, _h, body = graph(
        sim,
        "GET",
        "oauth/access_token",
        dict(credentials, grant_type="fb_exchange_token", fb_exchange_token=short),
    )
    _s, _h, body = graph(
        sim, "GET", "me/accounts", {"access_token": json.loads(body)["access_token"]}
    )
    page_data = json.loads(body)["data"][0]
    assert page_data["instagram_business_account"]["username"] == "simbikes"
    subscription = {
        "object": "page",
        "callback_url": f"{odoo_url}/social_care/webhook/9",
        "fields": "feed,messages",
        "verify_token": "wrong",
        "access_token": f"{ob.META_APP_ID}|{META_SECRET}",
    }
    path = f"{ob.META_APP_ID}/subscriptions"
    status, _h, body = graph(sim, "POST", path, subscription)
    assert status == 400
    assert "(#2200) callback verification failed" in body
    assert sim.config.meta_app_id is None
    status, _h, body = graph(sim, "POST", path, dict(subscription, verify_token=VERIFY))
    assert (status, json.loads(body)) == (200, {"success": True})
    assert sim.config.meta_app_id == 9
    _conversation, message = sim.send("messenger", "hello")
    assert message["delivery"]["status"] == 200
    assert handler.received[-1][0] == "/social_care/webhook/9"


def xaa(sim, method, path="", body=None, token=ob.X_BEARER_TOKEN):
    """A call to the simulated X Activity API; ``(status, JSON answer)``."""
    status, _headers, answer = call(
        f"{sim.base_url}/x/2/activity/subscriptions{path}",
        json.dumps(body).encode() if body is not None else None,
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method,
    )
    return status, json.loads(answer)


def test_x_activity_subscriptions_deliver_only_what_is_subscribed(sim, odoo):
    """Shapes of https://docs.x.com/x-api/activity/quickstart and the API
    reference (openapi.json of github.com/xdevplatform/docs)."""
    handler, odoo_url = odoo
    register_x(sim, f"{odoo_url}/social_care/webhook/7")
    hook = sim.onboarding["x_webhooks"][0]["id"]
    user = sim.config.x_user_id
    mention = {
        "event_type": "post.mention.create",
        "filter": {"user_id": user},
        "tag": "t",
        "webhook_id": hook,
    }
    # A private event needs the user's token, not the app's.
    assert xaa(sim, "POST", body=mention)[0] == 403
    status, created = xaa(sim, "POST", body=mention, token="user-token")
    assert status == 200
    subscription = created["data"]["subscription"]
    assert subscription["event_type"] == "post.mention.create"
    assert subscription["filter"] == {"user_id": user}
    assert subscription["webhook_id"] == hook
    assert xaa(sim, "POST", body=mention, token="user-token")[0] == 409
    bad = dict(mention, event_type="PostMentionCreate")
    assert xaa(sim, "POST", body=bad, token="user-token")[0] == 400
    status, listed = xaa(sim, "GET")
    assert status == 200
    assert [s["subscription_id"] for s in listed["data"]] == [
        subscription["subscription_id"]
    ]
    assert listed["meta"]["total_subscriptions"] == 1

    _conversation, post = sim.send("x_public", "my bike is broken")
    assert post["delivery"]["status"] == 200
    event = json.loads(handler.received[-1][2])["data"]
    assert event["event_type"] == "post.mention.create"
    assert event["filter"] == {"user_id": user}
    assert event["payload"]["id"] == post["id"]
    # No dm.received subscription: X delivers nothing for a DM.
    received = len(handler.received)
    _conversation, dm = sim.send("x_dm", "hello")
    assert dm["delivery"]["status"] == 0
    assert len(handler.received) == received

    sub_id = subscription["subscription_id"]
    assert xaa(sim, "DELETE", f"/{sub_id}", token="user-token")[0] == 403
    status, deleted = xaa(sim, "DELETE", f"/{sub_id}")
    assert (status, deleted["data"]) == (200, {"deleted": True})
    assert deleted["meta"]["total_subscriptions"] == 0
    assert xaa(sim, "DELETE", f"/{sub_id}")[0] == 404
    _conversation, post = sim.send("x_public", "anyone there?")
    assert post["delivery"]["status"] == 0
    assert len(handler.received) == received


def test_x_activity_events_are_read_by_the_connector(sim, odoo):
    """The simulator's XAA envelopes go through the addon's own split and parse."""
    from odoo.addons.social_care_twitter.tools.x_parse import parse_event

    handler, odoo_url = odoo
    register_x(sim, f"{odoo_url}/social_care/webhook/7")
    hook = sim.onboarding["x_webhooks"][0]["id"]
    user = sim.config.x_user_id
    for event_type in ("post.mention.create", "post.reply.create", "dm.received"):
        body = {"event_type": event_type, "filter": {"user_id": user}}
        xaa(sim, "POST", body=dict(body, webhook_id=hook), token="user-token")
    conversation, mention = sim.send("x_public", "the screen is cracked")
    sim.send("x_dm", "order SIM-1 please")
    # The account answers the mention; the customer's answer to it is a reply.
    sim.handle_api(
        "POST",
        "/x/2/tweets",
        "",
        {"Authorization": "Bearer user-token", "Content-Type": "application/json"},
        json.dumps(
            {"text": "sorry!", "reply": {"in_reply_to_tweet_id": mention["id"]}}
        ).encode(),
    )
    sim.send("x_public", "thanks", conversation_id=conversation["id"])
    events = [json.loads(raw)["data"] for _path, _headers, raw in handler.received]
    assert [e["event_type"] for e in events[-3:]] == [
        "post.mention.create",
        "dm.received",
        "post.reply.create",
    ]
    assert events[-1]["payload"]["conversation_id"] == mention["id"]
    for (_path, _headers, raw), kind in zip(
        handler.received[-3:], ("mention", "dm", "reply"), strict=True
    ):
        (unit,) = x_webhook.split_delivery(json.loads(raw))
        assert unit.account_ref == user
        parsed = parse_event(unit.event_type, unit.payload, unit.account_ref)
        (message,) = parsed.messages
        assert message.kind == kind
