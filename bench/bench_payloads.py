"""Payloads per second on a generated request log (issue 2 benchmark).

Generates a JSONL log of N requests (default 10,000): multi-turn Anthropic conversations of
growing length, gateway and Bedrock Converse requests, one in ten with a defect. Then times
`cachelint check` on it as a subprocess (what CI runs) and reports requests per second, plus the
same run with `--select CL000` (parse only) as a baseline, as ratios measured in one run.

    python bench/bench_payloads.py [--requests 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = [
    "order",
    "refund",
    "shipping",
    "carrier",
    "policy",
    "customer",
    "return",
    "item",
    "damaged",
    "replacement",
    "warehouse",
    "invoice",
    "payment",
    "account",
    "identity",
    "delivery",
]


def _text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


def request(rng: random.Random, i: int) -> dict:
    turns = rng.randint(1, 30)
    system = _text(rng, 900)
    if i % 10 == 3:
        system += " Current time: 2026-11-22T10:42:07Z."
    kind = i % 3
    if kind == 2:
        msgs = []
        for _t in range(turns):
            msgs.append({"role": "user", "content": [{"text": _text(rng, 30)}]})
            msgs.append({"role": "assistant", "content": [{"text": _text(rng, 60)}]})
        msgs.append(
            {"role": "user", "content": [{"text": "next"}, {"cachePoint": {"type": "default"}}]}
        )
        return {
            "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "system": [{"text": system}, {"cachePoint": {"type": "default"}}],
            "messages": msgs,
        }
    msgs = []
    for _t in range(turns):
        msgs.append({"role": "user", "content": _text(rng, 30)})
        msgs.append({"role": "assistant", "content": _text(rng, 60)})
    last = {"type": "text", "text": "next", "cache_control": {"type": "ephemeral"}}
    if i % 10 == 7:
        last["cache_control"]["ttl"] = "1h"
    msgs.append({"role": "user", "content": [last]})
    if kind == 1:
        return {
            "model": "anthropic/claude-sonnet-4.5",
            "messages": [
                {
                    "role": "system",
                    "content": [
                        {"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}
                    ],
                },
                *msgs,
            ],
        }
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
        "messages": msgs,
    }


def generate(path: Path, n: int) -> int:
    rng = random.Random(42)
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"request": request(rng, i)}) + "\n")
    return path.stat().st_size


def timed(args: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "cachelint", "check", *args], capture_output=True)
    return time.perf_counter() - t0, r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, help="write the log here instead of a temp dir")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = (a.keep or Path(tmp)) / "requests.jsonl"
        log.parent.mkdir(parents=True, exist_ok=True)
        size = generate(log, a.requests)
        base, _ = timed([str(log), "--select", "CL000", "--quiet", "--format", "concise"])
        full, r = timed([str(log), "--quiet", "--format", "concise"])
        findings = len(r.stdout.splitlines())
    print(f"log: {a.requests:,} requests, {size / 1e6:.1f} MB")
    print(f"parse only (CL000):  {base:6.2f} s  {a.requests / base:8,.0f} requests/s")
    print(
        f"all request rules:   {full:6.2f} s  {a.requests / full:8,.0f} requests/s "
        f"({findings:,} findings)"
    )
    print(f"ratio all-rules / parse-only: {full / base:.2f}x")


if __name__ == "__main__":
    main()
