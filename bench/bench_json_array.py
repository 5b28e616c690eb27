"""Time for a `.json` array of requests, side by side with the same requests as JSONL (issue 13).

Positions of findings are found in the text on demand (cachelint/jsonpos.py); in one document
holding many requests they must cost time linear in its size, as the lines of a log do. Writes
arrays of N small requests, each with two findings (a 1h breakpoint after a 5m one, a prefix under
the minimum), on one line and pretty-printed, and the same requests as a JSONL log, then times
`cachelint check` on each as a subprocess and prints seconds and microseconds per request.

    python bench/bench_json_array.py [--requests 1000 5000 20000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BAD = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 10,
    "system": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral", "ttl": "5m"}}],
    "messages": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "x", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
            ],
        }
    ],
}


def timed(path: Path) -> tuple[float, int]:
    """(seconds, findings) of `cachelint check` on path."""
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "cachelint", "check", "--no-cache", "--format", "concise", path],
        capture_output=True,
    )
    return time.perf_counter() - t0, r.stdout.count(b"[CL")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, nargs="+", default=[1000, 5000, 20000])
    a = ap.parse_args()
    compact = json.dumps(BAD, separators=(",", ":"))
    with tempfile.TemporaryDirectory() as tmp:
        for n in a.requests:
            files = {
                "array, one line": ("array.json", "[" + ",".join([compact] * n) + "]"),
                "array, indented": ("indented.json", json.dumps([BAD] * n, indent=2)),
                "JSONL": ("log.jsonl", "\n".join([compact] * n) + "\n"),
            }
            for label, (name, text) in files.items():
                path = Path(tmp) / name
                path.write_text(text)
                seconds, findings = timed(path)
                print(
                    f"{n:>7,} requests, {label:<16} {len(text) / 1e6:6.1f} MB: {seconds:6.2f} s "
                    f"({seconds / n * 1e6:5.0f} µs/request, {findings:,} findings)"
                )


if __name__ == "__main__":
    main()
