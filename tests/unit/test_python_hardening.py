"""Python source that would crash, hang or overflow a parser: a clear CL000 for that file, and
the other files of the run are still checked."""

from __future__ import annotations

import shutil
import textwrap
import time

from cachelint.config import Config
from cachelint.engine import Engine, Options
from cachelint.runner import run

from conftest import ROOT, lint, run_cli, sealed
from payloads import HELPER_TIMESTAMP_SOURCE

GOOD = HELPER_TIMESTAMP_SOURCE
GOOD_FINDING = "good.py:8:13: error:"

# Loops and helpers that keep the evaluator busy for most of a second (within its step budget).
SLOW = textwrap.dedent(
    """
    import anthropic

    client = anthropic.Anthropic()


    def part(x):
        out = []
        for i in range(16):
            for j in range(16):
                out.append({"type": "text", "text": f"{x} {i} {j}"})
        return out


    def build(x):
        return part(x) + part(x) + part(x) + part(x)


    def ask(q):
        return client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1, system=build(q) + build(q) + build(q),
            messages=[{"role": "user", "content": q, "cache_control": {"type": "ephemeral"}}],
        )
    """
)


def _cl000(findings):
    return [f.message for f in findings if f.code == "CL000"]


def test_code_nested_too_deeply_is_cl000_not_a_crash(tmp_path):
    # found by tests/unit/test_fuzz_python.py (with libcst, the parser before CPython's ast, whose
    # native code overflowed the C stack on a few thousand nested calls or unary operators)
    (tmp_path / "calls.py").write_text("x = " + "f(" * 3000 + "1" + ")" * 3000 + "\n")
    (tmp_path / "nots.py").write_text("x = " + "not " * 20_000 + "y\n")
    (tmp_path / "minus.py").write_text("cache = " + "-" * 20_000 + "y\n")
    # a syntax error before the deep part stops CPython's parser, not the bracket scan
    (tmp_path / "late.py").write_text("cache = (\nx = " + "[" * 3000 + "]" * 3000 + "\n")
    (tmp_path / "good.py").write_text(GOOD)
    names = ["calls.py", "nots.py", "minus.py", "late.py", "good.py"]
    r = run_cli("check", *names, "--format", "concise", "--no-cache", cwd=tmp_path)
    out = r.stdout.decode()
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert b"Traceback" not in r.stderr
    assert "calls.py:1:" in out and "too many nested parentheses [CL000]" in out
    assert "nots.py:1:1: error: syntax error: the file is nested too deeply to parse" in out
    assert "minus.py:1:1: error: syntax error: the file is nested too deeply" in out
    assert "late.py:" in out and out.count("[CL000]") == 4
    assert GOOD_FINDING in out and "[CL301]" in out


def test_long_call_and_subscript_chains_neither_stall_nor_hide_later_findings():
    # (libcst, the parser before CPython's ast, took time cubic in such chains: 25 s at 2,400)
    chain = "value = x" + "[0]" * 1600 + ".a()" * 200 + "\n"
    start = time.monotonic()
    found = lint(chain + GOOD, "app.py")
    assert time.monotonic() - start < 5
    assert not _cl000(found)
    assert [f.code for f in found] == ["CL301"]


def test_recursion_limit_in_analysis_is_cl000():
    # valid for CPython, but too deep for the analysis: reported, not silently passed
    src = "import anthropic\nc = anthropic.Anthropic()\nx = " + "not " * 900 + "y\n"
    src += (
        "c.messages.create(model='claude-sonnet-4-5', max_tokens=1, messages=[],\n"
        "    system=[{'type': 'text', 'text': str(x), 'cache_control': {'type': 'ephemeral'}}])\n"
    )
    found = lint(src, "app.py")
    assert all("nested too deeply" in m for m in _cl000(found))


def test_python_timeout_stops_the_file_and_the_run_goes_on(tmp_path):
    (tmp_path / "cachelint.toml").write_text("python-timeout = 0.05\n")
    (tmp_path / "slow.py").write_text(SLOW)
    (tmp_path / "good.py").write_text(GOOD)
    r = run_cli("check", ".", "--format", "concise", "--no-cache", cwd=tmp_path)
    out = r.stdout.decode()
    assert r.returncode == 1
    assert (
        "slow.py:1:1: error: analysis stopped: evaluation took longer than 0.05 s "
        "(python-timeout); findings for this file may be incomplete [CL000]"
    ) in out
    assert GOOD_FINDING in out and "[CL301]" in out
    # the default limit leaves the same file alone
    (tmp_path / "cachelint.toml").write_text("")
    r = run_cli("check", "slow.py", "--format", "concise", "--no-cache", cwd=tmp_path)
    assert b"CL000" not in r.stdout


def test_python_timeout_is_validated(tmp_path):
    (tmp_path / "cachelint.toml").write_text("python-timeout = 0\n")
    r = run_cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and b"python-timeout" in r.stderr


def test_a_stopped_analysis_is_not_cached(tmp_path):
    (tmp_path / "slow.py").write_text(SLOW)
    engine = Engine(Config(root=tmp_path, python_timeout=0.05), Options())
    for _ in range(2):
        result = run(engine, [tmp_path], store=sealed(tmp_path / "cache"))
        assert result.cache_hits == 0 and _cl000(result.findings)


def test_an_internal_error_in_one_file_is_cl000_and_exit_2(tmp_path):
    """A bug in cachelint on one file: that file gets CL000, the others are still checked, and
    the run exits 2 (it cannot pass as clean, nor as merely "findings")."""
    shutil.copy(ROOT / "examples" / "support_bot_request.json", tmp_path / "payload.json")
    (tmp_path / "boom.py").write_text(GOOD)
    script = (
        "import sys, cachelint.python.source as e\n"
        "real = e.lint_python\n"
        "def lint_python(data, display, *a, **k):\n"
        "    if display.endswith('boom.py'):\n"
        "        raise KeyError('boom')\n"
        "    return real(data, display, *a, **k)\n"
        "e.lint_python = lint_python\n"
        "from cachelint.cli import cachelint_command\n"
        "sys.argv = ['cachelint', 'check', '.', '--format', 'concise', '--no-cache']\n"
        "cachelint_command()\n"
    )
    r = run_cli_script(script, tmp_path)
    out = r.stdout.decode()
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert (
        "boom.py:1:1: error: internal error while checking this file (KeyError: 'boom'); "
        "please report it [CL000]"
    ) in out
    assert "payload.json:14:71:" in out
    assert r.stderr.decode().strip() == "cachelint: internal error in boom.py: KeyError: 'boom'"


def run_cli_script(script: str, cwd):
    import os
    import subprocess
    import sys

    env = {**os.environ, "CACHELINT_DEBUG": "", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, env=env, timeout=120
    )


def test_python_warnings_about_checked_code_stay_quiet(tmp_path):
    # found by bench/fuzz_long.py: CPython's parser, used as a depth guard, printed
    # "DeprecationWarning: invalid escape sequence" for the checked file on stderr
    (tmp_path / "app.py").write_text(GOOD.replace('"Rules"', '"Rules \\d \\q"'))
    r = run_cli("check", "app.py", "--format", "concise", "--no-cache", cwd=tmp_path,
                env={"PYTHONWARNINGS": "always"})  # fmt: skip
    assert r.returncode == 1 and r.stderr == b"", r.stderr


def test_python_timeout_counts_evaluation_work_not_waiting():
    """Time the process spends descheduled (a loaded machine) does not count: the same file gets
    the same findings whatever else runs."""
    import time

    from cachelint.python.evaluate import Evaluator
    from cachelint.python.project import Project

    ev = Evaluator(Project(), timeout=0.05)
    time.sleep(0.1)
    for _ in range(4096):
        ev.tick()
    assert not ev.timed_out
    busy = Evaluator(Project(), timeout=0.05)
    end = time.thread_time() + 0.1
    while time.thread_time() < end:
        pass
    for _ in range(4096):
        busy.tick()
    assert busy.timed_out


def test_a_nul_byte_in_source_is_reported_where_it_is():
    found = lint('cache_control = {"type": "ephemeral"}\nx = "a\0b"\n', "app.py")
    (f,) = [f for f in found if f.code == "CL000"]
    assert (f.span.line, f.span.column) == (2, 7) and "null bytes" in f.message


def test_a_key_looked_up_at_run_time_and_a_none_key_are_no_crash():
    """`d.get(provider)` with a key only known at run time is unknown (not None, which then
    became a key of the request body), and a body with a None key is read without a crash."""
    src = textwrap.dedent(
        """
        import json

        import boto3

        client = boto3.client("bedrock-runtime")
        STOP_KEYS = {"anthropic": "stop_sequences", "cohere": "stop_sequences"}


        def invoke(provider, stop, messages):
            params = {}
            if k := STOP_KEYS.get(provider):
                params[k] = stop
            body = {**params, "messages": messages, "anthropic_version": "bedrock-2023-05-31"}
            return client.invoke_model(modelId="anthropic.claude-sonnet-4-5", body=json.dumps(body))


        def literal(messages):
            body = {None: 1, "messages": messages, "anthropic_version": "bedrock-2023-05-31"}
            return client.invoke_model(modelId="anthropic.claude-sonnet-4-5", body=json.dumps(body))
        """
    )
    assert lint(src, "bedrock_invoke.py") == []


def test_a_loop_over_a_list_holding_none_and_unknown_items_is_no_crash():
    src = textwrap.dedent(
        """
        import anthropic

        client = anthropic.Anthropic()


        def ask(msg, extra):
            for m in [None, msg, extra]:
                if m is not None:
                    m["content"][-1]["cache_control"] = {"type": "ephemeral"}
            return client.messages.create(model="claude-sonnet-4-5", max_tokens=10, messages=[msg])
        """
    )
    assert [f.code for f in lint(src, "loop_none.py")] == []
