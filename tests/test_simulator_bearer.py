"""The simulator's Graph reads the token from Authorization: Bearer, as Graph does,
and names (never records) the credentials a call put in its URL.

Graph accepts the access token as a parameter or as a Bearer header (Meta's
Cloud API, on the same host, is documented with the header only).
"""

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from simulator import Config, Simulator, serve_in_thread


@pytest.fixture
def sim():
    simulator = Simulator(
        Config(odoo_url="http://nowhere.test", x_secret="x" * 16, meta_secret="m" * 16)
    )
    server = serve_in_thread(simulator)
    simulator.base_url = f"http://127.0.0.1:{server.server_port}"
    yield simulator
    server.shutdown()
    server.server_close()


def get(sim, path, params, headers=None):
    url = f"{sim.base_url}/meta/v26.0/{path}?{urlencode(params)}"
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_token_in_a_bearer_header_is_accepted(sim):
    page = sim.config.page_id
    status, body = get(
        sim, page, {"fields": "name"}, {"Authorization": "Bearer a-page-token"}
    )
    assert status == 200 and body["id"] == page
    assert sim.calls[-1]["url_credentials"] == []


def test_no_token_is_refused_and_a_token_in_the_url_is_named(sim):
    page = sim.config.page_id
    status, body = get(sim, page, {"fields": "name"})
    assert status == 400 and body["error"]["code"] == 104
    status, _body = get(sim, page, {"fields": "name", "access_token": "in-the-url"})
    assert status == 200
    record = sim.calls[-1]
    assert record["url_credentials"] == ["access_token"]
    assert "in-the-url" not in json.dumps(record)
