"""Meta signed requests, Graph versions, sending limits and error classification."""

import base64
import hashlib
import hmac
import json
from datetime import date, datetime, timedelta

import pytest

from odoo.addons.social_care.tools.normalized import PayloadError
from odoo.addons.social_care_meta.tools.graph_version import (
    DEFAULT_VERSION,
    VERSIONS,
    days_until_end_of_life,
    is_near_end_of_life,
    normalize_version,
)
from odoo.addons.social_care_meta.tools.meta_errors import (
    classify_error,
    parse_usage_headers,
)
from odoo.addons.social_care_meta.tools.meta_limits import (
    Window,
    check_length,
    messaging_window,
    private_reply_allowed,
)
from odoo.addons.social_care_meta.tools.meta_signed_request import (
    make_signed_request,
    parse_signed_request,
)

SECRET = "fake-app-secret-for-tests"
NOW = 1788256800.0  # 2026-09-01 10:00 UTC
# Built at run time: shaped like a Meta token, obviously fake.
TOKEN = "EAA" + "FakeTokenForTestsOnly" + "0123456789abcdef"

# --- signed request -----------------------------------------------------------


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_signed_request_round_trip():
    signed = make_signed_request(
        {"user_id": "7012345678901234", "issued_at": 1}, SECRET
    )
    assert parse_signed_request(signed, SECRET) == {
        "algorithm": "HMAC-SHA256",
        "user_id": "7012345678901234",
        "issued_at": 1,
    }


def test_signed_request_built_by_hand_as_facebook_does():
    payload = b64url(
        b'{"algorithm":"HMAC-SHA256","issued_at":1788256800,"user_id":"42"}'
    )
    signature = b64url(
        hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).digest()
    )
    assert parse_signed_request(f"{signature}.{payload}", SECRET)["user_id"] == "42"
    assert parse_signed_request(f"{signature}.{payload}", SECRET.encode())[
        "issued_at"
    ] == (1788256800)


def forged(payload_bytes, secret=SECRET):
    payload = b64url(payload_bytes)
    signature = b64url(
        hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    )
    return f"{signature}.{payload}"


@pytest.mark.parametrize(
    ("signed", "secret"),
    [
        (make_signed_request({"user_id": "1"}, "another-secret"), SECRET),
        (make_signed_request({"user_id": "1"}, SECRET), ""),
        (make_signed_request({"user_id": "1"}, SECRET), None),
        (
            make_signed_request({"user_id": "1", "algorithm": "HMAC-SHA1"}, SECRET),
            SECRET,
        ),
        (make_signed_request({"user_id": "1", "algorithm": 256}, SECRET), SECRET),
        (forged(b'{"user_id":"1"}'), SECRET),
        (forged(b"not json"), SECRET),
        (forged(b'["HMAC-SHA256"]'), SECRET),
        (forged(b"\xff\xfe"), SECRET),
        ("no-dot-here", SECRET),
        ("a.b.c", SECRET),
        (".", SECRET),
        ("s!g.p@yload", SECRET),
        ("sïg.payload", SECRET),
        (None, SECRET),
        (12, SECRET),
    ],
)
def test_bad_signed_request_raises_payload_error(signed, secret):
    with pytest.raises(PayloadError):
        parse_signed_request(signed, secret)


# Issue 11: what an outsider may POST as signed_request never raises anything
# but PayloadError, and an old request is refused.


@pytest.mark.parametrize("length", [1, 5, 9, 41, 45])  # 4k+1: not base64 at all
def test_signature_of_length_4k_plus_1_is_a_payload_error(length):
    payload = make_signed_request({"user_id": "1"}, SECRET).split(".")[1]
    with pytest.raises(PayloadError, match="base64url"):
        parse_signed_request("A" * length + "." + payload, SECRET)


def test_signed_payload_of_length_4k_plus_1_is_a_payload_error():
    payload = "e" * 45
    signature = b64url(
        hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).digest()
    )
    with pytest.raises(PayloadError):
        parse_signed_request(f"{signature}.{payload}", SECRET)


def test_issued_at_is_checked_when_a_max_age_is_given():
    # Meta's data deletion example carries issued_at (a UNIX time in seconds).
    def parse(issued_at, now=NOW):
        signed = make_signed_request({"user_id": "1", "issued_at": issued_at}, SECRET)
        return parse_signed_request(signed, SECRET, max_age=3600, now=now)

    assert parse(int(NOW) - 3599)["user_id"] == "1"
    assert parse(int(NOW) + 60)["user_id"] == "1"  # small clock skew
    for issued_at in (int(NOW) - 3601, int(NOW) + 3600, None, "1788256800", True):
        with pytest.raises(PayloadError, match="issued|old"):
            parse(issued_at)


def test_make_signed_request_dates_it_as_facebook_does():
    signed = make_signed_request({"user_id": "1"}, SECRET)
    data = parse_signed_request(signed, SECRET, max_age=60)
    assert isinstance(data["issued_at"], int)


def test_tampered_payload_is_refused():
    signature, _payload = make_signed_request({"user_id": "1"}, SECRET).split(".")
    other = make_signed_request({"user_id": "2"}, SECRET).split(".")[1]
    with pytest.raises(PayloadError, match="signature"):
        parse_signed_request(f"{signature}.{other}", SECRET)


# --- Graph versions -----------------------------------------------------------


@pytest.mark.parametrize("value", ["26", "26.0", "v26.0", "V26.0", " v26 ", 26])
def test_normalize_version(value):
    assert normalize_version(value) == "v26.0"


def test_normalize_keeps_minor_versions():
    assert normalize_version("2.8") == "v2.8"


@pytest.mark.parametrize(
    "value", ["", "v", "latest", "26.0.1", "v26.0a", "٢٦", None, True, 26.0, "v-1"]
)
def test_normalize_version_rejects_garbage(value):
    with pytest.raises(ValueError, match="Graph API version"):
        normalize_version(value)


def test_version_table():
    assert DEFAULT_VERSION == "v26.0"
    assert VERSIONS["v26.0"] == (date(2026, 7, 29), None)
    assert VERSIONS["v25.0"] == (date(2026, 2, 18), date(2028, 7, 29))
    assert VERSIONS["v20.0"] == (date(2024, 5, 21), date(2026, 9, 24))
    for released, until in VERSIONS.values():
        assert until is None or until >= released + timedelta(days=365 * 2)


@pytest.mark.parametrize(
    ("version", "today", "days"),
    [
        ("v25.0", date(2028, 4, 30), 90),
        ("25", date(2026, 9, 1), 697),
        ("v20.0", date(2026, 9, 1), 23),
        ("v20.0", date(2026, 10, 1), -7),
        ("v26.0", date(2026, 9, 1), None),
        ("v27.0", date(2026, 9, 1), None),
        ("v19.0", date(2026, 9, 1), 23),  # older than the table: ends by v20.0's date
        ("v2.8", date(2026, 9, 1), 23),
    ],
)
def test_days_until_end_of_life(version, today, days):
    assert days_until_end_of_life(version, today) == days


@pytest.mark.parametrize(
    ("version", "today", "near"),
    [
        ("v25.0", date(2028, 4, 30), True),
        ("v25.0", date(2028, 4, 29), False),
        ("v20.0", date(2026, 9, 1), True),
        ("v20.0", date(2027, 1, 1), True),
        ("v26.0", date(2030, 1, 1), False),
        ("v21.0", date(2026, 9, 1), False),
    ],
)
def test_is_near_end_of_life(version, today, near):
    assert is_near_end_of_life(version, today) is near


def test_is_near_end_of_life_custom_margin():
    assert is_near_end_of_life("v21.0", date(2026, 9, 1), days=200) is True


# --- limits -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "fits", "too_long"),
    [
        ("messenger", "a" * 2000, "a" * 2001),
        ("facebook_comment", "a" * 8000, "a" * 8001),
        ("instagram_comment", "ä" * 2200, "ä" * 2201),
        ("instagram_dm", "ä" * 500, "ä" * 501),
        ("instagram_dm", "a" * 1000, "a" * 999 + "😀"),
    ],
)
def test_check_length(channel, fits, too_long):
    assert check_length(channel, fits) is None
    assert check_length(channel, too_long)


def test_check_length_sentences():
    assert check_length("messenger", "x" * 2345) == (
        "Messenger messages are limited to 2,000 characters; this one has 2,345."
    )
    assert check_length("instagram_dm", "ö" * 600) == (
        "Instagram direct messages are limited to 1,000 bytes; this one has 1,200. "
        "Letters outside plain ASCII count as 2 to 4 bytes each."
    )
    with pytest.raises(ValueError, match="x_dm"):
        check_length("x_dm", "hi")


LAST = datetime(2026, 9, 1, 10, 0)


@pytest.mark.parametrize("channel", ["messenger", "instagram_dm"])
@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (timedelta(0), Window("open", LAST + timedelta(hours=24), "RESPONSE", None)),
        (
            timedelta(hours=23, minutes=59),
            Window("open", LAST + timedelta(hours=24), "RESPONSE", None),
        ),
        (
            timedelta(hours=24),
            Window(
                "human_agent", LAST + timedelta(days=7), "MESSAGE_TAG", "HUMAN_AGENT"
            ),
        ),
        (
            timedelta(days=6, hours=23),
            Window(
                "human_agent", LAST + timedelta(days=7), "MESSAGE_TAG", "HUMAN_AGENT"
            ),
        ),
        (timedelta(days=7), Window("closed", LAST + timedelta(days=7), None, None)),
        (timedelta(days=30), Window("closed", LAST + timedelta(days=7), None, None)),
    ],
)
def test_messaging_window(channel, elapsed, expected):
    assert messaging_window(channel, LAST, LAST + elapsed) == expected


def test_messaging_window_without_customer_message_and_wrong_channel():
    assert messaging_window("messenger", None, LAST) == Window(
        "closed", None, None, None
    )
    with pytest.raises(ValueError):
        messaging_window("facebook_comment", LAST, LAST)


def test_private_reply_allowed():
    assert private_reply_allowed(LAST, LAST + timedelta(days=6), False) is None
    assert private_reply_allowed(LAST, LAST + timedelta(hours=1), True) == (
        "A private reply was already sent: Meta allows one per comment."
    )
    assert private_reply_allowed(LAST, LAST + timedelta(days=7), False) == (
        "Private replies are possible only within 7 days of the comment; "
        "this one was written on 2026-09-01 10:00 UTC."
    )


# --- errors -------------------------------------------------------------------


def graph_error(code, subcode=None, message="(#0) Something happened", **extra):
    error = {"message": message, "type": "OAuthException", "code": code}
    error["fbtrace_id"] = "AbCdEfFakeTrace"
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    return error


@pytest.mark.parametrize(
    ("status", "error", "kind"),
    [
        (500, graph_error(1, message="An unknown error occurred"), "transient"),
        (500, graph_error(2, message="Service temporarily unavailable"), "transient"),
        (
            400,
            graph_error(4, message="(#4) Application request limit reached"),
            "rate_limited",
        ),
        (
            400,
            graph_error(17, message="(#17) User request limit reached"),
            "rate_limited",
        ),
        (
            400,
            graph_error(32, message="(#32) Page request limit reached"),
            "rate_limited",
        ),
        (400, graph_error(341), "rate_limited"),
        (400, graph_error(613), "rate_limited"),
        (400, graph_error(80001), "rate_limited"),
        (400, graph_error(80002), "rate_limited"),
        (400, graph_error(80006), "rate_limited"),
        (400, graph_error("4"), "rate_limited"),
        (
            400,
            graph_error(
                10, 2018278, "(#10) This message is sent outside of allowed window."
            ),
            "window_closed",
        ),
        (
            403,
            graph_error(10, message="(#10) Application does not have permission"),
            "permission",
        ),
        (403, graph_error(200), "permission"),
        (403, graph_error(299), "permission"),
        (
            400,
            graph_error(551, 1545041, "This person isn't available right now."),
            "user_unavailable",
        ),
        (
            400,
            graph_error(368, 1390008, "It looks like you were misusing this feature"),
            "policy",
        ),
        (400, graph_error(506, message="Duplicate status message"), "duplicate"),
        (400, graph_error(100, 33, "Unsupported post request."), "invalid"),
        (400, graph_error(12345, is_transient=True), "transient"),
        (502, graph_error(12345), "transient"),
        (None, None, "transient"),
        (503, None, "transient"),
        (429, None, "rate_limited"),
        (401, None, "auth"),
        (403, None, "permission"),
        (404, {"unexpected": "shape"}, "invalid"),
    ],
)
def test_classify_error_kinds(status, error, kind):
    result = classify_error(status, error, {}, NOW)
    assert result.kind == kind
    assert result.message.endswith((".", ")"))
    assert result.retryable is (kind in ("rate_limited", "transient"))
    assert (result.retry_at is not None) is (kind == "rate_limited")


@pytest.mark.parametrize(
    ("subcode", "words"),
    [
        (458, "no longer installed"),
        (459, "security checkpoint"),
        (460, "changed their Facebook password"),
        (463, "has expired"),
        (464, "not confirmed"),
        (467, "no longer valid"),
        (None, "refused the access token"),
    ],
)
def test_auth_subcodes_have_specific_messages(subcode, words):
    error = graph_error(
        190, subcode, "Error validating access token: Session has expired"
    )
    result = classify_error(400, error, None, NOW)
    assert result.kind == "auth"
    assert (result.code, result.subcode) == (190, subcode)
    assert words in result.message
    assert "reconnect the account" in result.message


def test_permission_message_names_the_missing_permission():
    error = graph_error(
        200, message="(#200) Requires pages_messaging permission to manage"
    )
    result = classify_error(403, {"error": error}, None, NOW)
    assert result.kind == "permission"
    assert result.message.startswith(
        "The connected account lacks the pages_messaging permission: reconnect it "
        "and grant pages_messaging"
    )
    assert result.message.endswith(
        "Facebook said: (#200) Requires pages_messaging permission to manage (code 200)"
    )
    generic = classify_error(
        403, graph_error(10, message="(#10) Not allowed"), None, NOW
    )
    assert "lacks a permission" in generic.message


def test_window_closed_message_says_what_to_do():
    error = graph_error(
        10, 2018278, "(#10) This message is sent outside of allowed window."
    )
    result = classify_error(400, error, None, NOW)
    assert "wait for them to write again" in result.message
    assert result.message.endswith("(code 10/2018278)")


def test_error_messages_never_contain_tokens():
    error = graph_error(
        190,
        467,
        f"Invalid OAuth access token - Cannot parse access token: {TOKEN} "
        f"(https://graph.facebook.com/v26.0/me?access_token={TOKEN[:20]}"
        "&appsecret_proof=0123456789abcdef)",
    )
    message = classify_error(400, error, None, NOW).message
    assert "EAAFakeToken" not in message
    assert "0123456789abcdef" not in message
    assert "[token]" in message and "access_token=[hidden]" in message


def test_rate_limit_retry_at_from_business_use_case_header():
    headers = {
        "x-business-use-case-usage": json.dumps(
            {
                "104857630123456": [
                    {
                        "type": "pages",
                        "call_count": 100,
                        "total_cputime": 12,
                        "total_time": 20,
                        "estimated_time_to_regain_access": 17,
                    }
                ]
            }
        ),
    }
    result = classify_error(400, graph_error(80001), headers, NOW)
    assert result.retry_at == NOW + 17 * 60
    assert "in about 17 minutes" in result.message


def test_rate_limit_retry_at_defaults_to_five_minutes():
    headers = {"X-App-Usage": '{"call_count":100,"total_cputime":40,"total_time":55}'}
    assert classify_error(400, graph_error(4), headers, NOW).retry_at == NOW + 300
    assert classify_error(429, None, None, NOW).retry_at == NOW + 300
    zero = {
        "X-Business-Use-Case-Usage": '{"1":[{"estimated_time_to_regain_access":0}]}'
    }
    assert classify_error(400, graph_error(32), zero, NOW).retry_at == NOW + 300


@pytest.mark.parametrize(
    ("status", "error", "headers"),
    [
        ("x", "junk", 123),
        (400, {"error": "junk"}, {"X-App-Usage": "{not json"}),
        (400, {"code": True, "error_subcode": [1]}, {None: "x", 1: 2}),
        (400, graph_error(4), {"X-App-Usage": "[1, 2]"}),
        (400, graph_error(4), {"X-Business-Use-Case-Usage": '{"1": "x", "2": [3]}'}),
        (400, graph_error(4), {"X-App-Usage": '{"call_count": 1e400}'}),
        (400, graph_error(4), {"X-App-Usage": b'{"call_count": 1}'}),
        (400, {"code": "9" * 50, "message": 42}, None),
    ],
)
def test_classify_error_never_raises(status, error, headers):
    result = classify_error(status, error, headers, NOW)
    assert result.kind in ("transient", "invalid", "rate_limited")


def test_parse_usage_headers():
    headers = {
        "X-App-Usage": '{"call_count":28,"total_cputime":25,"total_time":25}',
        "X-Page-Usage": '{"call_count":3,"total_cputime":1,"total_time":2}',
        "X-Business-Use-Case-Usage": json.dumps(
            {
                "104857630123456": [
                    {
                        "type": "pages",
                        "call_count": 12,
                        "total_cputime": 95,
                        "total_time": 9,
                    },
                    {"type": "messenger", "call_count": 40, "total_time": 1},
                ]
            }
        ),
    }
    assert parse_usage_headers(headers) == 95.0
    assert parse_usage_headers({"x-app-usage": '{"call_count": 7}'}) == 7.0
    assert parse_usage_headers({}) == 0.0
    assert parse_usage_headers(None) == 0.0
    assert parse_usage_headers({"X-App-Usage": "{oops"}) == 0.0
    assert parse_usage_headers({"Content-Type": '{"call_count": 99}'}) == 0.0


def test_parse_usage_headers_with_requests_headers():
    requests = pytest.importorskip("requests")
    headers = requests.structures.CaseInsensitiveDict(
        {"X-App-Usage": '{"total_time":88}'}
    )
    assert parse_usage_headers(headers) == 88.0
