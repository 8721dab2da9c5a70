#!/usr/bin/env python3
"""Prints the median of every criterion benchmark's last run, by its id.

criterion's console line (`time: [low estimate high]`) gives its estimate of the mean time
per iteration, which a few slow samples on a shared machine pull up; the results tables in
benches/README.md quote medians, read from the `estimates.json` criterion writes for each
benchmark. Run it from the repository's root after `cargo bench` (of any bench file):

    python3 benches/medians.py            # every benchmark under target/criterion
    python3 benches/medians.py compile    # only the ids that start with `compile`
"""

import json
import sys
from pathlib import Path


def human(nanoseconds: float) -> str:
    """Four significant digits in the unit that keeps the number between 1 and 1000."""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if nanoseconds >= scale:
            return f"{nanoseconds / scale:.4g} {unit}"
    return f"{nanoseconds:.4g} ns"


def main() -> int:
    root = Path("target/criterion")
    if not root.is_dir():
        print("no target/criterion here: run `cargo bench` from the repository's root first",
              file=sys.stderr)
        return 1
    prefix = sys.argv[1] if len(sys.argv) > 1 else ""

    rows = []
    for estimates in root.glob("**/new/estimates.json"):
        benchmark = json.loads((estimates.parent / "benchmark.json").read_text())
        median = json.loads(estimates.read_text())["median"]["point_estimate"]
        if benchmark["full_id"].startswith(prefix):
            rows.append((benchmark["full_id"], median))

    if not rows:
        print(f"no benchmark id starts with {prefix!r}", file=sys.stderr)
        return 1
    for full_id, median in sorted(rows):
        print(f"{full_id:50} {human(median)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
