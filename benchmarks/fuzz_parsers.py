"""Fuzz the X and Meta splitters and parsers at scale; print examples/s.

Runs ``tests/test_fuzz_parsers.py`` under its ``large`` profile, one property
at a time, with ``--total`` examples shared between the chosen properties
(100,000 by default), and prints, per property, the examples run, the time
and the rate. Any failure (an exception other than PayloadError, or
malformed output) fails the run with Hypothesis' minimal example. Figures go
to docs/RELIABILITY.md (Bad input, Parser fuzzing).

    .venv/bin/python benchmarks/fuzz_parsers.py [--total 100000] [--only x_parser]
"""

import argparse
import os
import pathlib
import re
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
PROPERTIES = (
    "test_x_parser_on_mutated_fixtures",
    "test_meta_parser_on_mutated_fixtures",
    "test_x_splitter_then_parser",
    "test_meta_splitter_then_parser",
    "test_x_parser_on_arbitrary_json",
    "test_meta_parser_on_arbitrary_json",
)


def run(name, examples):
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--hypothesis-show-statistics",
            f"tests/test_fuzz_parsers.py::{name}",
        ],
        cwd=REPO,
        env=dict(os.environ, HYPOTHESIS_PROFILE="large", FUZZ_EXAMPLES=str(examples)),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    ran = sum(int(n) for n in re.findall(r"(\d+) passing", result.stdout))
    return result.returncode, ran, elapsed, result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--only", help="run the properties whose name contains this")
    args = parser.parse_args()
    chosen = [p for p in PROPERTIES if not args.only or args.only in p]
    share = max(args.total // len(chosen), 1)
    total_ran, total_time, failed = 0, 0.0, False
    print(f"{'property':40} {'examples':>9} {'seconds':>8} {'per s':>7}")
    for name in chosen:
        code, ran, elapsed, output = run(name, share)
        total_ran, total_time = total_ran + ran, total_time + elapsed
        print(f"{name:40} {ran:>9} {elapsed:>8.1f} {ran / elapsed:>7.0f}")
        if code:
            failed = True
            print(output[-4000:])
    print(
        f"{'all':40} {total_ran:>9} {total_time:>8.1f} "
        f"{total_ran / total_time:>7.0f}"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
