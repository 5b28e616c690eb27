"""Fixes of Python source (libcst): each keeps comments and layout, the result parses, a second
run changes nothing; suppressed and baselined findings are never fixed; checking alone never
imports libcst."""

from __future__ import annotations

import ast
import json

import pytest

from conftest import run_cli

OLD_API = """import anthropic
from anthropic.types.beta.prompt_caching import (  # the old types
    PromptCachingBetaMessageParam,
    PromptCachingBetaTextBlockParam,
)

client = anthropic.Anthropic()


def ask(history: list[PromptCachingBetaMessageParam]):
    system: list[PromptCachingBetaTextBlockParam] = [
        {"type": "text", "text": "Policies", "cache_control": {"type": "ephemeral"}},
    ]
    return client.beta.prompt_caching.messages.create(  # the beta API
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=system,
        messages=history,
        extra_headers={
            "anthropic-beta": "prompt-caching-2024-07-31, max-tokens-3-5-sonnet-2024-07-15"
        },
    )


def ask_beta(question):
    return client.beta.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        betas=["prompt-caching-2024-07-31"],
        messages=[{"role": "user", "content": question}],
    )


def headers():
    h = {"x-trace": "1"}
    h["anthropic-beta"] = "prompt-caching-2024-07-31"
    return h
"""
NEW_API = """import anthropic
from anthropic.types import (  # the old types
    MessageParam,
    TextBlockParam,
)

client = anthropic.Anthropic()


def ask(history: list[MessageParam]):
    system: list[TextBlockParam] = [
        {"type": "text", "text": "Policies", "cache_control": {"type": "ephemeral"}},
    ]
    return client.messages.create(  # the beta API
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=system,
        messages=history,
        extra_headers={
            "anthropic-beta": "max-tokens-3-5-sonnet-2024-07-15"
        },
    )


def ask_beta(question):
    return client.beta.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        messages=[{"role": "user", "content": question}],
    )


def headers():
    h = {"x-trace": "1"}
    return h
"""

MISSPELT = """import anthropic

client = anthropic.Anthropic()
CACHE = {'type': 'ephemral', 'ttl': '5min'}  # shared by the blocks


def ask(question):
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=[
            {"type": "text", "text": "Policies", "cacheControl": CACHE},
            {"type": "text", "text": "Rules", "cache-control": {"type": "ephemeral"}},
        ],
        messages=[{"role": "user", "content": question}],
    )
"""

FIVE_MARKERS = """import anthropic

client = anthropic.Anthropic()


def ask(question, docs):
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=[
            {"type": "text", "text": "A", "cache_control": {"type": "ephemeral"}},  # a
            {"type": "text", "text": "B", "cache_control": {"type": "ephemeral", "ttl": "1h"}},
            {"type": "text", "text": "C", "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": "D", "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": docs, "cache_control": {"type": "ephemeral"}},
        ],
        messages=[{"role": "user", "content": question}],
    )
"""

UNORDERED = """from pathlib import Path

import anthropic

client = anthropic.Anthropic()


def ask(enabled, question):
    names = set(enabled)
    tools = [{"name": n, "input_schema": {"type": "object"}} for n in names]
    docs = "".join(p.read_text() for p in Path("docs").iterdir())
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        tools=tools,
        system=[{"type": "text", "text": docs, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}],
    )
"""


def _fix(tmp_path, source: str, *args: str, name: str = "app.py"):
    p = tmp_path / name
    p.write_text(source)
    r = run_cli("check", name, "--fix", "--no-cache", *args, cwd=tmp_path)
    return p.read_text(), r


def _assert_fixed_point(tmp_path, name: str, *args: str) -> None:
    before = (tmp_path / name).read_text()
    ast.parse(before)
    r = run_cli("check", name, "--diff", "--no-cache", *args, cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, b""), r.stdout.decode()


def test_deprecated_api_types_and_beta_are_made_current(tmp_path):
    fixed, r = _fix(tmp_path, OLD_API, "--select", "CL501")
    assert fixed == NEW_API, r.stderr.decode()
    assert b"Fixed 9 findings." in r.stderr
    _assert_fixed_point(tmp_path, "app.py", "--select", "CL501")


def test_a_type_name_the_module_defines_is_not_replaced(tmp_path):
    source = (
        "from anthropic.types.beta.prompt_caching import PromptCachingBetaMessage\n\n\n"
        "class Message:\n    pass\n\n\n"
        "def f(m: PromptCachingBetaMessage) -> Message:\n    return Message()\n"
    )
    fixed, r = _fix(tmp_path, source, "--select", "CL501")
    assert fixed == source
    assert b"Fixed 0 findings." in r.stderr


def test_misspelt_keys_and_values_in_code(tmp_path):
    fixed, _ = _fix(tmp_path, MISSPELT, "--select", "CL103")
    assert fixed == (
        MISSPELT.replace("'ephemral'", "'ephemeral'")
        .replace("'5min'", "'5m'")
        .replace('"cacheControl"', '"cache_control"')
        .replace('"cache-control"', '"cache_control"')
    )
    _assert_fixed_point(tmp_path, "app.py", "--select", "CL103")


def test_surplus_markers_and_ttl_order_only_with_unsafe_fixes(tmp_path):
    fixed, r = _fix(tmp_path, FIVE_MARKERS, "--select", "CL101,CL102")
    assert fixed == FIVE_MARKERS
    assert b"2 more fixable with --unsafe-fixes" in r.stderr
    fixed, r = _fix(tmp_path, FIVE_MARKERS, "--select", "CL101,CL102", "--unsafe-fixes")
    # the earliest marker goes (the later ones cache more); its line and comment stay
    assert '{"type": "text", "text": "A"},  # a' in fixed
    assert fixed.count('"cache_control"') == 4
    assert '"ttl": "1h"' not in fixed or fixed.index('"ttl": "1h"') < fixed.index('"C"')
    _assert_fixed_point(tmp_path, "app.py", "--select", "CL101,CL102", "--unsafe-fixes")


def test_a_marker_literal_shared_with_kept_markers_is_not_removed(tmp_path):
    source = FIVE_MARKERS.replace(
        "def ask(",
        'def block(text):\n    return {"type": "text", "text": text, '
        '"cache_control": {"type": "ephemeral"}}\n\n\ndef ask(',
    ).replace('{"type": "text", "text": "A", "cache_control": {"type": "ephemeral"}}', 'block("A")')
    source = source.replace(
        '{"type": "text", "text": "C", "cache_control": {"type": "ephemeral"}}', 'block("C")'
    )
    fixed, _ = _fix(tmp_path, source, "--select", "CL101", "--unsafe-fixes")
    assert fixed == source  # dropping block()'s marker would drop C's, which is kept
    out = run_cli("check", "app.py", "--no-cache", "--select", "CL101", cwd=tmp_path).stdout
    assert b"CL101" in out and b"fix available" not in out


def test_unordered_iteration_is_sorted_unsafely(tmp_path):
    fixed, r = _fix(tmp_path, UNORDERED, "--select", "CL303")
    assert fixed == UNORDERED and b"2 more fixable with --unsafe-fixes" in r.stderr
    fixed, _ = _fix(tmp_path, UNORDERED, "--select", "CL303", "--unsafe-fixes")
    assert "for n in sorted(names)]" in fixed
    assert 'for p in sorted(Path("docs").iterdir()))' in fixed
    _assert_fixed_point(tmp_path, "app.py", "--select", "CL303", "--unsafe-fixes")


def test_a_fix_that_would_delete_a_comment_is_unsafe(tmp_path):
    source = OLD_API.replace(
        'betas=["prompt-caching-2024-07-31"],',
        'betas=[\n            "prompt-caching-2024-07-31",  # for caching\n        ],',
    )
    fixed, _ = _fix(tmp_path, source, "--select", "CL501")
    assert "# for caching" in fixed and "betas=[" in fixed
    fixed, _ = _fix(tmp_path, fixed, "--select", "CL501", "--unsafe-fixes")
    assert "betas=[" not in fixed


def test_suppressed_and_baselined_findings_are_never_fixed(tmp_path):
    suppressed = MISSPELT.replace(
        '"cacheControl": CACHE},', '"cacheControl": CACHE},  # cachelint: ignore[CL103]'
    )
    fixed, _ = _fix(tmp_path, suppressed, "--select", "CL103")
    assert '"cacheControl": CACHE},  # cachelint: ignore[CL103]' in fixed
    assert '"cache_control": {"type": "ephemeral"}' in fixed  # the other one is fixed
    p = tmp_path / "base.py"
    p.write_text(MISSPELT)
    r = run_cli("check", "base.py", "--no-cache", "--write-baseline", "bl.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_cli("check", "base.py", "--fix", "--no-cache", "--baseline", "bl.json", cwd=tmp_path)
    assert p.read_text() == MISSPELT, r.stderr.decode()


def test_json_report_and_concise_output_carry_the_fix(tmp_path):
    (tmp_path / "app.py").write_text(MISSPELT)
    r = run_cli("check", "app.py", "--no-cache", "--format", "json", cwd=tmp_path)
    findings = json.loads(r.stdout)
    findings = findings if isinstance(findings, list) else findings["findings"]
    fixes = [f["fix"] for f in findings if f["code"] == "CL103"]
    assert len(fixes) == 4 and all(f["applicability"] == "safe" for f in fixes)
    for fix in fixes:
        assert all("content" in e for e in fix["edits"]), fix  # text edits, not node rewrites
    lines = run_cli("check", "app.py", "--no-cache", "--format", "concise", cwd=tmp_path).stdout
    cl103 = [ln for ln in lines.decode().splitlines() if ln.endswith("[CL103]")]
    assert cl103 and all(": error: [*] " in ln for ln in cl103)
    (tmp_path / "five.py").write_text(FIVE_MARKERS)
    lines = run_cli("check", "five.py", "--no-cache", "--format", "concise", cwd=tmp_path).stdout
    assert b"[CL101]" in lines and b"[*]" not in lines  # unsafe: not fixed by --fix


def test_checking_does_not_import_libcst(tmp_path):
    (tmp_path / "app.py").write_text(MISSPELT)
    check = run_cli(
        "check", "app.py", "--no-cache", cwd=tmp_path, env={"PYTHONPROFILEIMPORTTIME": "1"}
    )
    assert b"cachelint.python" in check.stderr and b"libcst" not in check.stderr
    diff = run_cli(
        "check",
        "app.py",
        "--no-cache",
        "--diff",
        cwd=tmp_path,
        env={"PYTHONPROFILEIMPORTTIME": "1"},
    )
    assert b"| libcst" in diff.stderr


def test_directory_entries_are_sorted_by_name():
    """os.scandir's entries do not compare: sorted() gets a key."""
    from cachelint.findings import Span
    from cachelint.fix_python import made
    from cachelint.fixes import Applicability, Fix, NodeEdit

    text = 'names = [e.name for e in os.scandir(  # here\n    "docs")]\n'
    fix = Fix(
        "sort", Applicability.UNSAFE, (NodeEdit(Span(1, 26, 2, 12), "sorted", ("e", "e.name")),)
    )
    (done,) = made(text, [fix])
    assert done is not None
    from cachelint.apply_fixes import apply_edits

    assert apply_edits(text, [done])[0] == (
        'names = [e.name for e in sorted(os.scandir(  # here\n    "docs"), key=lambda e: e.name)]\n'
    )
    wrong_place = Fix("sort", Applicability.UNSAFE, (NodeEdit(Span(1, 27, 2, 12), "sorted"),))
    assert made(text, [wrong_place]) == [None]


def test_a_node_rewrite_is_applied_only_once_made_into_text():
    """Fix.text_edits: the edits of a fix made into text; a node rewrite still pending is refused
    with a message, not applied as if it were text."""
    from cachelint.apply_fixes import apply_edits
    from cachelint.findings import Span
    from cachelint.fix_python import made
    from cachelint.fixes import Applicability, Fix, NodeEdit

    text = "for name in os.listdir(root):\n    print(name)\n"
    fix = Fix("sort", Applicability.UNSAFE, (NodeEdit(Span(1, 13, 1, 29), "sorted"),))
    with pytest.raises(ValueError, match="node rewrites not made into text"):
        apply_edits(text, [fix])
    (done,) = made(text, [fix])
    assert done is not None and done.text_edits == done.edits
    assert apply_edits(text, [done])[0].startswith("for name in sorted(os.listdir(root)):")


def test_a_header_argument_left_empty_goes_and_the_call_closes_up(tmp_path):
    source = (
        "import anthropic\n\n"
        "client = anthropic.Anthropic(\n"
        '    default_headers={"anthropic-beta": "prompt-caching-2024-07-31"}\n'
        ")\n"
        'other = anthropic.Anthropic(default_headers={"anthropic-beta": '
        '"prompt-caching-2024-07-31", "x-team": "a"})\n'
    )
    fixed, _ = _fix(tmp_path, source, "--select", "CL501")
    assert fixed == (
        "import anthropic\n\n"
        "client = anthropic.Anthropic()\n"
        'other = anthropic.Anthropic(default_headers={"x-team": "a"})\n'
    )


VOLATILE_SYSTEM = """import anthropic
from datetime import datetime

client = anthropic.Anthropic()


def marked(question):
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=[
            {"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral"}},
            {
                "type": "text",
                "text": f"You are a bot {{v2}}. Today is {datetime.now():%Y-%m-%d}, {'ok'}.",
                "cache_control": {"type": "ephemeral"},
            },
        ],
        messages=[{"role": "user", "content": question}],
    )


def plain(question):
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=f'You are a bot. Now: {datetime.now()}',
        messages=[
            {"role": "user", "content": [
                {"type": "text", "text": question, "cache_control": {"type": "ephemeral"}}
            ]}
        ],
    )


def changing_first(question):
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=[{"type": "text", "text": f"{datetime.now()} is the time.",
                 "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}],
    )
"""

# Stand-ins for the SDK and the clock: each call prints the system it would send.
FAKE_ANTHROPIC = """import datetime as real, json, sys, types

clock = types.ModuleType("datetime")
now = real.datetime(2025, 1, 2, 3, 4, 5)
clock.datetime = type("datetime", (), {"now": staticmethod(lambda: now)})
sys.modules["datetime"] = clock


class _Messages:
    def create(self, **kw):
        print(json.dumps(kw["system"]))


class Anthropic:
    messages = _Messages()
"""


def _systems(tmp_path, name: str) -> list:
    """The system each function of the module sends, with the clock stopped."""
    import subprocess
    import sys

    (tmp_path / "fake" / "anthropic").mkdir(parents=True, exist_ok=True)
    (tmp_path / "fake" / "anthropic" / "__init__.py").write_text(FAKE_ANTHROPIC)
    code = f"import {name[:-3]} as m\nfor f in (m.marked, m.plain, m.changing_first): f('q')"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path / 'fake'}:{tmp_path}"},
        capture_output=True,
        check=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def _text(system) -> str:
    return system if isinstance(system, str) else "".join(b["text"] for b in system)


def test_a_changing_system_text_is_split_after_its_stable_start(tmp_path):
    fixed, r = _fix(tmp_path, VOLATILE_SYSTEM, "--select", "CL301,CL304", name="bot.py")
    assert fixed == VOLATILE_SYSTEM and b"2 more fixable with --unsafe-fixes" in r.stderr
    before = _systems(tmp_path, "bot.py")
    fixed, r = _fix(
        tmp_path, VOLATILE_SYSTEM, "--select", "CL301,CL304", "--unsafe-fixes", name="bot.py"
    )
    assert b"Fixed 2 findings." in r.stderr, r.stderr.decode()
    after = _systems(tmp_path, "bot.py")
    # the text sent is the same, cut where it starts to change; the breakpoint on the stable part
    assert [_text(s) for s in after] == [_text(s) for s in before]
    marked, plain, changing_first = after
    assert marked[1:] == [
        {
            "type": "text",
            "text": "You are a bot {v2}. Today is ",
            "cache_control": {"type": "ephemeral"},
        },
        {"type": "text", "text": "2025-01-02, ok."},
    ]
    assert plain == [
        {"type": "text", "text": "You are a bot. Now: ", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "2025-01-02 03:04:05"},
    ]
    assert changing_first == before[2]  # nothing stable before the time: no fix
    assert (
        '        system=[\n            {"type": "text", "text": \'You are a bot. Now: \',' in fixed
    )
    r = run_cli("check", "bot.py", "--no-cache", "--select", "CL304", cwd=tmp_path)
    assert r.stdout.count(b"[CL304]") == 1  # the one with nothing stable before the time
    _assert_fixed_point(tmp_path, "bot.py", "--select", "CL301,CL304", "--unsafe-fixes")


DUMPED = """import json

import anthropic

client = anthropic.Anthropic()
FIELDS = {"city", "country", "zip"}


def ask(question):
    schema = {name: {"type": "string"} for name in FIELDS}
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=[
            {"type": "text", "text": "Fields: " + json.dumps(schema, indent=2)},
            {"type": "text", "text": json.dumps({"names": list(FIELDS)})},
            {"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral"}},
        ],
        messages=[{"role": "user", "content": question}],
    )
"""


def test_json_dumps_of_a_dict_whose_keys_vary_gains_sort_keys(tmp_path):
    (tmp_path / "app.py").write_text(DUMPED)
    r = run_cli("check", "app.py", "--no-cache", "--format", "concise", cwd=tmp_path)
    lines = [ln for ln in r.stdout.decode().splitlines() if ln.endswith("[CL303]")]
    # the finding is where the order is written: the json.dumps call
    assert [ln.split(":")[1:3] for ln in lines] == [["6", "10"], ["15", "51"]], lines
    fixed, r = _fix(tmp_path, DUMPED, "--select", "CL303", "--unsafe-fixes")
    assert fixed == DUMPED.replace("indent=2)", "indent=2, sort_keys=True)"), r.stderr.decode()
    # a list of the set's items is not put in order by sort_keys: no fix for it
    r = run_cli("check", "app.py", "--no-cache", "--format", "json", cwd=tmp_path)
    (left,) = [f for f in json.loads(r.stdout)["findings"] if f["code"] == "CL303"]
    assert left["line"] == 6 and "fix" not in left
    _assert_fixed_point(tmp_path, "app.py", "--select", "CL303", "--unsafe-fixes")


def test_the_deprecated_api_in_tests_is_reported_not_fixed(tmp_path):
    """Tests compare the beta they pass (the header a mock received): removing it breaks them."""
    (tmp_path / "tests").mkdir()
    for name in ("tests/helpers.py", "test_api.py"):
        fixed, r = _fix(tmp_path, OLD_API, "--select", "CL501", name=name)
        assert fixed == OLD_API and b"Fixed 0 findings." in r.stderr, name
    in_test = OLD_API.replace("def ask_beta(question):", "def test_beta(question):")
    fixed, _ = _fix(tmp_path, in_test, "--select", "CL501")
    assert 'betas=["prompt-caching-2024-07-31"]' in fixed  # the test function keeps its beta
    assert "client.messages.create(  # the beta API" in fixed  # the rest is made current
