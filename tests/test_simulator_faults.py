"""The simulator's injected faults, read by the connectors' own error classifiers.

Over HTTP, as a live demo drives them: each fault must look to the addons'
pure code (x_errors, meta_errors) exactly like the platform's real failure.
"""

import json
import time

import pytest
import requests

from odoo.addons.social_care_meta.tools import meta_errors
from odoo.addons.social_care_twitter.tools import x_errors

X_AUTH = {"Authorization": "Bearer simulator-token"}


def inject(simulator, **fault):
    return requests.post(f"{simulator.base_url}/api/faults", json=fault, timeout=5)


def x_post(simulator, timeout=5):
    return requests.post(
        f"{simulator.base_url}/x/2/tweets",
        json={"text": "hello", "reply": {"in_reply_to_tweet_id": "1"}},
        headers=X_AUTH,
        timeout=timeout,
    )


def meta_post(simulator, path="/meta/v21.0/990000000000001/messages"):
    return requests.post(
        simulator.base_url + path,
        data={
            "access_token": "page-token",
            "recipient": json.dumps({"id": "7100000000000101"}),
            "message": json.dumps({"text": "hello"}),
        },
        timeout=5,
    )


def classify_x(response):
    return x_errors.classify_error(
        response.status_code, response.json(), dict(response.headers), time.time()
    )


def classify_meta(response):
    return meta_errors.classify_error(
        response.status_code, response.json(), response.headers, time.time()
    )


def test_x_rate_limit_then_normal_service(simulator):
    assert inject(simulator, kind="rate_limit", path=r"^/x/2/tweets$").ok
    limited = x_post(simulator)
    assert limited.status_code == 429
    assert limited.headers["x-rate-limit-remaining"] == "0"
    error = classify_x(limited)
    assert error.kind == "rate_limited"
    assert 890 < error.retry_at - time.time() <= 900
    assert x_post(simulator).status_code == 201, "one call only, by default"
    assert [c.get("fault") for c in simulator.calls] == ["rate_limit", None]


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_meta_rate_limit_codes_and_usage_headers(simulator, code):
    inject(simulator, kind="rate_limit", path="/messages$", code=code, seconds=300)
    limited = meta_post(simulator)
    error = classify_meta(limited)
    assert (error.kind, error.code) == ("rate_limited", code)
    assert 290 < error.retry_at - time.time() <= 300
    assert meta_errors.parse_usage_headers(limited.headers) == 100
    assert meta_post(simulator).status_code == 200
    assert simulator.calls[0]["fault"] == "rate_limit"


def test_server_errors_and_expired_tokens_are_classified(simulator):
    inject(simulator, kind="server_error", path=r"^/x/", status=503, times=2)
    assert [classify_x(x_post(simulator)).kind for _ in range(2)] == ["transient"] * 2
    inject(simulator, kind="expired_token", path=r"^/x/")
    assert classify_x(x_post(simulator)).kind == "auth"
    inject(simulator, kind="server_error", path="/messages$")
    assert classify_meta(meta_post(simulator)).kind == "transient"
    inject(simulator, kind="expired_token", path="/messages$")
    expired = classify_meta(meta_post(simulator))
    assert (expired.kind, expired.code, expired.subcode) == ("auth", 190, 463)


def test_hang_after_posts_and_hang_before_does_not(simulator):
    inject(simulator, kind="hang_after", path=r"^/x/2/tweets$", seconds=1.5)
    with pytest.raises(requests.ReadTimeout):
        x_post(simulator, timeout=0.5)
    inject(simulator, kind="hang_before", path=r"^/x/2/tweets$", seconds=1.5)
    with pytest.raises(requests.ReadTimeout):
        x_post(simulator, timeout=0.5)
    replies = simulator.conversation("unmatched")["messages"]
    assert len(replies) == 1, "only the hang_after call was carried out"
    assert [(c["fault"], c["processed"]) for c in simulator.calls] == [
        ("hang_after", True),
        ("hang_before", False),
    ]


def test_control_route_lists_clears_and_refuses_bad_faults(simulator):
    inject(simulator, kind="server_error", path="/feed$", method="GET", times=3)
    listed = requests.get(f"{simulator.base_url}/api/faults", timeout=5).json()
    assert [(f["kind"], f["method"], f["times"]) for f in listed["faults"]] == [
        ("server_error", "GET", 3)
    ]
    bad = inject(simulator, kind="meteor", path="x")
    assert (bad.status_code, "unknown fault" in bad.json()["error"]) == (400, True)
    assert inject(simulator, kind="rate_limit", path="(").status_code == 400
    requests.post(f"{simulator.base_url}/api/faults/clear", timeout=5)
    assert simulator.faults == []


def test_media_files(simulator):
    base = f"{simulator.base_url}/media"
    image = requests.get(f"{base}/image.png", timeout=5)
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    posing = requests.get(f"{base}/not-image.png", timeout=5)
    assert posing.headers["Content-Type"] == "image/png"
    assert posing.content.startswith(b"<html>")
    huge = requests.get(f"{base}/huge.jpg", timeout=5, stream=True)
    assert int(huge.headers["Content-Length"]) > 10 * 1024 * 1024
    huge.close()
    away = requests.get(
        f"{base}/redirect/http://localhost:9/x.png", timeout=5, allow_redirects=False
    )
    assert (away.status_code, away.headers["Location"]) == (
        302,
        "http://localhost:9/x.png",
    )
