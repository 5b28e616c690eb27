"""Benchmark `cachelint check` on a large request log.

Generates a JSONL log of N requests (default 100,000) from interleaved conversations with
realistic sizes (a system prompt of a few KB, a set of tool definitions, user and assistant turns,
tool calls with results, some lines wrapped with their response usage), a few of which break the
cache (a clock time in the system prompt, tools in another order, a tool_choice flip, an edited
history). Then runs `python -m cachelint check` on it in a subprocess and reports the wall time,
the CPU time, the peak resident memory of that process (getrusage), the findings per code, and
the same run with only the session rules and without them, to show their cost. Each run is a
child process of its own, so the peak memory is that run's.

    python bench/bench_log.py                  # 100,000 requests
    python bench/bench_log.py --requests 20000 --keep /tmp/log.jsonl
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    "order",
    "refund",
    "parcel",
    "invoice",
    "customer",
    "address",
    "delivery",
    "carrier",
    "warehouse",
    "account",
    "payment",
    "return",
    "label",
    "policy",
    "exchange",
    "discount",
    "shipment",
    "tracking",
    "item",
    "package",
    "support",
    "update",
]
EPHEMERAL = {"type": "ephemeral"}


def _prose(rng: random.Random, chars: int) -> str:
    out, n = [], 0
    while n < chars:
        w = rng.choice(WORDS)
        out.append(w)
        n += len(w) + 1
    return " ".join(out).capitalize() + "."


def _tools(rng: random.Random, count: int) -> list[dict]:
    return [
        {
            "name": f"tool_{i}",
            "description": _prose(rng, 300),
            "input_schema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": _prose(rng, 60)},
                    "limit": {"type": "integer", "description": "maximum results"},
                },
                "required": ["query"],
            },
        }
        for i in range(count)
    ]


class Conversation:
    def __init__(self, rng: random.Random, cid: int, system: str, tools: list[dict], flaw: str):
        self.rng = rng
        self.cid = cid
        self.system = system
        self.tools = tools
        self.flaw = flaw  # "", "timestamp", "tool-order", "tool-choice", "edit"
        self.history: list[dict] = []
        self.turn = 0

    def next_request(self) -> dict:
        rng = self.rng
        self.turn += 1
        system = self.system
        if self.flaw == "timestamp":
            system += f" Current time: 10:{self.turn // 60 % 60:02}:{self.turn % 60:02}."
        tools = self.tools
        if self.flaw == "tool-order" and self.turn % 2 == 0:
            tools = tools[::-1]
        question = _prose(rng, rng.randint(60, 300))
        messages = list(self.history)
        messages.append(
            {
                "role": "user",
                "content": [{"type": "text", "text": question, "cache_control": EPHEMERAL}],
            }
        )
        req: dict = {
            "model": "claude-sonnet-4-5",
            "max_tokens": 2048,
            "tools": tools,
            "system": [{"type": "text", "text": system, "cache_control": EPHEMERAL}],
            "messages": messages,
            "metadata": {"user_id": f"user-{self.cid}"},
        }
        if self.flaw == "tool-choice" and self.turn == 5:
            req["tool_choice"] = {"type": "any"}
        # the history the next request sends: this turn, an answer, sometimes a tool round
        self.history = [*self.history, {"role": "user", "content": question}]
        if rng.random() < 0.3:
            call_id = f"toolu_{self.cid}_{self.turn}"
            self.history.append(
                {
                    "role": "assistant",
                    "content": [
                        {
                            "type": "tool_use",
                            "id": call_id,
                            "name": "tool_1",
                            "input": {"query": question[:40]},
                        }
                    ],
                }
            )
            self.history.append(
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": call_id,
                            "content": _prose(rng, 1500),
                        }
                    ],
                }
            )
        self.history.append({"role": "assistant", "content": _prose(rng, rng.randint(200, 800))})
        if self.flaw == "edit" and self.turn == 4 and len(self.history) > 2:
            self.history[0] = {"role": "user", "content": self.history[0]["content"] + " (edited)"}
        return req


def generate(path: Path, requests: int, open_conversations: int, turns: int, seed: int) -> int:
    rng = random.Random(seed)
    systems = [_prose(rng, 6000) for _ in range(4)]
    toolsets = [_tools(rng, 8) for _ in range(3)]
    flaws = ["timestamp", "tool-order", "tool-choice", "edit"] + [""] * 36
    cid = 0

    def new() -> Conversation:
        nonlocal cid
        cid += 1
        return Conversation(rng, cid, rng.choice(systems), rng.choice(toolsets), rng.choice(flaws))

    live = [new() for _ in range(open_conversations)]
    size = 0
    with open(path, "wb") as f:
        for n in range(requests):
            i = rng.randrange(len(live))
            conv = live[i]
            req = conv.next_request()
            line = req
            if n % 3 == 0:
                line = {
                    "request": req,
                    "response": {
                        "usage": {
                            "input_tokens": 40,
                            "cache_read_input_tokens": 0,
                            "cache_creation_input_tokens": 0,
                        }
                    },
                }
                del line["response"]["usage"]["cache_creation_input_tokens"]  # read only: no claim
            data = orjson.dumps(line) + b"\n"
            size += len(data)
            f.write(data)
            if conv.turn >= turns:
                live[i] = new()
    return size


_MEASURE = """
import resource, sys, time
from cachelint.cli import cachelint_command
start = time.perf_counter()
try:
    cachelint_command(sys.argv[1:], prog_name="cachelint")
except SystemExit as e:
    code = e.code
u = resource.getrusage(resource.RUSAGE_SELF)
cpu = u.ru_utime + u.ru_stime
print(f"{time.perf_counter() - start} {cpu} {u.ru_maxrss} {code}", file=sys.stderr)
"""


def run(log: Path, extra: list[str], out: Path) -> dict:
    """`cachelint check` in a child of its own: its wall and CPU time and peak RSS."""
    args = ["check", str(log), "--no-cache", "--exit-zero", "--output", f"json:{out}"]
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args, *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        check=False,
    )
    last = proc.stderr.decode().strip().splitlines()[-1] if proc.stderr else ""
    try:
        wall, cpu, rss, code = last.split()
    except ValueError:
        sys.exit(f"cachelint failed: {proc.stderr.decode()[-2000:]}")
    if code != "0":
        sys.exit(f"cachelint exited {code}: {proc.stderr.decode()[-2000:]}")
    doc = orjson.loads(out.read_bytes())
    return {
        "wall": float(wall),
        "cpu": float(cpu),
        "peak_mib": int(rss) / 1024,  # Linux reports KiB
        "codes": Counter(f["code"] for f in doc["findings"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--conversations", type=int, default=60, help="open at any time")
    ap.add_argument("--turns", type=int, default=25, help="requests per conversation")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, help="write the log here and keep it")
    ap.add_argument("--no-baseline", action="store_true", help="skip the run without session rules")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = args.keep or Path(tmp) / "bench.jsonl"
        t = time.perf_counter()
        size = generate(log, args.requests, args.conversations, args.turns, args.seed)
        print(
            f"log: {args.requests:,} requests, {size / 2**20:,.0f} MiB, "
            f"{args.conversations} open conversations of {args.turns} requests "
            f"(generated in {time.perf_counter() - t:.1f}s)"
        )
        session = "CL303,CL401,CL402,CL403,CL404"
        runs = [("all rules", [])]
        if not args.no_baseline:
            runs += [
                ("session rules only", ["--select", session]),
                ("without session rules", ["--ignore", session]),
            ]
        for name, extra in runs:
            r = run(log, extra, Path(tmp) / "report.json")
            per = r["wall"] / args.requests * 1e6
            codes = ", ".join(f"{c} {n:,}" for c, n in sorted(r["codes"].items()))
            print(
                f"{name:<22} wall {r['wall']:6.1f}s  cpu {r['cpu']:6.1f}s  "
                f"({per:,.0f} µs/request)  peak RSS {r['peak_mib']:,.0f} MiB  findings: {codes}"
            )


if __name__ == "__main__":
    main()
