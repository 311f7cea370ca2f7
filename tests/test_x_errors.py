"""X API failures, classified for the send queue and explained to agents."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.addons.social_care_twitter.tools.x_errors import KINDS, XError, classify_error

NOW = 1_788_256_800.0  # 2026-09-01 10:00 UTC
# Built at run time: shaped like an X bearer token, obviously fake.
FAKE_TOKEN = "A" * 21 + "FaKeToKeN" + "0" * 34


NOT_SUMMONED = (
    "X only lets this app reply publicly to posts that mention or quote the "
    "account; send a direct message instead"
)


def problem(kind, title, detail, status):
    return {
        "type": f"https://api.x.com/2/problems/{kind}",
        "title": title,
        "detail": detail,
        "status": status,
    }


def test_rate_limited_waits_for_the_reset():
    headers = {
        "x-rate-limit-limit": "100",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(int(NOW) + 600),
    }
    body = problem("rate-limit-exceeded", "Too Many Requests", "Too Many Requests", 429)
    error = classify_error(429, body, headers, NOW)
    assert error.kind == "rate_limited"
    assert error.retry_at == NOW + 600
    assert "rate limit" in error.message


def test_rate_limited_waits_at_least_a_minute():
    headers = {"X-Rate-Limit-Reset": str(int(NOW) + 5)}  # header names in any case
    assert classify_error(429, None, headers, NOW).retry_at == NOW + 60
    assert classify_error(429, None, None, NOW).retry_at == NOW + 60
    assert classify_error(429, None, {"x-rate-limit-reset": "soon"}, NOW).retry_at == (
        NOW + 60
    )


def test_rate_limited_by_the_24_hour_window():
    headers = {
        "x-rate-limit-remaining": "12",
        "x-rate-limit-reset": str(int(NOW) + 300),
        "x-user-limit-24hour-limit": "1440",
        "x-user-limit-24hour-remaining": "0",
        "x-user-limit-24hour-reset": str(int(NOW) + 20_000),
        "x-app-limit-24hour-remaining": "900",
        "x-app-limit-24hour-reset": str(int(NOW) + 80_000),
    }
    legacy = {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}
    assert classify_error(429, legacy, headers, NOW).retry_at == NOW + 20_000


def test_usage_capped_does_not_retry():
    body = problem(
        "usage-capped",
        "UsageCapExceeded",
        "Usage cap exceeded: Monthly product cap",
        429,
    )
    error = classify_error(429, body, {"x-rate-limit-reset": str(int(NOW) + 60)}, NOW)
    assert (error.kind, error.retry_at) == ("usage_capped", None)
    assert "credits" in error.message


@pytest.mark.parametrize("status", [None, 500, 502, 503, 504])
def test_transient(status):
    error = classify_error(status, None, None, NOW)
    assert error.kind == "transient"
    assert error.retry_at is None  # the queue's own backoff decides
    assert "retried" in error.message


def test_transient_honours_retry_after():
    error = classify_error(
        503, {"title": "Service Unavailable"}, {"Retry-After": "120"}, NOW
    )
    assert error.retry_at == NOW + 120
    assert "Service Unavailable" in error.message


def test_unauthorized_asks_to_reconnect():
    body = {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": f"Unauthorized: token {FAKE_TOKEN} is invalid",
    }
    error = classify_error(401, body, None, NOW)
    assert error == XError(
        "auth", "the X account's access was revoked or expired: reconnect it"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            problem(
                "about:blank",
                "Forbidden",
                "Reply to this conversation is not allowed because you have not been "
                "mentioned or otherwise engaged by the author of the post you are "
                "replying to.",
                403,
            ),
            NOT_SUMMONED,
        ),
        (
            {
                "errors": [
                    {
                        "code": 433,
                        "message": "The original Tweet author "
                        "restricted who can reply to this Tweet.",
                    }
                ]
            },
            NOT_SUMMONED,
        ),
        (
            {
                "errors": [
                    {"code": 349, "message": "You cannot send messages to this user."}
                ]
            },
            "the customer does not accept direct messages from this account",
        ),
        (
            problem(
                "about:blank",
                "Forbidden",
                "You are not permitted to send a Direct Message to this user.",
                403,
            ),
            "the customer does not accept direct messages from this account",
        ),
    ],
)
def test_forbidden_explains_what_to_do(body, expected):
    error = classify_error(403, body, None, NOW)
    assert (error.kind, error.message, error.retry_at) == ("forbidden", expected, None)


@pytest.mark.parametrize(
    "body",
    [
        problem(
            "client-forbidden",
            "Client Forbidden",
            "This request must be made using an approved developer account that is "
            "enrolled in the requested endpoint.",
            403,
        ),
        problem(
            "oauth1-permissions",
            "Forbidden",
            "Your client app is not configured with the appropriate oauth1 app "
            "permissions for this endpoint.",
            403,
        ),
        {"title": "Forbidden", "detail": "Missing scope dm.write", "status": 403},
    ],
)
def test_forbidden_for_missing_permissions(body):
    error = classify_error(403, body, None, NOW)
    assert error.kind == "forbidden"
    assert error.message.startswith(
        "the X app or the connected account lacks the permission"
    )


def test_other_forbidden_quotes_x():
    body = {
        "errors": [
            {
                "code": 326,
                "message": "To protect our users from spam, this "
                "account is temporarily locked.",
            }
        ]
    }
    error = classify_error(403, body, None, NOW)
    assert error.kind == "forbidden"
    assert error.message == (
        "X refused this action (X said: To protect our users from spam, this account "
        "is temporarily locked.)"
    )


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (
            403,
            {
                "detail": "You are not allowed to create a Tweet with duplicate "
                "content.",
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
            },
        ),
        (403, {"errors": [{"code": 187, "message": "Status is a duplicate."}]}),
        (400, {"title": "Invalid Request", "detail": "Duplicate content"}),
    ],
)
def test_duplicate(status, body):
    error = classify_error(status, body, None, NOW)
    assert error.kind == "duplicate"
    assert "reword" in error.message


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (
            404,
            problem(
                "resource-not-found", "Not Found Error", "Could not find tweet.", 404
            ),
        ),
        (404, None),
        (
            400,
            {
                "errors": [
                    {
                        "code": 385,
                        "message": "You attempted to reply to a Tweet "
                        "that is deleted or not visible to you.",
                    }
                ]
            },
        ),
        (
            403,
            problem(
                "about:blank",
                "Forbidden",
                "The Tweet you are replying to has been deleted or is not visible.",
                403,
            ),
        ),
    ],
)
def test_not_found(status, body):
    error = classify_error(status, body, None, NOW)
    assert error.kind == "not_found"
    assert error.message.startswith("the post or conversation no longer exists on X")


def test_invalid_quotes_x_without_secrets():
    body = {
        "errors": [
            {"parameters": {"text": ["..."]}, "message": "Your Tweet text is too long."}
        ],
        "title": "Invalid Request",
        "detail": f"One or more parameters to your request was invalid. {FAKE_TOKEN}",
        "type": "https://api.x.com/2/problems/invalid-request",
    }
    error = classify_error(400, body, None, NOW)
    assert error.kind == "invalid"
    assert error.message == (
        "X rejected the request as invalid (HTTP 400) (X said: Invalid Request One or "
        "more parameters to your request was invalid. […] Your Tweet text is too long.)"
    )
    assert FAKE_TOKEN not in error.message


@settings(max_examples=200, deadline=None)
@given(
    st.none() | st.integers(100, 599),
    st.none()
    | st.dictionaries(
        st.sampled_from(["title", "detail", "type", "errors", "code", "message"]),
        st.none()
        | st.integers()
        | st.text(max_size=30)
        | st.lists(
            st.dictionaries(
                st.sampled_from(["code", "message", "type"]), st.integers() | st.text()
            )
        ),
    ),
    st.none()
    | st.dictionaries(
        st.sampled_from(
            ["x-rate-limit-reset", "Retry-After", "x-user-limit-24hour-reset"]
        ),
        st.text(max_size=12) | st.sampled_from(["nan", "inf", "1788256900"]),
    ),
)
def test_any_failure_is_classified(status, body, headers):
    error = classify_error(status, body, headers, NOW)
    assert error.kind in KINDS
    assert error.message
    assert error.retry_at is None or error.retry_at >= NOW
