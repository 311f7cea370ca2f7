"""twitter-text's conformance suite against both X counters.

Ground truth: validate.yml, extract.yml and tlds.yml of
https://github.com/twitter/twitter-text (conformance/, vendored with its
licence and source commit in tests/data/twitter-text/). Each case runs against
the server's counter (social_care_twitter/tools/x_text.py) and the composer's
(social_care/static/src/reply_length.js, under Node: scripts/x_text_conformance.mjs),
the way twitter-text's own js/test/conformance.html calls its library:

- validate.yml tweets: parseTweet(text, config v1).valid;
  WeightedTweetsCounterTest (config v2), WeightedTweetsWithDiscountedEmojiCounterTest
  and UnicodeDirectionalMarkerCounterTest (v3): weightedLength and valid;
- extract.yml urls, tco_urls_with_params: extractUrls; urls_with_indices,
  urls_with_directional_markers: extractUrlsWithIndices;
- tlds.yml country and generic: extractUrls.

Not run, as unrelated to the count: usernames, lists, hashtags, mentions,
replies, cashtags; validate.yml's urls and urls_without_protocol, which test
isValidUrl, an RFC 3986 check of a lone URL that parseTweet never calls; the
permillage and display/valid ranges of parseTweet (an editor's highlighting
offsets, nothing X checks).
"""

import json
import random
import shutil
import subprocess
import time

import pytest
import yaml
from conftest import REPO

from odoo.addons.social_care_twitter.tools import x_text, x_tlds

DATA = REPO / "tests" / "data" / "twitter-text"
NODE_RUNNER = REPO / "scripts" / "x_text_conformance.mjs"
CONFIGS = {
    version: json.loads((DATA / "config" / f"{version}.json").read_text())
    for version in ("v1", "v2", "v3")
}
# section: (what is checked, twitter-text config), as conformance.html runs them
SECTIONS = {
    "validate": {
        "tweets": ("valid", "v1"),
        "WeightedTweetsCounterTest": ("parse", "v2"),
        "WeightedTweetsWithDiscountedEmojiCounterTest": ("parse", "v3"),
        "UnicodeDirectionalMarkerCounterTest": ("parse", "v3"),
    },
    "extract": {
        "urls": ("urls", "v3"),
        "urls_with_indices": ("urls_with_indices", "v3"),
        "urls_with_directional_markers": ("urls_with_indices", "v3"),
        "tco_urls_with_params": ("urls", "v3"),
    },
    "tlds": {"country": ("urls", "v3"), "generic": ("urls", "v3")},
}


def _load(name):
    return yaml.safe_load((DATA / f"{name}.yml").read_text(encoding="utf-8"))


def _cases():
    cases = []
    for name, sections in SECTIONS.items():
        tests = _load(name)["tests"]
        for section, (check, config) in sections.items():
            for number, case in enumerate(tests[section]):
                cases.append(
                    {
                        "id": f"{name}-{section}-{number}",
                        "check": check,
                        "config": CONFIGS[config],
                        "text": case["text"],
                        "expected": case["expected"],
                        "description": case["description"],
                    }
                )
    return cases


CASES = _cases()


def _fragment(rng):
    return rng.choice(
        [
            "example.com",
            "node.js",
            "t.co/abc",
            "http://t.co/abc/def",
            "foo.co.jp",
            "https://twitter.한국/",
            "http://foobar.پاکستان/",
            "xn--ls8h.la",
            "a.b@c.com",
            "http://192.168.0.1:8080/x",
            "www.example.org/path_(x)?q=1&r=2.",
            "$AAPL.com",
            "#tag.com",
            "@user.com",
            "http://ああ.com",
            "https://example.com:99999/",
            "こんにちは",
            "한국어",
            "Привет",
            "e\u0301",
            "😷",
            "👨‍👩‍👧‍👦",
            "🇮🇹",
            "1⃣",
            "\ufeff",
            "\ufffe",
            "\u202a",
            " ",
            "\n",
            ".",
            ",",
            "-",
            "_",
            "/",
            "(",
            ")",
        ]  # fmt: skip
    )


def _random_texts(count=3000, seed=12):
    """Texts built from URL-ish and multi-script pieces, for the agreement check."""
    rng = random.Random(seed)
    return [
        "".join(_fragment(rng) for _ in range(rng.randint(1, 12))) for _ in range(count)
    ]


RANDOM_TEXTS = _random_texts()
# Long dotted texts with no URL or one at the end: a plain regex search is
# quadratic on them (minutes in Python's re for 6,000 characters).
LONG_TEXTS = [
    "a." * 15000,
    "x" + ".x" * 15000 + "!",
    "あ." * 15000,
    "a-" * 15000 + ".",
    "a." * 15000 + ".com",
    "a." * 15000 + "b_c.com",
    "a." * 15000 + " example.com",
]


@pytest.fixture(scope="module")
def node_output():
    """The JS counter's answers for every case, then for the random texts."""
    node = shutil.which("node")
    assert node, "Node.js runs the composer's counter here: apt-get install nodejs"
    cases = [{"text": case["text"], "config": case["config"]} for case in CASES]
    cases += [{"text": text, "config": CONFIGS["v3"]} for text in RANDOM_TEXTS]
    cases += [{"text": text, "config": CONFIGS["v3"]} for text in LONG_TEXTS]
    run = subprocess.run(
        [node, str(NODE_RUNNER)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(run.stdout)


def _python_answer(case):
    parsed = x_text.parse_text(case["text"], case["config"])
    return {
        "urls": x_text.extract_urls_with_indices(case["text"]),
        "weightedLength": parsed.weighted_length,
        "valid": parsed.valid,
    }


def _check(case, answer):
    check, expected = case["check"], case["expected"]
    if check == "valid":
        assert answer["valid"] is expected
    elif check == "parse":
        assert answer["weightedLength"] == expected["weightedLength"]
        assert answer["valid"] is expected["valid"]
    elif check == "urls":
        assert [url["url"] for url in answer["urls"]] == expected
    else:
        assert answer["urls"] == expected


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_python_counter(case):
    _check(case, _python_answer(case))


@pytest.mark.parametrize(
    "number", range(len(CASES)), ids=[case["id"] for case in CASES]
)
def test_js_counter(number, node_output):
    _check(CASES[number], node_output["results"][number])


def test_both_counters_agree_on_every_case(node_output):
    """Beyond what the suite checks: the same URLs and length on every case."""
    python = [_python_answer(case) for case in CASES]
    assert node_output["results"][: len(CASES)] == python


def test_both_counters_agree_on_random_texts(node_output):
    javascript = node_output["results"][len(CASES) : len(CASES) + len(RANDOM_TEXTS)]
    disagreements = [
        (text, answer, x_text.parse_text(text))
        for text, answer in zip(RANDOM_TEXTS, javascript, strict=True)
        if (answer["weightedLength"], answer["valid"]) != tuple(x_text.parse_text(text))
    ]
    assert disagreements == []


def test_tld_lists_are_tld_lib_yml():
    """Both generated lists are twitter-text's, in its order (scripts/gen_x_tlds.py)."""
    tld_lib = _load("tld_lib")
    assert list(x_tlds.GENERIC_TLDS) == tld_lib["generic"]
    assert list(x_tlds.COUNTRY_TLDS) == tld_lib["country"]


def test_js_tld_lists_are_tld_lib_yml(node_output):
    tld_lib = _load("tld_lib")
    assert node_output["tlds"] == {
        "generic": tld_lib["generic"],
        "country": tld_lib["country"],
    }


def test_both_counters_agree_on_long_dotted_texts(node_output):
    javascript = node_output["results"][len(CASES) + len(RANDOM_TEXTS) :]
    python = [_python_answer({"text": text, "config": None}) for text in LONG_TEXTS]
    assert [answer["weightedLength"] for answer in javascript] == [
        answer["weightedLength"] for answer in python
    ]
    assert javascript[-1]["urls"] == python[-1]["urls"] != []


@pytest.mark.parametrize("text", LONG_TEXTS, ids=range(len(LONG_TEXTS)))
def test_long_dotted_texts_are_counted_at_once(text):
    started = time.monotonic()
    x_text.parse_text(text)
    assert time.monotonic() - started < 1


def test_js_counts_long_dotted_texts_at_once():
    """The composer counts at every keystroke: a pasted text must not freeze it."""
    cases = [{"text": text, "config": CONFIGS["v3"]} for text in LONG_TEXTS]
    started = time.monotonic()
    subprocess.run(
        [shutil.which("node"), str(NODE_RUNNER)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    # Node starts in a fraction of a second; a plain regex search takes 30 s.
    assert time.monotonic() - started < 5
