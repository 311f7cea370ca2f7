"""Which media addresses from a platform's payload may be fetched, and how.

A payload's URL is attacker-controlled. Python's ``urllib.parse`` and
requests/urllib3 disagree on some URLs (``https://evil\\@cdn.example/`` is
``cdn.example`` to the first and ``evil`` to the second), so the decision is
taken on what requests would connect to: the URL as requests prepares it,
parsed by urllib3, the parser its connection pool uses. Only that prepared
URL is fetched, and the credentials are decided on the same parsed host.

Everything unusual is refused rather than interpreted: a platform's CDN
address is plain https on port 443 with a DNS name and ASCII characters.
``check`` returns a ``(target, code)`` pair; the ORM layer turns the code into
a translated message.
"""

import ipaddress
import re
import socket
from collections import namedtuple
from urllib.parse import urljoin

from requests.exceptions import RequestException
from requests.models import PreparedRequest
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

MAX_URL_LENGTH = 4096
DEFAULT_PORTS = {"http": 80, "https": 443}

# Refusal codes (the ORM layer has a message for each).
CHARACTERS = "characters"  # backslash, whitespace, control or non-ASCII
UNPARSABLE = "unparsable"  # not a URL requests can fetch, or it reads two ways
TOO_LONG = "too_long"
SCHEME = "scheme"  # not https
USERINFO = "userinfo"  # a user name or password before the host
IP_ADDRESS = "ip_address"  # an IP literal (v4 in any notation, or v6)
PORT = "port"  # a port other than 443
HOST = "host"  # not one of the platform's media hosts
CODES = (CHARACTERS, UNPARSABLE, TOO_LONG, SCHEME, USERINFO, IP_ADDRESS, PORT, HOST)

_DNS_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DNS_NAME = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})+")
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")

# What a media address was found to be: ``url`` is the one to fetch.
Target = namedtuple("Target", "url scheme host port")


def _bad_character(url):
    return not url.isascii() or any(
        char == "\\" or char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F
        for char in url
    )


def _prepared(url):
    """The URL as requests sends it (raises ValueError if it would not)."""
    request = PreparedRequest()
    try:
        request.prepare_url(url, None)
    except (RequestException, LocationParseError, UnicodeError) as error:
        raise ValueError(str(error)) from error
    return request.url


def _is_ip(host):
    """Whether ``host`` is an address rather than a name (any notation the
    resolver accepts: ``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``[::1]``)."""
    return (
        host.startswith("[")
        or _is_ip_address(host)
        or _inet_aton_reads(host)
        # A name whose last label is numeric is read as an address by resolvers.
        or bool(_NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]))
    )


def _is_ip_address(host):
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _inet_aton_reads(host):
    """inet_aton is what resolvers use for IPv4 in its old notations."""
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


def connection_of(url):
    """``(scheme, host, port)`` requests would connect to for ``url``
    (raises ValueError if it would not fetch it)."""
    try:
        parsed = parse_url(_prepared(url))
    except LocationParseError as error:
        raise ValueError(str(error)) from error
    scheme = (parsed.scheme or "").lower()
    return scheme, (parsed.host or "").lower(), parsed.port or DEFAULT_PORTS.get(scheme)


def origin(base_url):
    """``(scheme, host, port)`` of a configured sandbox address, or None."""
    if not base_url or _bad_character(base_url):
        return None
    try:
        found = connection_of(base_url)
    except ValueError:
        return None
    return found if found[1] else None


def host_allowed(host, hosts):
    """Whether ``host`` is one of ``hosts`` or a subdomain of one."""
    return any(host == h or host.endswith("." + h) for h in hosts)


def check(url, hosts, sandbox=None):
    """``(Target, None)`` if ``url`` may be fetched, else ``(None, code)``.

    ``hosts``: the platform's media hosts (suffixes), https on 443 only.
    ``sandbox``: an ``origin`` standing in for the platform (a simulator),
    whose exact scheme, host and port are accepted too.
    """
    if not isinstance(url, str) or not url:
        return None, UNPARSABLE
    if len(url) > MAX_URL_LENGTH:
        return None, TOO_LONG
    if _bad_character(url):
        return None, CHARACTERS
    try:
        raw = parse_url(url)
        prepared = _prepared(url)
        parsed = parse_url(prepared)
        # What is fetched must read the same when requests prepares it again.
        stable = _prepared(prepared) == prepared
    except (LocationParseError, ValueError):
        return None, UNPARSABLE
    if not stable or (raw.host or "").lower() != (parsed.host or "").lower():
        # e.g. a percent-encoded host, decoded by requests on the way.
        return None, UNPARSABLE
    if parsed.auth is not None or raw.auth is not None:
        return None, USERINFO
    scheme = (parsed.scheme or "").lower()
    host = (parsed.host or "").lower()
    port = parsed.port or DEFAULT_PORTS.get(scheme)
    target = Target(prepared, scheme, host, port)
    if sandbox and (scheme, host, port) == tuple(sandbox):
        return target, None
    if scheme != "https":
        return None, SCHEME
    if _is_ip(host):
        return None, IP_ADDRESS
    if port != 443:
        return None, PORT
    if not _DNS_NAME.fullmatch(host) or not host_allowed(host, hosts):
        return None, HOST
    return target, None


def shown_host(url):
    """The part of ``url`` between ``//`` and the path, as written, to tell
    a person where an address pointed (never parsed: it may not parse)."""
    authority = str(url).partition("//")[2] or str(url)
    return authority.partition("/")[0][:200]


def redirect_target(url, location):
    """The address a redirect from ``url`` to ``location`` points at, to be
    checked like any other ('' when it does not resolve: refused)."""
    try:
        return urljoin(url, location or "")
    except ValueError:  # e.g. characters that NFKC-normalize to '@' or '/'
        return ""
