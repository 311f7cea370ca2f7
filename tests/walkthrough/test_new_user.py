"""A new user's first hour, as they would live it, in Chromium without debug mode.

Apps → search "Social Care" → install the X and Meta connectors (which pull
helpdesk_mgmt and crm) → Helpdesk › Social Care › Apps: an X app and a Meta
app with the keys the simulator's "developer portal" shows → connect the
accounts through the simulator's consent pages → register the webhooks (the
simulator checks Odoo's URL, then knows where to deliver) → customers write →
tickets → a reply from the chatter reaches the simulator → the report.

Screenshots of every step: ``var/test-logs/walkthrough/``.
"""

import re
import time

from playwright.sync_api import expect

from .conftest import SHOTS, Rpc

INSTALL_TIMEOUT = 240_000  # ms: installing helpdesk_mgmt, crm, mail on a slow machine
STEP_TIMEOUT = 30_000
expect.set_options(timeout=STEP_TIMEOUT)
REPLY = "Sorry about the screen! We are sending a new one today."


class Walk:
    """The admin's browser, with one screenshot per step."""

    def __init__(self, page, odoo_url):
        self.page, self.url, self.step = page, odoo_url, 0

    def shot(self, name, page=None):
        self.step += 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        (page or self.page).screenshot(path=str(SHOTS / f"{self.step:02d}-{name}.png"))

    def wait_ready(self, timeout=None):
        """The web client is idle: no RPC blocking the UI.

        ``timeout`` (ms): after installing, the reloaded client first builds
        the new asset bundles, which takes longer than a click on a busy machine.
        """
        expect(self.page.locator(".o_main_navbar")).to_be_visible(timeout=timeout)
        expect(self.page.locator(".o_blockUI")).to_have_count(0, timeout=timeout)

    def open_app(self, name):
        self.page.locator(".o_navbar_apps_menu button").click()
        self.page.locator(".o-dropdown--menu .dropdown-item").filter(
            has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")
        ).click()
        expect(self.page.locator(".o_menu_brand")).to_have_text(name)

    def open_menu(self, section, item=None):
        self.page.locator(".o_menu_sections").get_by_text(
            section, exact=True
        ).first.click()
        if item:
            self.page.locator(".o-dropdown--menu .dropdown-item").filter(
                has_text=re.compile(rf"^\s*{re.escape(item)}\s*$")
            ).click()
        expect(self.page.locator(".o_breadcrumb")).to_contain_text(item or section)

    def field(self, name):
        return self.page.locator(f".o_form_view .o_field_widget[name='{name}']")

    def fill(self, values):
        for name, value in values.items():
            widget = self.field(name)
            if widget.locator("select").count():
                widget.locator("select").select_option(label=value)
            else:
                field = widget.locator("input")
                field.fill(value)
                # A char field takes its value on change: leave it, as a person
                # does, before the next click saves the record.
                field.blur()
                expect(field).to_have_value(value)

    def button(self, name):
        return self.page.locator(f".o_form_view button[name='{name}']")

    def notification(self, text):
        expect(
            self.page.locator(".o_notification").filter(has_text=text)
        ).to_be_visible(timeout=STEP_TIMEOUT)


def _install(walk, rpc, card_title):
    page = walk.page
    walk.open_app("Apps")
    page.locator(".o_searchview_input").fill("Social Care")
    page.keyboard.press("Enter")
    card = page.locator(".o_kanban_record").filter(has_text=card_title)
    expect(card).to_have_count(1)
    # The card a new user decides on: icon, name and what the module does.
    expect(card.locator("img.oe_module_icon, img")).to_be_visible()
    summary = rpc.call(
        "ir.module.module",
        "search_read",
        [("shortdesc", "=", card_title)],
        fields=["summary"],
    )[0]["summary"]
    expect(card).to_contain_text(summary)
    walk.shot("apps-" + re.sub(r"\W+", "-", card_title.lower()).strip("-"))
    card.get_by_role("button", name="Activate").click()
    # Installing reloads the web client once done.
    expect(page.locator(".o_searchview_input")).to_have_count(
        0, timeout=INSTALL_TIMEOUT
    )
    walk.wait_ready(timeout=INSTALL_TIMEOUT)


def _portal_keys(sim_page, network):
    """The keys the simulator's developer portal shows for ``network``."""
    table = sim_page.locator(".portal table").nth(0 if network == "x" else 1)
    keys = {}
    for row in table.locator("tr").all():
        label, value = row.locator("td").all_inner_texts()
        keys[label] = value
    return keys


def _wait_for(condition, timeout=60, what="condition"):
    """Poll ``condition()`` (a server-side fact, e.g. tickets created) until true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_new_user_first_hour(fresh_odoo, simulator, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT)
    try:
        _walk(context, fresh_odoo, simulator)
    except Exception:
        for index, page in enumerate(context.pages):
            page.screenshot(path=str(SHOTS / f"failure-{index}.png"))
        raise
    finally:
        context.close()


def _walk(context, fresh_odoo, simulator):
    url, db = fresh_odoo
    page = context.new_page()
    walk = Walk(page, url)
    sim_page = context.new_page()
    sim_page.goto(simulator.base_url)
    walk.shot("simulator-portal", sim_page)

    # Log in as the admin; no debug mode anywhere below.
    page.goto(f"{url}/web/login")
    page.locator("input[name=login]").fill("admin")
    page.locator("input[name=password]").fill("admin")
    page.locator("button[type=submit]").click()
    walk.wait_ready()
    assert "debug" not in page.url
    rpc = Rpc(url, db)
    # Odoo's own onboarding tours (CRM, Discuss) put pointers over the menus
    # the walkthrough clicks; a user can turn them off, and so does the test.
    rpc.call("res.users", "write", [rpc.uid], {"tour_enabled": False})

    # 1. Apps → Social Care → install both connectors.
    _install(walk, rpc, "Social Care: X (Twitter)")
    installed = {
        module["name"]
        for module in rpc.call(
            "ir.module.module",
            "search_read",
            [("state", "=", "installed")],
            fields=["name"],
        )
    }
    assert {"social_care", "social_care_twitter", "helpdesk_mgmt", "crm"} <= installed
    _install(walk, rpc, "Social Care: Facebook, Messenger and Instagram")
    walk.shot("installed")

    # 2. The X app, with the keys from the simulator's developer portal.
    walk.open_app("Helpdesk")
    walk.open_menu("Social Care", "Apps")
    walk.shot("apps-empty")
    page.locator(".o_list_button_add").click()
    x_keys = _portal_keys(sim_page, "x")
    walk.fill(
        {
            "name": "Our X app (simulator)",
            "provider": "X (Twitter)",
        }
    )
    walk.fill(
        {
            "client_key": x_keys["API key"],
            # A copy error the CRC will catch (step 4).
            "client_secret": "typo" + x_keys["API key secret"],
            "twitter_client_id": x_keys["OAuth 2.0 client ID"],
            "twitter_client_secret": x_keys["OAuth 2.0 client secret"],
            "twitter_bearer_token": x_keys["App bearer token"],
            "api_base_url": x_keys["API base URL"],
        }
    )
    walk.shot("x-app-filled")

    # 3. Connect an X account: the simulator's consent page, then back to Odoo.
    walk.button("action_twitter_connect_account").click()
    expect(page.locator("h1")).to_have_text("Authorize Odoo to use @SimSupport?")
    expect(page.locator("header")).to_contain_text("not a real social network")
    walk.shot("x-consent")
    page.get_by_role("button", name="Authorize").click()
    walk.wait_ready()
    expect(walk.field("handle").locator("input")).to_have_value("SimSupport")
    expect(page.locator(".o_statusbar_status .o_arrow_button_current")).to_have_text(
        "Connected"
    )
    walk.shot("x-account-connected")

    # 4. Register the X webhook: the simulator runs the CRC against Odoo.
    walk.open_menu("Social Care", "Apps")
    page.locator(".o_data_row").filter(has_text="Our X app").click()
    walk.button("action_twitter_register_webhook").click()
    dialog = page.locator(".modal-dialog")
    expect(dialog).to_contain_text("CRC validation failed")
    expect(dialog).to_contain_text("API key secret must be the app's")
    walk.shot("x-webhook-crc-failed")
    dialog.locator(".modal-footer button").first.click()
    expect(dialog).to_have_count(0)
    assert not simulator.config.x_app_id
    walk.fill({"client_secret": x_keys["API key secret"]})
    walk.button("action_twitter_register_webhook").click()
    walk.notification("Webhook registered and checked by X; accounts subscribed: 1.")
    walk.shot("x-webhook-registered")
    assert simulator.config.x_app_id

    # 5. The Meta app: connect the Page (and its Instagram), register the webhook.
    walk.open_menu("Social Care", "Apps")
    page.locator(".o_list_button_add").click()
    meta_keys = _portal_keys(sim_page, "meta")
    walk.fill(
        {"name": "Our Meta app (simulator)", "provider": "Meta (Facebook, Instagram)"}
    )
    walk.fill(
        {
            "client_key": meta_keys["App ID"],
            "client_secret": meta_keys["App secret"],
            "verify_token": next(
                value
                for label, value in meta_keys.items()
                if label.startswith("Verify")
            ),
            "api_base_url": meta_keys["API base URL"],
        }
    )
    walk.button("action_meta_register_webhook").click()
    walk.notification("Webhook verified by Meta")
    walk.shot("meta-webhook-registered")
    walk.button("action_meta_connect").click()
    expect(page.locator("h1")).to_have_text(
        "Authorize Odoo to use Sim Bikes and @simbikes?"
    )
    walk.shot("meta-consent")
    page.get_by_role("button", name="Authorize").click()
    walk.wait_ready()
    accounts = page.locator(".o_field_widget[name='account_ids'] .o_data_row")
    expect(accounts).to_have_count(2)
    expect(accounts.filter(has_text="Connected")).to_have_count(2)
    walk.shot("meta-accounts-connected")
    assert simulator.config.meta_app_id
    walk.open_menu("Social Care", "Apps")
    expect(page.locator(".o_data_row")).to_have_count(2)

    # 6. Customers write, on every channel; tickets appear in the helpdesk.
    sent = simulator.burst()
    assert [m["delivery"]["status"] for _c, m in sent] == [200] * len(sent)
    _wait_for(
        lambda: rpc.call(
            "helpdesk.ticket", "search_count", [("social_account_id", "!=", False)]
        )
        >= 6,
        what="six social tickets",
    )
    walk.open_menu("Social Care", "Social Tickets")
    groups = page.locator(".o_group_header")  # grouped by channel
    expect(groups.first).to_be_visible()
    for group in groups.all():
        group.click()
    rows = page.locator(".o_data_row")
    expect(rows).to_have_count(6)
    walk.shot("tickets")

    # 7. Answer the X mention from the chatter; the simulator receives it.
    rows.filter(has_text="cracked screen").first.click()
    page.locator(".o-mail-Chatter-sendMessage").click()
    page.locator(".o-mail-Composer-input").fill(REPLY)
    walk.shot("reply-composed")
    page.locator(".o-mail-Composer-send:not([disabled])").click()
    expect(page.locator(".o-mail-Message").filter(has_text=REPLY)).to_be_visible()
    walk.shot("reply-posted")
    expect(sim_page.locator(".out").filter(has_text=REPLY)).to_be_visible(
        timeout=60_000
    )
    walk.shot("simulator-received-reply", sim_page)

    # 8. The report.
    walk.open_menu("Reporting", "Response Times by Channel")
    expect(page.locator("div.o_pivot")).to_be_visible()
    expect(page.locator("div.o_pivot")).to_contain_text("Total")
    walk.shot("report")
