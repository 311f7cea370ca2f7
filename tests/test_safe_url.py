"""The media-URL allowlist against where requests really connects.

Ground truth is requests itself: the URL prepared by ``requests.Request``,
handed to ``HTTPAdapter.get_connection`` (the connection pool requests would
open a socket from), and, for "is it an address?", the system resolver with
``AI_NUMERICHOST``. URLs are generated from the tricks of an outside review
and of SSRF write-ups (backslash before ``@``, userinfo, IP literals in every
notation, ports, percent-encoding, Unicode dots, control characters), mixed
at random. The checker must never let through a URL that connects anywhere
but a listed host over https on 443, nor disagree with requests on the host.
"""

import os
import socket

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter
from urllib3.exceptions import LocationParseError

from odoo.addons.social_care.tools import safe_url

EXAMPLES = int(os.environ.get("SAFE_URL_EXAMPLES", "3000"))
# The connectors' lists (social_care_twitter, social_care_meta).
X_HOSTS = ("pbs.twimg.com", "ton.twitter.com", "video.twimg.com")
META_HOSTS = ("fbcdn.net", "fbsbx.com", "cdninstagram.com")
HOSTS = X_HOSTS + META_HOSTS
SANDBOX = ("http", "127.0.0.1", 8071)
ADAPTER = HTTPAdapter()

EVIL = ["evil.example", "127.0.0.1", "localhost", "[::1]", "169.254.169.254"]
IP_FORMS = [
    "127.0.0.1",
    "127.1",
    "2130706433",
    "017700000001",
    "0x7f000001",
    "0x7f.0.0.1",
    "0177.0.0.01",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[0:0:0:0:0:0:0:1]",
    "[fe80::1%25eth0]",
]
ALLOWED = [*HOSTS, "scontent.xx.fbcdn.net", "scontent-mxp1-1.cdninstagram.com"]
ODD = "\\/@:?#%.[]\t\n\r \x00\x7f\u3002\uff0e\uff61\uff20\u200b-_~!$&'()*+,;="


def connects_to(url):
    """``(scheme, host, port)`` of the pool requests would use, or None."""
    try:
        prepared = requests.Request("GET", url).prepare()
        pool = ADAPTER.get_connection(prepared.url)
    except (requests.RequestException, LocationParseError, ValueError):
        return None
    return pool.scheme, pool.host.lower(), pool.port


def numeric(host):
    """Whether the resolver reads ``host`` as an address, not a name."""
    try:
        socket.getaddrinfo(host.strip("[]"), 443, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return False
    return True


def on_allowlist(host):
    return any(host == h or host.endswith("." + h) for h in HOSTS)


def hosts():
    allowed = st.sampled_from(ALLOWED)
    evil = st.sampled_from(EVIL + IP_FORMS)
    junk = st.text(ODD + "abc019", max_size=6)
    return st.one_of(
        allowed,
        allowed,
        allowed,
        evil,
        st.builds(lambda e, a: f"{e}\\@{a}", evil, allowed),
        st.builds(lambda e, a: f"{e}%5C@{a}", evil, allowed),
        st.builds(lambda e, a: f"{e}@{a}", evil, allowed),
        st.builds(lambda a, e: f"{a}@{e}", allowed, evil),
        st.builds(lambda a, e: f"{a}.{e}", allowed, evil),
        st.builds(lambda a, e: f"{a}%2e{e}", allowed, evil),
        st.builds(lambda a, e: f"{a}#@{e}", allowed, evil),
        st.builds(lambda a, e: f"{e}?@{a}", allowed, evil),
        st.builds(lambda a: a.replace(".", "\u3002"), allowed),
        st.builds(lambda a: a.replace(".", "%2e"), allowed),
        st.builds(lambda a: a.upper(), allowed),
        st.builds(lambda a: a + ".", allowed),
        st.builds(lambda a, j: a + j, allowed, junk),
        st.builds(lambda j, a: j + a, junk, allowed),
        st.builds(lambda a, j, e: a + j + e, allowed, junk, evil),
    )


def urls():
    scheme = st.one_of(
        st.just("https"),
        st.sampled_from(["http", "HTTPS", "hTtPs", "ftp", "", "https:", "javascript"]),
    )
    separator = st.one_of(
        st.just("://"), st.sampled_from([":/", ":\\\\", "//", ":///", ":\\/"])
    )
    port = st.sampled_from(
        ["", ":443", ":0443", ":8443", ":80", ":", ":65536", ":8071", ":4 43"]
    )
    path = st.one_of(
        st.text("abcxyz0123./-_?=&%", max_size=20),
        st.text(ODD + "abcxyz0123.jpgpn", max_size=20),
    )
    built = st.builds(
        lambda s, sep, h, p, rest: f"{s}{sep}{h}{p}/{rest}",
        scheme,
        separator,
        hosts(),
        port,
        path,
    )
    anything = st.builds(
        lambda s, t: f"{s}://{t}", scheme, st.text(ODD + "abc.com019", max_size=40)
    )
    return st.one_of(built, built, anything)


def assert_agrees(url, hosts, sandbox=None):
    target, code = safe_url.check(url, hosts, sandbox)
    truth = connects_to(url)
    if target is None:
        assert code in safe_url.CODES
        if code == safe_url.HOST:
            assert (
                truth is None
                or not on_allowlist(truth[1])
                or truth[1] != (truth[1].strip("."))
                or not safe_url._DNS_NAME.fullmatch(truth[1])
            )
        if code == safe_url.PORT:
            assert truth is not None and truth[2] != 443
        if code == safe_url.SCHEME:
            assert truth is None or truth[0] != "https"
        return
    assert code is None
    # Where the original URL would connect is where the fetched one does.
    assert truth == (target.scheme, target.host, target.port), url
    assert connects_to(target.url) == truth, (url, target.url)
    if sandbox and truth == tuple(sandbox):
        return
    scheme, host, port = truth
    assert (scheme, port) == ("https", 443), url
    assert on_allowlist(host), url
    assert not numeric(host), url
    assert "@" not in target.url.split("/")[2], url
    # The X token's decision (host == ton.twitter.com) is requests' host too.
    assert (target.host == "ton.twitter.com") == (host == "ton.twitter.com")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(urls())
def test_the_allowlist_agrees_with_where_requests_connects(url):
    assert_agrees(url, HOSTS)


@settings(max_examples=EXAMPLES // 3, deadline=None)
@given(urls())
def test_with_a_sandbox_only_its_exact_origin_is_added(url):
    assert_agrees(url, HOSTS, SANDBOX)


@settings(max_examples=EXAMPLES // 3, deadline=None)
@given(st.sampled_from(ALLOWED), urls())
def test_a_redirect_is_judged_as_the_address_it_resolves_to(host, location):
    assert_agrees(
        safe_url.redirect_target(f"https://{host}/media/x.jpg", location), HOSTS
    )


@pytest.mark.parametrize(
    "url, code",
    [
        # The review's reproductions.
        (r"https://evil.example\@ton.twitter.com/x.jpg", safe_url.CHARACTERS),
        (r"https://[::1]\@pbs.twimg.com/x.jpg", safe_url.CHARACTERS),
        ("https://evil.example%5C@ton.twitter.com/x.jpg", safe_url.USERINFO),
        ("https://user:pw@ton.twitter.com/x.jpg", safe_url.USERINFO),
        ("https://2130706433/x.jpg", safe_url.IP_ADDRESS),
        ("https://0x7f.1/x.jpg", safe_url.IP_ADDRESS),
        ("https://[::1]/x.jpg", safe_url.IP_ADDRESS),
        ("https://pbs.twimg.com:8443/x.jpg", safe_url.PORT),
        ("http://pbs.twimg.com/x.jpg", safe_url.SCHEME),
        ("https://pbs.twimg.com%2eevil.example/x.jpg", safe_url.UNPARSABLE),
        ("https://pbs\u3002twimg.com/x.jpg", safe_url.CHARACTERS),
        ("https://pbs.twimg.com.evil.example/x.jpg", safe_url.HOST),
        ("https://pbs.twimg.com./x.jpg", safe_url.HOST),
        ("https://x" * 2000, safe_url.TOO_LONG),
        ("", safe_url.UNPARSABLE),
    ],
)
def test_known_tricks_are_refused_with_their_reason(url, code):
    assert safe_url.check(url, HOSTS) == (None, code)
    assert_agrees(url, HOSTS)


@pytest.mark.parametrize(
    "url",
    [
        "https://pbs.twimg.com/media/GXk2mWbXsAA1d0v.jpg",
        "https://ton.twitter.com/1.1/ton/data/dm/1/2/Qm3xZ0aB.jpg",
        "https://PBS.twimg.com:443/media/x.jpg?format=jpg&name=large",
        "https://scontent.xx.fbcdn.net/v/t1.15752-9/x_n.jpg?_nc_cat=1&oh=00_A&oe=6",
        "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1&signature=a%2Bb",
    ],
)
def test_platform_media_addresses_are_fetched(url):
    target, code = safe_url.check(url, HOSTS)
    assert code is None
    assert_agrees(url, HOSTS)
    assert target.port == 443


def test_the_sandbox_is_its_exact_origin_only():
    sandbox = safe_url.origin("http://127.0.0.1:8071/meta")
    assert sandbox == SANDBOX
    assert safe_url.check("http://127.0.0.1:8071/media/a.png", (), sandbox)[1] is None
    for url in (
        "http://127.0.0.1:8072/media/a.png",
        "https://127.0.0.1:8071/media/a.png",
        "http://localhost:8071/media/a.png",
        r"http://127.0.0.1:8071\@127.0.0.1:9/a.png",
        "http://u@127.0.0.1:8071/a.png",
    ):
        assert safe_url.check(url, (), sandbox)[0] is None, url
