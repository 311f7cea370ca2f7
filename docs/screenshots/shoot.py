"""The README screenshots, taken with headless Chromium (DevTools protocol).

Serve a database prepared with demo_data.py, then:

    .venv/bin/python docs/screenshots/shoot.py [http://127.0.0.1:8869] [sc_shots]

Logs in as admin/admin and writes ticket-form.png, delivery.png, composer.png
and report.png next to this file. The ticket shots have the chatter's "Send
message" open, with the composer's reply status (destination, characters left,
window); delivery.png shows, under each agent reply on Messenger, where it is
(a photo sent, a reply failed with why and Retry).
Customers' emoji need a colour emoji font (apt-get install fonts-noto-color-emoji).
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

import requests
import websocket

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8869"
DB = sys.argv[2] if len(sys.argv) > 2 else "sc_shots"
OUT = os.path.dirname(os.path.abspath(__file__))
W, H = 1600, 1000

session = requests.Session()
r = session.post(
    f"{BASE}/web/session/authenticate",
    json={
        "jsonrpc": "2.0",
        "params": {"db": DB, "login": "admin", "password": "admin"},
    },
)
r.raise_for_status()
sid = session.cookies["session_id"]


def find_ticket(domain):
    return session.post(
        f"{BASE}/web/dataset/call_kw",
        json={
            "jsonrpc": "2.0",
            "params": {
                "model": "helpdesk.ticket",
                "method": "search",
                "args": [domain],
                "kwargs": {"limit": 1},
            },
        },
    ).json()["result"][0]


TICKET = find_ticket([("name", "like", "blue running shoes")])
MESSENGER_TICKET = find_ticket([("name", "like", "order SC-2317")])

profile = tempfile.mkdtemp(prefix="shots_chrome_")
chrome = subprocess.Popen(
    [
        "chromium",
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--remote-debugging-port=9333",
        f"--user-data-dir={profile}",
        f"--window-size={W},{H}",
        "--no-first-run",
        "about:blank",
    ],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)
try:
    for _ in range(50):
        try:
            pages = requests.get("http://127.0.0.1:9333/json").json()
            page = next(p for p in pages if p["type"] == "page")
            break
        except Exception:
            time.sleep(0.2)
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
    counter = [0]

    def cdp(method, **params):
        counter[0] += 1
        ws.send(json.dumps({"id": counter[0], "method": method, "params": params}))
        while True:
            msg = json.loads(ws.recv())
            if msg.get("id") == counter[0]:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg.get("result")

    def js(expr):
        res = cdp(
            "Runtime.evaluate", expression=expr, awaitPromise=True, returnByValue=True
        )
        if res.get("exceptionDetails"):
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")

    def wait(selector, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if js(f"!!document.querySelector({json.dumps(selector)})"):
                return
            time.sleep(0.3)
        raise TimeoutError(selector)

    def click(selector):
        wait(selector)
        js(f"document.querySelector({json.dumps(selector)}).click()")

    def shot(name, width=W, height=H, clip=None):
        """Save the page, or what of it the ``clip`` selector covers down to the end."""
        cdp(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        time.sleep(1.5)
        # Transient notifications ("The page is out of date") are not the product.
        js("document.querySelectorAll('.o_notification_close').forEach(b => b.click())")
        time.sleep(0.5)
        params = {}
        if clip:
            rect = js(
                f"(r => [r.left, r.top])(document.querySelector({json.dumps(clip)})"
                ".getBoundingClientRect())"
            )
            params["clip"] = {
                "x": rect[0],
                "y": rect[1],
                "width": width - rect[0],
                "height": height - rect[1],
                "scale": 1,
            }
        data = cdp("Page.captureScreenshot", format="png", **params)["data"]
        with open(f"{OUT}/{name}", "wb") as f:
            f.write(base64.b64decode(data))
        print("saved", name)

    cdp("Page.enable")
    cdp("Runtime.enable")
    cdp(
        "Emulation.setDeviceMetricsOverride",
        width=W,
        height=H,
        deviceScaleFactor=1,
        mobile=False,
    )
    cdp("Network.enable")
    cdp("Network.setCookie", name="session_id", value=sid, domain="127.0.0.1", path="/")

    def open_ticket(ticket_id):
        cdp(
            "Page.navigate",
            url=f"{BASE}/odoo/action-social_care.helpdesk_ticket_social_action/"
            f"{ticket_id}",
        )
        wait(".o_form_view .alert-info")
        wait(".o-mail-Message")
        click(".o-mail-Chatter-topbar button.o-mail-Chatter-sendMessage")
        wait(".o-mail-Composer .o_social_care_reply_status")

    # 1. The social ticket form, "Send message" open: where the reply goes.
    open_ticket(TICKET)
    shot("ticket-form.png")

    # 2. The delivery of replies on Messenger: the photo sent, the next reply
    # failed with Facebook's reason and Retry, the chatter scrolled to both.
    open_ticket(MESSENGER_TICKET)
    wait(".o-social-care-delivery[data-state='failed']")
    wait(".o-mail-Chatter .o-mail-AttachmentImage img")
    js("""new Promise(done => {
        const img = document.querySelector(
            '.o-mail-Chatter .o-mail-AttachmentImage img');
        if (img.complete) { done(true); } else { img.onload = () => done(true); }
    })""")
    js("""(() => {
        const failed = document
            .querySelector(".o-social-care-delivery[data-state='failed']")
            .closest('.o-mail-Message');
        const composer = document.querySelector('.o-mail-Chatter-top');
        let box = failed.parentElement;
        while (box.scrollHeight <= box.clientHeight) { box = box.parentElement; }
        box.scrollTop += failed.getBoundingClientRect().top
            - composer.getBoundingClientRect().bottom - 12;
        return true;
    })()""")
    shot("delivery.png", clip=".o-mail-Form-chatter")

    # 3. The composer on Messenger: a reply being written, counted, and the
    # time left in the messaging window.
    js("""(() => {
        let box = document.querySelector('.o-mail-Chatter .o-mail-Message')
            .parentElement;
        while (box.scrollHeight <= box.clientHeight) { box = box.parentElement; }
        box.scrollTop = 0;
        return true;
    })()""")
    js("""(() => {
        const el = document.querySelector('.o-mail-Composer-input');
        el.focus();
        document.execCommand('insertText', false,
            'Hi Giulia, the new pair left our warehouse this morning: you can '
            + 'follow it at https://track.example.com/claims/SC-2317');
        return true;
    })()""")
    time.sleep(0.5)
    shot("composer.png")

    # 4. Response Times by Channel.
    cdp(
        "Page.navigate",
        url=f"{BASE}/odoo/action-social_care.helpdesk_ticket_response_report_action",
    )
    wait(".o_pivot table")
    shot("report.png", 2240, 640)
finally:
    chrome.terminate()
    chrome.wait(10)
