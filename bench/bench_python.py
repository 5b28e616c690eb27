"""Benchmark: checking a large Python tree, cold.

Generates ORDINARY plain modules (no prompt caching) and LLM modules (Anthropic, Bedrock and
LiteLLM calls with cache markers, helpers imported from a shared prompts module, some with
defects) under a temporary directory, then runs `cachelint check` on it in a fresh process and
reports files per second.

    python bench/bench_python.py [--ordinary 2000] [--llm 200] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ORDINARY = '''\
"""Module {i}: order bookkeeping."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
RATES = {{"standard": 1.0, "express": 1.{i:03d}}}


@dataclass
class Order{i}:
    id: int
    items: list[str] = field(default_factory=list)
    shipping: str = "standard"

    def total(self, prices: dict[str, float]) -> float:
        subtotal = sum(prices.get(item, 0.0) for item in self.items)
        return round(subtotal * RATES[self.shipping], 2)

    def describe(self) -> str:
        return f"order {{self.id}}: {{len(self.items)}} items via {{self.shipping}}"


@functools.lru_cache(maxsize=128)
def tax_rate(region: str) -> float:
    table = {{"eu": 0.2, "us": 0.07, "uk": 0.2}}
    return table.get(region, 0.0)


def summarise(orders: list[Order{i}], prices: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = {{}}
    for order in orders:
        out[str(order.id)] = order.total(prices) * (1 + tax_rate("eu"))
        log.debug("summarised %s", order.describe())
    return out


class Cache{i}:
    """A small in-memory cache, unrelated to prompt caching."""

    def __init__(self) -> None:
        self._data: dict[str, object] = {{}}

    def get(self, key: str) -> object | None:
        return self._data.get(key)

    def set(self, key: str, value: object) -> None:
        self._data[key] = value
'''

PROMPTS = '''\
"""Shared prompt pieces."""

import datetime

POLICIES = """{policies}"""


def stamp() -> str:
    return datetime.datetime.now().isoformat()


def system_blocks(extra: str = "") -> list[dict]:
    blocks = [{{"type": "text", "text": POLICIES}}]
    if extra:
        blocks.append({{"type": "text", "text": extra}})
    blocks[-1]["cache_control"] = {{"type": "ephemeral"}}
    return blocks
'''

LLM = [
    """\
import anthropic
from llmapp.prompts import system_blocks, stamp

client = anthropic.Anthropic()


def ask_{i}(question: str):
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=system_blocks("Time: " + stamp()),
        messages=[{{"role": "user", "content": question}}],
    )
""",
    """\
import anthropic
from llmapp.prompts import POLICIES


class Agent{i}:
    def __init__(self) -> None:
        self.client = anthropic.AsyncAnthropic()
        self.history: list[dict] = []

    async def turn(self, text: str):
        self.history.append({{"role": "user", "content": [{{"type": "text", "text": text}}]}})
        outgoing = [dict(m) for m in self.history]
        reply = await self.client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            system=[{{"type": "text", "text": POLICIES, "cache_control": {{"type": "ephemeral"}}}}],
            messages=outgoing,
        )
        self.history.append({{"role": "assistant", "content": reply.content}})
        return reply
""",
    """\
import json
import boto3
from llmapp.prompts import POLICIES

bedrock = boto3.client("bedrock-runtime")
TOOLS = {{"search", "fetch", "read"}}


def run_{i}(question: str):
    tools = [{{"toolSpec": {{"name": n, "inputSchema": {{"json": {{}}}}}}}} for n in TOOLS]
    return bedrock.converse(
        modelId="anthropic.claude-sonnet-4-5-20250929-v1:0",
        system=[{{"text": POLICIES}}, {{"cachePoint": {{"type": "default"}}}}],
        toolConfig={{"tools": tools + [{{"cachePoint": {{"type": "default"}}}}]}},
        messages=[{{"role": "user", "content": [{{"text": question}}]}}],
    )
""",
    """\
import litellm
from llmapp.prompts import POLICIES


def complete_{i}(question: str, user_name: str):
    return litellm.completion(
        model="anthropic/claude-sonnet-4-5",
        messages=[
            {{"role": "system", "content": [
                {{"type": "text", "text": POLICIES, "cache_control": {{"type": "ephemeral"}}}},
            ]}},
            {{"role": "user", "content": f"{{user_name}} asks: {{question}}"}},
        ],
    )
""",
]


def generate(root: Path, ordinary: int, llm: int, realistic: bool = False) -> None:
    """`realistic`: each LLM module also carries a module's worth of ordinary code (data
    classes, helpers, a small cache class), as LLM modules in real projects do."""
    plain = root / "shop"
    plain.mkdir(parents=True)
    (plain / "__init__.py").write_text("")
    for i in range(ordinary):
        sub = plain / f"pkg{i // 100}"
        if not sub.exists():
            sub.mkdir()
            (sub / "__init__.py").write_text("")
        (sub / f"orders_{i}.py").write_text(ORDINARY.format(i=i))
    app = root / "llmapp"
    app.mkdir()
    (app / "__init__.py").write_text("")
    policies = textwrap.fill("Refunds are accepted within 30 days of delivery. " * 120, 96)
    (app / "prompts.py").write_text(PROMPTS.format(policies=policies))
    for i in range(llm):
        text = LLM[i % len(LLM)].format(i=i)
        if realistic:
            body = ORDINARY.format(i=i).split("\n", 2)[2]  # without its docstring line
            text += "\n" + body.replace("from __future__ import annotations\n", "")
        (app / f"client_{i}.py").write_text(text)
    (root / "pyproject.toml").write_text('[project]\nname = "bench"\n[tool.cachelint]\n')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ordinary", type=int, default=2000)
    ap.add_argument("--llm", type=int, default=200)
    ap.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        generate(root, args.ordinary, args.llm)
        total = args.ordinary + args.llm + 1
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "cachelint", "check", ".", "--format", "json", "--exit-zero"],
            cwd=root,
            capture_output=True,
            env={**os.environ, "NO_COLOR": "1"},
            check=True,
        )
        elapsed = time.perf_counter() - start
        report = json.loads(out.stdout)
        by_code: dict[str, int] = {}
        for f in report["findings"]:
            by_code[f["code"]] = by_code.get(f["code"], 0) + 1
        print(f"files: {total} ({args.ordinary} ordinary, {args.llm} LLM, 1 shared prompts module)")
        print(f"parsed (checked): {report['summary']['files_checked']}")
        print(f"findings: {dict(sorted(by_code.items()))}")
        print(f"elapsed: {elapsed:.2f} s (cold, one process, including interpreter start)")
        print(f"throughput: {total / elapsed:,.0f} files/s")


if __name__ == "__main__":
    main()
