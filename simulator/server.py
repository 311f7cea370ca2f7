"""The simulator's HTTP server: the fake APIs, a JSON view, and the page at /."""

import html
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .core import CHANNELS, LABEL, NETWORK, Simulator
from .onboarding import render_portal

# Media uploads reach 25 MB (Meta's video, audio and file limit) plus the form.
MAX_BODY = 32 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    server_version = "SocialCareSimulator/1.0"
    simulator: Simulator = None  # set on the subclass made by make_server

    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name)
        if self.server.verbose:
            super().log_message(format, *args)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY)) if length else b""

    def _send(self, status, body, content_type="application/json", headers=()):
        if isinstance(body, dict | list):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Simulator", "Social Care API simulator; not a real API")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self, method):
        url = urlsplit(self.path)
        body = self._body() if method in ("POST", "PUT") else b""
        page = self.simulator.consent_page(method, url.path, url.query, body)
        if page is not None:
            return self._send(page[0], page[1], "text/html; charset=utf-8", page[2])
        if url.path.startswith(("/x/", "/meta/", "/generic/")):
            extra = []
            status, answer = self.simulator.handle_api(
                method, url.path, url.query, self.headers, body, extra
            )
            try:
                return self._send(
                    status, answer, "application/json; charset=UTF-8", extra
                )
            except (BrokenPipeError, ConnectionResetError):
                return None  # the client gave up waiting (an injected hang)
        if url.path.startswith(("/api/faults", "/media/")):
            return self._dispatch_faults(method, url, body)
        if method == "GET" and url.path == "/":
            return self._send(200, render_page(self.simulator), "text/html")
        if method == "GET" and url.path == "/api/state":
            return self._send(200, self.simulator.snapshot())
        if method == "GET" and url.path == "/api/version":
            return self._send(200, {"version": self.simulator.version})
        if method == "POST" and url.path == "/send":
            form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
            self.simulator.send(
                form.get("channel") or "x_public",
                form.get("text"),
                person=form.get("person") or 0,
                conversation_id=form.get("conversation") or None,
            )
            return self._send(303, "", "text/plain", [("Location", "/")])
        if method == "POST" and url.path == "/api/send":
            try:
                data = json.loads(body or b"{}")
                conversation, message = self.simulator.send(
                    data.get("channel") or "x_public",
                    data.get("text"),
                    person=data.get("person") or 0,
                    conversation_id=data.get("conversation"),
                    reply_to=data.get("reply_to"),
                )
            except (ValueError, TypeError) as error:
                return self._send(400, {"error": str(error)})
            return self._send(
                200, {"conversation": conversation["id"], "message": message}
            )
        if method == "POST" and url.path in ("/api/x/post", "/api/x/edit"):
            try:
                data = json.loads(body or b"{}")
                if url.path == "/api/x/post":
                    conversation, message = self.simulator.x_brand_post(
                        str(data.get("text") or "A post of the account")
                    )
                else:
                    conversation, message = self.simulator.x_edit(
                        str(data.get("id") or ""), str(data.get("text") or "")
                    )
            except (ValueError, TypeError) as error:
                return self._send(400, {"error": str(error)})
            return self._send(
                200, {"conversation": conversation["id"], "message": message}
            )
        if method == "POST" and url.path == "/api/burst":
            sent = self.simulator.burst()
            return self._send(200, {"sent": [m for _c, m in sent]})
        return self._send(404, {"error": "not found", "simulator": LABEL})

    def _dispatch_faults(self, method, url, body):
        """Fault injection from a live demo, and the media files of bad-media tests.

        - ``POST /api/faults`` with JSON ``{"kind", "path", "method", "times",
          "status", "seconds", "code"}`` (see ``Simulator.inject_fault``);
        - ``GET /api/faults``: the faults not used up yet;
        - ``POST /api/faults/clear``: forget them;
        - ``GET /media/<name>``: see ``Simulator.media``.
        """
        if method == "POST" and url.path == "/api/faults":
            try:
                options = json.loads(body or b"{}")
                fault = self.simulator.inject_fault(**options)
            except (ValueError, TypeError, re.error) as error:
                return self._send(400, {"error": str(error)})
            return self._send(200, fault)
        if method == "GET" and url.path == "/api/faults":
            return self._send(200, {"faults": list(self.simulator.faults)})
        if method == "POST" and url.path == "/api/faults/clear":
            self.simulator.clear_faults()
            return self._send(200, {"faults": []})
        if method == "GET" and url.path.startswith("/media/"):
            name = url.path[len("/media/") :]
            if url.query:
                name = f"{name}?{url.query}"
            status, content_type, data, headers = self.simulator.media(name)
            try:
                return self._send(status, data, content_type, headers)
            except (BrokenPipeError, ConnectionResetError):
                return None  # the client stopped reading (a file too large)
        return self._send(404, {"error": "not found", "simulator": LABEL})

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self):  # noqa: N802 (X: PUT /2/webhooks/:id re-runs the CRC)
        self._dispatch("PUT")

    def do_DELETE(self):  # noqa: N802 (X: DELETE /2/activity/subscriptions/:id)
        self._dispatch("DELETE")


def make_server(simulator, host="127.0.0.1", port=8071, verbose=False):
    """A threading HTTP server for ``simulator`` (port 0: any free port)."""
    handler = type("BoundHandler", (Handler,), {"simulator": simulator})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.verbose = verbose
    if not getattr(simulator, "base_url", None):
        simulator.base_url = f"http://{host}:{server.server_port}"
    return server


def serve_in_thread(simulator, host="127.0.0.1", port=0):
    """Start a server in a daemon thread; returns it (``server.server_port``)."""
    server = make_server(simulator, host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


# ----------------------------------------------------------------------
# The page
# ----------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f6;color:#222}
header{background:#7c2d12;color:#fff;padding:12px 20px}
header h1{margin:0;font-size:20px} header p{margin:4px 0 0;font-size:13px}
main{display:grid;grid-template-columns:340px 1fr;gap:16px;padding:16px}
section,article{background:#fff;border-radius:8px;padding:12px;
box-shadow:0 1px 2px #0002}
article{margin-bottom:12px} h2{font-size:15px;margin:0 0 8px}
.in,.out{padding:6px 10px;border-radius:8px;margin:6px 0;max-width:80%}
.in{background:#e8eefc} .out{background:#e5f6e9;margin-left:auto}
.meta{font-size:11px;color:#666} .bad{color:#b91c1c}
form{margin:8px 0} textarea{width:100%;box-sizing:border-box}
select,button{margin-top:4px} .tag{font-size:11px;background:#eee;
border-radius:4px;padding:1px 5px;margin-left:6px}
.portal{border:2px dashed #7c2d12;padding:8px;margin-bottom:12px}
.keys td{font-size:12px;padding:1px 4px} h3{font-size:13px;margin:6px 0 2px}
"""

SCRIPT = """
let seen = null;
async function poll() {
  try {
    const answer = await fetch('/api/version');
    const {version} = await answer.json();
    const typing = [...document.querySelectorAll('textarea')].some(t => t.value);
    if (seen !== null && version !== seen && !typing) { location.reload(); }
    if (seen === null || !typing) { seen = version; }
  } catch (e) {}
  setTimeout(poll, 2000);
}
poll();
"""


def _e(value):
    return html.escape(str(value if value is not None else ""))


def _message_html(message, customer):
    inbound = message.get("direction") == "in"
    author = message.get("author") or customer
    if message.get("kind") == "post":
        who = f"{author.get('name')} (the account's own post)"
    else:
        who = author.get("name") if inbound else "Agent (sent by Odoo)"
    details = [message.get("kind") or "", message.get("at") or ""]
    delivery = message.get("delivery")
    if inbound and delivery:
        status = delivery.get("status")
        cls = "" if status == 200 else " bad"
        details.append(f"<span class='{cls}'>webhook: HTTP {_e(status)}</span>")
    elif inbound:
        details.append("delivering…")
    return (
        f"<div class='{'in' if inbound else 'out'}'><b>{_e(who)}</b>: "
        f"{_e(message.get('text'))}<div class='meta'>id {_e(message.get('id'))} · "
        f"{' · '.join(d if d.startswith('<span') else _e(d) for d in details if d)}"
        "</div></div>"
    )


def _people_options(simulator, channel):
    people = simulator.config.people[NETWORK[channel]]
    return "".join(
        f"<option value='{i}'>{_e(p['name'])}</option>" for i, p in enumerate(people)
    )


def render_page(simulator):
    state = simulator.snapshot()
    forms = []
    for channel, label in CHANNELS.items():
        forms.append(
            f"<form method='post' action='/send'><h2>New {_e(label)}</h2>"
            f"<input type='hidden' name='channel' value='{channel}'>"
            f"<select name='person'>{_people_options(simulator, channel)}</select>"
            "<textarea name='text' rows='2' placeholder='What the customer writes'>"
            "</textarea><button>Send as the customer</button></form>"
        )
    articles = []
    for conversation in state["conversations"]:
        customer = conversation.get("customer") or {}
        messages = "".join(
            _message_html(m, customer) for m in conversation.get("messages") or []
        )
        follow_up = (
            ""
            if conversation["id"] == "unmatched" or conversation.get("reply_only")
            else "<form method='post' action='/send'>"
            "<input type='hidden' name='conversation' "
            f"value='{_e(conversation['id'])}'>"
            "<textarea name='text' rows='1' placeholder='The customer answers…'>"
            "</textarea><button>Send</button></form>"
        )
        articles.append(
            f"<article><h2>{_e(conversation.get('label'))} · "
            f"{_e(customer.get('name'))}<span class='tag'>{_e(conversation['id'])}"
            f"</span></h2>{messages}{follow_up}</article>"
        )
    if not articles:
        articles.append(
            "<article>No conversation yet: send a customer message on the left."
            "</article>"
        )
    config = simulator.config
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{_e(LABEL)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{_e(LABEL)}</h1><p>Fictional customers write to the "
        f"sandbox accounts @{_e(config.x_handle)} (X), {_e(config.page_name)} "
        f"(Facebook, Messenger) and @{_e(config.ig_username)} (Instagram). "
        "Their messages go to Odoo as signed webhook deliveries; the agents' "
        "replies come back here through the connectors. Odoo: "
        f"<a style='color:#fff' href='{_e(config.odoo_url)}'>{_e(config.odoo_url)}"
        "</a></p></header><main><section>"
        f"{render_portal(simulator)}"
        f"{''.join(forms)}</section><div>{''.join(articles)}</div></main>"
        f"<script>{SCRIPT}</script></body></html>"
    )
