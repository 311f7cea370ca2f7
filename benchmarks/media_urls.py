"""Time the media-URL check and the bounded body reader on pathological input.

Pure Python, no Odoo: ``social_care/tools/safe_url.py`` and
``bounded_body.py`` on the inputs an attacker controls (a payload's URL, a
media server's answer), each run ``--repeat`` times; prints the median per
call and, for bodies, the peak memory (tracemalloc). Figures go to
docs/RELIABILITY.md (Platform data → URLs we fetch).

    .venv/bin/python benchmarks/media_urls.py [--repeat 20]
"""

import argparse
import gzip
import pathlib
import statistics
import sys
import time
import tracemalloc

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# Exposes odoo.addons.<addon>.tools without Odoo (as tests/conftest.py does).
import simulator.addon_tools  # noqa: E402, F401

# isort: split
from odoo.addons.social_care.tools import bounded_body, safe_url  # noqa: E402

HOSTS = ("pbs.twimg.com", "ton.twitter.com", "video.twimg.com", "fbcdn.net")
CAP = 10 * 1024 * 1024
CDN = "https://scontent.xx.fbcdn.net"

URLS = {
    "a platform media URL": f"{CDN}/v/t1.15752-9/x_n.jpg?_nc_cat=1&oh=00_A&oe=6",
    "longest accepted (4 kB)": f"{CDN}/" + "a" * (safe_url.MAX_URL_LENGTH - 31),
    "1 MB URL": f"{CDN}/" + "a" * 1024 * 1024,
    "4 kB of '@'": "https://" + "@" * 4000 + "ton.twitter.com/",
    "4 kB of '%5C@'": "https://" + "%5C@" * 1000 + "ton.twitter.com/",
    "4 kB of '['": "https://" + "[" * 4000,
    "4 kB host label": "https://" + "a" * 4000 + ".fbcdn.net/",
    "backslash userinfo": r"https://evil.example\@ton.twitter.com/x.jpg",
}


def timed(call, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bodies():
    stacked = gzip.compress(gzip.compress(bytes(300 * 1024 * 1024), 9), 9)
    single = gzip.compress(bytes(300 * 1024 * 1024), 9)
    plain = bytes(CAP)
    return {
        f"'gzip, gzip', {len(stacked)} B -> 300 MB": (stacked, "gzip, gzip"),
        f"'gzip', {len(single)} B -> 300 MB": (single, "gzip"),
        "identity, 10 MB (the cap)": (plain, ""),
    }


def read(data, encoding):
    chunks = (data[i : i + 16384] for i in range(0, len(data), 16384))
    try:
        return len(bounded_body.read_capped(chunks, encoding, CAP))
    except bounded_body.BodyRefused as refused:
        return refused.code


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"{'URL':28} {'result':12} {'median':>10}")
    for name, url in URLS.items():
        code = safe_url.check(url, HOSTS)[1] or "fetched"
        median = timed(lambda url=url: safe_url.check(url, HOSTS), args.repeat)
        print(f"{name:28} {code:12} {median * 1e6:>8.0f} µs")
    print(f"\n{'body':36} {'result':10} {'median':>9} {'peak memory':>12}")
    for name, (data, encoding) in bodies().items():
        median = timed(lambda d=data, e=encoding: read(d, e), max(args.repeat // 4, 1))
        tracemalloc.start()
        result = read(data, encoding)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        shown = result if isinstance(result, str) else f"{result} B"
        print(f"{name:36} {shown:10} {median * 1e3:>6.1f} ms {peak / 2**20:>9.1f} MB")


if __name__ == "__main__":
    main()
