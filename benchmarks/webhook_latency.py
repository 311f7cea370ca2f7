"""Acknowledgement latency of signed webhook deliveries vs Odoo's /web/health.

Both are measured in the same run against the same server, interleaved, one
request at a time, so the comparison holds whatever the machine's load.
"""

import argparse
import hashlib
import hmac
import json
import statistics
import sys
import time

import requests

SECRET = "bench-secret"  # the app benchmarks/latency_app.py creates
SIGNATURE_HEADER = "X-Social-Care-Signature"
WARM_UP = 20  # requests to each route before measuring


def sign(body):
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def delivery(message_id, index):
    """A signed delivery of one message, as a platform would send it."""
    body = json.dumps(
        {
            "messages": [
                {
                    "account": "lat",
                    "id": message_id,
                    "channel": "x_public",
                    "thread": f"t{index % 50}",
                    "text": "Latency test",
                    "author": {"id": f"u{index % 80}", "handle": f"user{index % 80}"},
                }
            ]
        }
    ).encode()
    return body, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def wait_for(url, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server at {url} did not answer within {timeout} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app-id", type=int, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    health = f"{args.url}/web/health"
    hook = f"{args.url}/social_care/webhook/{args.app_id}"
    wait_for(health)
    session = requests.Session()
    # Both routes are warmed up alike: the first calls of a route fill Odoo's
    # caches (routing, ORM, translations) and are not what a platform sees.
    for index in range(WARM_UP):
        session.get(health, timeout=10)
        body, headers = delivery(f"warm{index}", index)
        session.post(hook, data=body, headers=headers, timeout=10).raise_for_status()
    webhook_ms, health_ms = [], []
    for index in range(args.requests):
        body, headers = delivery(f"m{index}", index)
        start = time.perf_counter()
        response = session.post(hook, data=body, headers=headers, timeout=10)
        webhook_ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
        start = time.perf_counter()
        session.get(health, timeout=10).raise_for_status()
        health_ms.append((time.perf_counter() - start) * 1000)
    for name, values in (("webhook", webhook_ms), ("/web/health", health_ms)):
        print(
            f"{name:12} p50 {percentile(values, 0.5):6.1f} ms  "
            f"p99 {percentile(values, 0.99):6.1f} ms  "
            f"mean {statistics.mean(values):6.1f} ms"
        )
    ratio = percentile(webhook_ms, 0.99) / percentile(health_ms, 0.99)
    print(
        f"p99 ratio: webhook is {ratio:.2f}x /web/health "
        f"({args.requests} requests each)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
