"""Long fuzz run: the property tests with many more examples and a random seed.

    python bench/fuzz_long.py [--examples 5000]

CI runs the same properties with a fixed seed and 150 examples each (tests/unit/test_fuzz_*.py).
Hypothesis prints any failing input with the seed to reproduce it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=5000, help="examples per property")
    a = ap.parse_args()
    env = {**os.environ, "CACHELINT_FUZZ_EXAMPLES": str(a.examples), "CACHELINT_FUZZ_RANDOM": "1"}
    tests = sorted(str(p) for p in (ROOT / "tests").glob("test_fuzz_*.py"))
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--hypothesis-show-statistics",
        *tests,
    ]
    sys.exit(subprocess.call(cmd, cwd=ROOT, env=env))


if __name__ == "__main__":
    main()
