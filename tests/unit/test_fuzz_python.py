"""Property tests: any Python source is analysed or reported as CL000, never a traceback.

The sources are mostly realistic request-building code, mutated, so that they reach the
evaluator rather than stopping at the parser: client.messages.create calls, cache_control dicts,
f-strings with datetime.now(), helpers, loops. Fixed seed in CI; bench/fuzz_long.py runs them
with a random seed and many more examples. tests/conftest.py sets CACHELINT_DEBUG=1, so an
evaluator error that production would degrade to "unknown" fails these tests.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cachelint.runner import run

from conftest import lint, make_engine, run_cli
from fuzzing import SETTINGS, check_findings, fuzz_settings

pytestmark = pytest.mark.slow  # property tests, many examples

TEMPLATES = [
    """
    import anthropic
    from datetime import datetime

    client = anthropic.Anthropic()
    RULES = "Be helpful. " * 400

    def build_system(user):
        now = datetime.now().isoformat()
        return [
            {"type": "text", "text": f"Today is {now}. User {user}."},
            {"type": "text", "text": RULES, "cache_control": {"type": "ephemeral", "ttl": "1h"}},
        ]

    def ask(user, question):
        return client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            system=build_system(user),
            messages=[{"role": "user", "content": question}],
        )
    """,
    """
    import time, uuid
    from anthropic import AsyncAnthropic

    TOOLS = [{"name": f"tool_{i}", "description": "d", "input_schema": {"type": "object"}}
             for i in range(3)]
    TOOLS[-1]["cache_control"] = {"type": "ephemeral"}

    async def chat(client: AsyncAnthropic, history, q):
        history.append({"role": "user", "content": q})
        for i, msg in enumerate(history):
            if i == len(history) - 1:
                msg["content"] = [{"type": "text", "text": msg["content"],
                                   "cache_control": {"type": "ephemeral"}}]
        system = "Session %s at %d" % (uuid.uuid4(), time.time())
        return await client.messages.create(
            model="claude-opus-4-1", max_tokens=100, tools=TOOLS, system=system,
            messages=history,
        )
    """,
    """
    import anthropic

    CACHE = {"type": "ephemeral", "ttl": "5m"}
    LONG = {"type": "ephemeral", "ttl": "1h"}

    class Bot:
        def __init__(self, model="claude-haiku-4-5"):
            self.client = anthropic.Anthropic()
            self.model = model
            self.docs = set(["a", "b", "c"])

        def blocks(self):
            out = []
            for d in self.docs:
                out.append({"type": "text", "text": d, "cache_control": CACHE})
            out[0]["cache_control"] = LONG
            return out

        def run(self, q):
            kwargs = dict(model=self.model, max_tokens=5, system=self.blocks())
            return self.client.messages.create(messages=[{"role": "user", "content": q}], **kwargs)
    """,
    """
    import boto3, json, os

    bedrock = boto3.client("bedrock-runtime")

    def converse(prompt, stamp=None):
        system = [{"text": "You are terse. " * 300}, {"cachePoint": {"type": "default"}}]
        if stamp:
            system.insert(0, {"text": f"now={os.environ.get('NOW')}"})
        return bedrock.converse(
            modelId="anthropic.claude-sonnet-4-5-v1:0",
            system=system,
            messages=[{"role": "user", "content": [{"text": prompt}]}],
        )

    def invoke(prompt):
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10,
                "messages": [{"role": "user", "content": prompt}],
                "system": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}]}
        return bedrock.invoke_model(modelId="anthropic.claude-3-haiku", body=json.dumps(body))
    """,
    """
    from openai import OpenAI
    import random

    client = OpenAI(base_url="https://openrouter.ai/api/v1")

    def helper(n):
        return helper(n - 1) + "x" if n else ""

    def ask(q, extra=None):
        msgs = [{"role": "system", "content": [
            {"type": "text", "text": "Policy " + str(random.random())},
            {"type": "text", "text": helper(3), "cache_control": {"type": "ephemeral"}}]}]
        msgs += extra or []
        msgs.append({"role": "user", "content": q})
        return client.chat.completions.create(model="anthropic/claude-sonnet-4.5", messages=msgs)
    """,
    """
    import anthropic
    client = anthropic.Anthropic()
    resp = client.beta.prompt_caching.messages.create(
        model="claude-3-5-sonnet-20241022", max_tokens=1,
        extra_headers={"anthropic-beta": "prompt-caching-2024-07-31"},
        system=[{"type": "text", "text": "s", "cache_control": {"type": "ephemeral", "ttl": 3}}],
        messages=[{"role": "user", "content": "hi", "cache_control": {"type": "ephemral"}}],
    )
    while True:
        with client.messages.stream(model="claude-sonnet-4-5", max_tokens=1, messages=[
            {"role": "user", "content": [{"type": "text", "text": "x",
                                          "cache_control": {"type": "ephemeral"}}]}]) as s:
            break
    """,
]
SOURCES = [textwrap.dedent(t).lstrip() for t in TEMPLATES]

# Fragments that keep mutated code plausible: they shift scopes, add calls and markers.
FRAGMENTS = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "**",
    "*",
    " + ",
    "\n",
    "\n    ",
    "\t",
    "\\\n",
    '"',
    "'''",
    'f"{',
    "}",
    "lambda: ",
    "yield ",
    "return ",
    "await ",
    "global x\n",
    "del ",
    "not ",
    " if x else ",
    "datetime.now()",
    "uuid.uuid4()",
    "time.time()",
    "{'type': 'ephemeral'}",
    "cache_control",
    '"cache_control": {"type": "ephemeral", "ttl": "1h"}, ',
    "client.messages.create(",
    "messages=[",
    "system=",
    "**kwargs",
    "*args",
    "build_system(user)",
    "helper(n)",
    "self",
    "None",
    "...",
    "1e999",
    "0x",
    "10**10**10",
    "match x:\n case _: pass\n",
    "@functools.cache\n",
    "async ",
    "for x in set(y): ",
    "while True: ",
    "try:\n pass\nexcept:\n pass\n",
    ":=",
    "\x00",
    "\ufeff",
    "\u00e9",
    "\U0001f600",
]


def _mutate(src: str, ops: list[tuple[str, int, int, str]]) -> str:
    for how, a, b, frag in ops:
        n = len(src) or 1
        i = a % n
        if how == "insert":
            src = src[:i] + frag + src[i:]
        elif how == "delete":
            src = src[:i] + src[i + b % 40 :]
        elif how == "truncate":
            src = src[:i]
        elif how == "duplicate":
            src = src[:i] + src[i : i + b % 200] + src[i:]
        else:  # swap two lines
            lines = src.split("\n")
            j, k = a % len(lines), b % len(lines)
            lines[j], lines[k] = lines[k], lines[j]
            src = "\n".join(lines)
    return src


mutations = st.lists(
    st.tuples(
        st.sampled_from(["insert", "insert", "delete", "truncate", "duplicate", "swap"]),
        st.integers(0, 10_000),
        st.integers(0, 10_000),
        st.sampled_from(FRAGMENTS) | st.text(max_size=6),
    ),
    min_size=1,
    max_size=4,
)


def lint_py(source: str | bytes, name: str = "app.py"):
    findings = lint(source, name)
    check_findings(findings)
    return findings


def test_templates_are_analysed():
    """The templates themselves parse and reach the request rules (else the fuzzing is moot)."""
    for src in SOURCES:
        found = lint_py(src)
        assert found and not [f for f in found if f.code == "CL000"], src


@SETTINGS
@given(st.sampled_from(SOURCES), mutations)
def test_mutated_request_code(src, ops):
    lint_py(_mutate(src, ops))


@SETTINGS
@given(st.sampled_from(SOURCES), st.integers(0, 10_000))
def test_truncated_request_code(src, cut):
    """Any prefix of valid code: analysed, or CL000 pointing inside the file."""
    text = src[: cut % len(src)]
    found = lint_py(text)
    lines = max(1, text.count("\n") + 1)
    for f in found:
        if f.code == "CL000":
            assert f.span.line <= lines + 1 and f.message.startswith("syntax error")


@fuzz_settings(0.5)
@given(st.text(max_size=300))
def test_random_text(text):
    lint_py(text)


ENCODINGS = [
    b"",
    b"# -*- coding: latin-1 -*-\n",
    b"# coding: utf-8\n",
    b"# vim: set fileencoding=cp1252 :\n",
    b"# coding: utf-16\n",
    b"# coding: no-such-codec\n",
    b"\xef\xbb\xbf",
    b"\xef\xbb\xbf# coding: latin-1\n",
    b"#!/usr/bin/env python\n# coding=ascii\n",
]


@SETTINGS
@given(
    st.sampled_from(ENCODINGS),
    st.sampled_from(SOURCES),
    st.integers(0, 10_000),
    st.binary(min_size=1, max_size=3) | st.sampled_from([b"\x00", b"\xe9", b"\xff\xfe", b"\r"]),
)
def test_odd_encodings_and_bytes(header, src, pos, chunk):
    data = src.encode()
    pos %= len(data)
    found = lint_py(header + data[:pos] + chunk + data[pos:])
    bad = [f for f in found if f.code == "CL000"]
    assert len(bad) <= 1


NESTERS = {
    "parens": ("(" * 1, "1", ")" * 1),
    "lists": ("[", "1", "]"),
    "dicts": ('{"a": ', "1", "}"),
    "calls": ("f(", "x", ")"),
    "lambdas": ("lambda: ", "1", ""),
    "not": ("not ", "x", ""),
    "unary": ("-", "1", ""),
    "subscripts": ("", "x", "[0]"),
    "attributes": ("", "x", ".a"),
    "fstrings": ('f"{', "x", '}"'),
}


def _nested(kind: str, depth: int) -> str:
    if kind == "plus":
        return " + ".join(["'x'"] * depth)
    if kind == "ifs":
        depth = min(depth, 99)  # Python's own limit on indentation levels is 100
        return "".join(f"{' ' * i}if x:\n" for i in range(depth)) + " " * depth + "pass"
    if kind == "fstrings":
        depth = min(depth, 5)  # nested quotes run out before depth does
    pre, mid, post = NESTERS[kind]
    return pre * depth + mid + post * depth


@fuzz_settings(0.3)
@given(
    st.sampled_from(["plus", "ifs", *NESTERS]),
    st.integers(1, 1200),
    st.sampled_from(["system", "text", "messages"]),
)
def test_deep_nesting_in_request_code(kind, depth, where):
    """Very deep expressions: analysed (values degrade to unknown) or CL000, never a crash."""
    deep = _nested(kind, depth)
    if kind == "ifs":
        src = f"import anthropic\n{deep}\n"
    else:
        text = deep if where == "text" else '"t"'
        system = deep if where == "system" else f'[{{"type": "text", "text": {text}}}]'
        messages = deep if where == "messages" else '[{"role": "user", "content": "q"}]'
        src = (
            "import anthropic\nc = anthropic.Anthropic()\nx = 1\n"
            f"c.messages.create(model='claude-sonnet-4-5', max_tokens=1, system={system},\n"
            f"    messages={messages}, cache_control={{'type': 'ephemeral'}})\n"
        )
    found = lint_py(src)
    for f in found:
        if f.code == "CL000":
            assert any(w in f.message for w in ("nested", "syntax error", "a chain of more"))


@fuzz_settings(0.3)
@given(
    st.sampled_from(
        [
            "'x' * 10**{n}",
            "'{big}'",
            "{n}" + "0" * 5000,
            "2 ** {n} ** {n}",
            "[{{'type': 'text', 'text': 'y'}}] * 10**{n}",
            "'a' + 'b' * {n}000000",
            "b'\\x00' * {n}",
        ]
    ),
    st.integers(1, 60),
)
def test_huge_literals(template, n):
    value = template.format(n=n, big="y" * (n * 20_000))
    src = (
        "import anthropic\n"
        f"BIG = {value}\n"
        "anthropic.Anthropic().messages.create(model='claude-sonnet-4-5', max_tokens=1,\n"
        "    system=[{'type': 'text', 'text': BIG, 'cache_control': {'type': 'ephemeral'}}],\n"
        "    messages=[{'role': 'user', 'content': 'q'}])\n"
    )
    lint_py(src)


@fuzz_settings(0.3)
@given(st.integers(2, 12), st.booleans(), st.sampled_from(["text", "system", "cache_control"]))
def test_recursion_between_helpers(n, via_method, role):
    """Mutually recursive helpers that build request parts: the evaluator stops, no crash."""
    defs = []
    for i in range(n):
        nxt = f"h{(i + 1) % n}"
        call = f"self.{nxt}(x)" if via_method else f"{nxt}(x)"
        own = "self, " if via_method else ""
        defs.append(f"    def h{i}({own}x):\n        return [{call}, {{'{role}': x}}]\n")
    body = "".join(defs) if via_method else textwrap.dedent("".join(defs))
    head = "class K:\n" if via_method else ""
    first = "K().h0" if via_method else "h0"
    src = (
        f"import anthropic\nfrom datetime import datetime\n{head}{body}\n"
        "anthropic.Anthropic().messages.create(model='claude-sonnet-4-5', max_tokens=1,\n"
        f"    system={first}(str(datetime.now())), messages=[{{'role': 'user', 'content': 'q'}}])\n"
    )
    lint_py(src)


@fuzz_settings(0.1)
@given(
    st.integers(2, 5),
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=8),
    st.booleans(),
)
def test_circular_imports_between_project_modules(tmp_path_factory, n, edges, star):
    """Modules that import each other in a cycle: every one is checked, none crashes."""
    root = tmp_path_factory.mktemp("proj")
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    pkg = root / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .m0 import *\n" if star else "")
    imports = {i: {(i + 1) % n} for i in range(n)}  # a ring, plus random edges
    for a, b in edges:
        imports[a % n].add(b % n)
    for i in range(n):
        lines = ["import anthropic", "from datetime import datetime"]
        lines += [f"from pkg.m{j} import part{j}" for j in sorted(imports[i])]
        lines += [f"from . import m{j}" for j in sorted(imports[i])]
        calls = " + ".join(f"m{j}.part{j}()" for j in sorted(imports[i]))
        lines += [
            f"def part{i}():",
            f"    return [{{'type': 'text', 'text': 'm{i} ' + str(datetime.now())}}] + {calls}",
            "SYSTEM = part0() if 'part0' in globals() else []",
            "anthropic.Anthropic().messages.create(model='claude-sonnet-4-5', max_tokens=1,",
            "    system=[*SYSTEM, {'type': 'text', 'text': 'x', 'cache_control': "
            "{'type': 'ephemeral'}}],",
            f"    messages=[{{'role': 'user', 'content': part{i}()}}])",
        ]
        (pkg / f"m{i}.py").write_text("\n".join(lines) + "\n")
    engine = make_engine()
    engine.config.root = root
    result = run(engine, [root])
    check_findings(result.findings)
    assert result.files_checked >= n
    assert not [f for f in result.findings if f.code == "CL000"]


def test_one_cli_run_over_many_mutated_files(tmp_path):
    """The invariants end to end: mutated files next to a good one, one CLI run, exit 1, no
    traceback, the good file's finding present, every file either analysed or CL000."""
    import random

    rng = random.Random(6)
    for i in range(24):
        ops = [
            (rng.choice(["insert", "delete", "truncate", "swap"]), rng.randrange(10_000),
             rng.randrange(10_000), rng.choice(FRAGMENTS))
            for _ in range(rng.randint(1, 3))
        ]  # fmt: skip
        (tmp_path / f"mutant{i:02}.py").write_text(_mutate(SOURCES[i % len(SOURCES)], ops))
    (tmp_path / "good.py").write_text(SOURCES[0])
    names = sorted(p.name for p in tmp_path.iterdir())  # named, so none is skipped unparsed
    r = run_cli("check", *names, "--format", "json", "--no-cache", cwd=tmp_path)
    assert r.returncode == 1 and b"Traceback" not in r.stderr, r.stderr
    report = json.loads(r.stdout)
    assert report["summary"]["files_checked"] == 25
    assert any(f["path"] == "good.py" and f["code"] == "CL301" for f in report["findings"])
