"""Python source from an untrusted repository: a value built to exhaust memory becomes unknown
before it is built, a failure in one expression loses only that expression, an import that
leads to a symlink loop or a FIFO finds no module, and a file's findings never depend on what
else the run checked before it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from cachelint.config import Config
from cachelint.discovery import Target
from cachelint.engine import Engine, Options
from cachelint.python import project as project_module
from cachelint.python.evaluate import Evaluator

from conftest import lint, run_cli

HEADER = "import anthropic, datetime, textwrap\nc = anthropic.Anthropic()\n"
SYSTEM = (
    "def f():\n"
    "    return c.messages.create(model='claude-sonnet-4-5', max_tokens=1, messages=[],\n"
    "        system=[{'type': 'text', 'text': str(s), 'cache_control': {'type': 'ephemeral'}}])\n"
)
TOOLS = (
    "def f():\n"
    "    return c.messages.create(model='claude-sonnet-4-5', max_tokens=1, messages=[],\n"
    "        tools=[{'name': 't', 'input_schema': s}],\n"
    "        system=[{'type': 'text', 'text': 'x', 'cache_control': {'type': 'ephemeral'}}])\n"
)

# name: (first line, a line that doubles the value, the call that uses it)
DOUBLING = {
    "f-string": ("s = 'ab'", "s = f'{s}{s}'", SYSTEM),
    "percent": ("s = 'ab'", "s = '%s%s' % (s, s)", SYSTEM),
    "format": ("s = 'ab'", "s = '{0}{0}'.format(s)", SYSTEM),
    "join": ("s = 'ab'", "s = s.join([s, s, s])", SYSTEM),
    "concatenation": ("s = 'ab'", "s = s + s", SYSTEM),
    "repetition": ("s = 'ab'", "s = s * 2", SYSTEM),
    "augmented string": ("s = 'ab'", "s += s", SYSTEM),
    "replace": ("s = 'ab'", "s = s.replace('a', s)", SYSTEM),
    "repr": ("s = 'a\\\\b'", "s = repr(s)", SYSTEM),
    "holes in a string": ("s = f'{datetime.datetime.now()}'", "s = f'{s}{s}'", SYSTEM),
    "list concatenation": ("s = [{'type': 'text', 'text': 'x'}]", "s = s + s", SYSTEM),
    "list extend": ("s = [{'type': 'text', 'text': 'x'}]", "s.extend(s)", SYSTEM),
    "augmented list": ("s = [{'type': 'text', 'text': 'x'}]", "s += s", SYSTEM),
    "unpacking": ("s = [{'type': 'text', 'text': 'x'}]", "s = [*s, *s]", SYSTEM),
    "tuple": ("s = ('x',)", "s = (*s, *s)", SYSTEM),
    "set union": ("s = {'x'}", "s = s | s", SYSTEM),
    "set update": ("s = {'x'}", "s.update(s)", SYSTEM),
    "nested list": ("s = ['x']", "s = [s, s]", SYSTEM),
    "nested dict": ("s = {'type': 'object'}", "s = {'a': s, 'b': s}", TOOLS),
    "nested dict in a string": ("s = {'type': 'object'}", "s = {'a': s, 'b': s}", SYSTEM),
    "integer": ("s = 3", "s = s * s", SYSTEM),
}

# name: the line that builds the value in one step
ONE_STEP = {
    "format width": "s = '{:>1000000000}'.format('x')",
    "percent width": "s = '%1000000000s' % 'y'",
    "f-string width": "s = f'{1:>1000000000}'",
    "precision": "s = f'{1.0:.1000000000f}'",
    "percent with a star": "s = '%*s' % (1000000000, 'x')",
    "center": "s = 'x'.center(10 ** 9)",
    "zfill": "s = 'x'.zfill(10 ** 9)",
    "expandtabs": "s = ('\\t' * 1000).expandtabs(10 ** 6)",
    "indent": "s = textwrap.indent('a\\n' * 100000, 'p' * 100000)",
    "split": "s = (' ' * 3000000).split(' ')",
    "splitlines": "s = ('\\n' * 3000000).splitlines()",
    "characters": "s = list('x' * 3000000)",
    "power": "s = 10 ** 60\ns = s ** 63\ns = s ** 63\ns = s ** 63",
    "string repetition": "s = 'x' * 10 ** 9",
    "list repetition": "s = ['x'] * 10 ** 9",
    "tuple repetition": "s = ('x',) * 10 ** 9",
    "tuple of a big list": "s = tuple([' ' * 1000] * 10 ** 9)",
    "wide JSON": "import json\nx = '\\x00' * 1000000\ns = json.dumps([x, x, x])",
}


def _doubling(name: str, steps: int) -> str:
    first, step, call = DOUBLING[name]
    return HEADER + first + "\n" + (step + "\n") * steps + call


def _codes(found) -> list[str]:
    return sorted(f.code for f in found)


def _timed_lint(source: str):
    start = time.process_time()
    found = lint(source, "app.py")
    return found, time.process_time() - start


@pytest.mark.parametrize("name", sorted(DOUBLING))
def test_a_value_doubled_sixty_times_becomes_unknown_before_it_is_built(name):
    small, _ = _timed_lint(_doubling(name, 3))
    found, seconds = _timed_lint(_doubling(name, 60))
    assert seconds < 2, f"{seconds:.1f} s"
    assert "CL000" not in _codes(found), [f.message for f in found]
    # a small value is evaluated as before: the prompt is known (and below the minimum size),
    # or built from a set
    expected = {"holes in a string": [], "set union": ["CL303"], "set update": ["CL303"]}
    assert _codes(small) == expected.get(name, ["CL201"]), [f.message for f in small]


@pytest.mark.parametrize("name", sorted(ONE_STEP))
def test_a_value_too_large_to_build_in_one_step_becomes_unknown(name):
    found, seconds = _timed_lint(HEADER + ONE_STEP[name] + "\n" + SYSTEM)
    assert seconds < 2, f"{seconds:.1f} s"
    assert "CL000" not in _codes(found), [f.message for f in found]


def test_formatting_within_the_budget_is_unchanged():
    found = lint(
        HEADER + "s = '{:>12}|%-6s|{:.3f}'.format('x', 2.5) % 'y' + 'ab'.center(6, '*')\n"
        "assert s == '           x|y     |2.500**ab**'\n" + SYSTEM,
        "app.py",
    )
    assert _codes(found) == ["CL201"]


def test_a_dag_built_by_changing_its_parts_later_is_measured_afresh():
    """Dicts put into each other first and given their second entry afterwards: their carried
    sizes fall behind, and the request is measured again before the rules read it."""
    lines = ["s0 = {'type': 'object'}"]
    lines += [f"s{i} = {{'a': s{i - 1}}}" for i in range(1, 41)]
    lines += [f"s{i}['b'] = s{i - 1}" for i in range(1, 41)]
    src = (
        HEADER
        + "\n".join(lines)
        + "\ns = s40\n"
        + TOOLS.replace(
            "'text': 'x', 'cache_control': {'type': 'ephemeral'}",
            "'text': 'x', 'cache_control': {'type': 'ephemeral', 'ttl': '5m'}}, "
            "{'type': 'text', 'text': 'y', 'cache_control': {'type': 'ephemeral', 'ttl': '1h'}",
        )
    )
    found, seconds = _timed_lint(src)
    assert seconds < 2, f"{seconds:.1f} s"
    assert _codes(found) == ["CL102"]  # the system blocks are still checked
    # and written into a string
    found, seconds = _timed_lint(HEADER + "\n".join(lines) + "\ns = s40\n" + SYSTEM)
    assert seconds < 2 and "CL000" not in _codes(found)


HIDDEN = HEADER + textwrap.dedent(
    """
    def answer(q):
        s = "ab"
    {bomb}
        return c.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024, messages=[{{"role": "user", "content": q}}],
            system=[{{"type": "text", "text": f"Now: {{datetime.datetime.now()}}",
                      "cache_control": {{"type": "ephemeral"}}}}],
        )
    """
).format(bomb='    s = f"{s}{s}"\n' * 40)


def test_a_defect_after_a_bomb_in_the_same_function_is_reported_with_little_memory(tmp_path):
    for name in DOUBLING:
        (tmp_path / f"{name.replace(' ', '_')}.py").write_text(_doubling(name, 60))
    for name, line in ONE_STEP.items():
        (tmp_path / f"one_{name.replace(' ', '_')}.py").write_text(HEADER + line + "\n" + SYSTEM)
    (tmp_path / "hidden.py").write_text(HIDDEN)
    # a fresh intermediate process, so RUSAGE_CHILDREN sees only this run of cachelint, under
    # a 1 GB address-space limit (unlimited, these files took gigabytes)
    probe = (
        "import resource, subprocess, sys\n"
        "limit = lambda: resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "r = subprocess.run([sys.executable, '-m', 'cachelint', 'check', '.', '--no-cache',\n"
        "    '--format', 'concise'], capture_output=True, preexec_fn=limit)\n"
        "sys.stdout.buffer.write(r.stdout + r.stderr)\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    start = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env={**os.environ, "CACHELINT_DEBUG": ""},
    )
    elapsed = time.monotonic() - start
    *report, last = r.stdout.decode().splitlines()
    code, max_rss_kb = map(int, last.split())
    assert code == 1, report
    (hidden,) = [x for x in report if x.startswith("hidden.py")]
    assert "holding the current time (datetime.now())" in hidden and hidden.endswith("[CL304]")
    assert not [x for x in report if "[CL000]" in x or "internal error" in x]
    assert max_rss_kb < 200_000, f"peak RSS {max_rss_kb / 1024:.0f} MiB"
    assert elapsed < 30, f"{elapsed:.0f} s for {len(DOUBLING) + len(ONE_STEP) + 1} files"


# ---- a failure in one expression -----------------------------------------------------------

TTL_ORDER = HEADER + textwrap.dedent(
    """
    def ask(q):
        return c.messages.create(
            model="claude-sonnet-4-5", max_tokens=10, messages=[{"role": "user", "content": q}],
            system=[
                {"type": "text", "text": "a", "cache_control": {"type": "ephemeral", "ttl": "5m"}},
                {"type": "text", "text": f"{q}!",
                 "cache_control": {"type": "ephemeral", "ttl": "1h"}},
            ],
        )
    """
)


def test_running_out_of_memory_in_one_expression_keeps_the_request(tmp_path, monkeypatch):
    def exhausted(self, node, frame):
        raise MemoryError

    monkeypatch.setattr(Evaluator, "eval_fstring", exhausted)
    (tmp_path / "app.py").write_text(TTL_ORDER)
    engine = Engine(Config(root=tmp_path), Options())
    result = engine.lint_target(Target(tmp_path / "app.py", True, "app.py"))
    found = result.findings
    assert _codes(found) == ["CL000", "CL102"]
    assert [f.message for f in found if f.code == "CL000"] == [
        "analysis stopped: cachelint ran out of memory evaluating it; findings for this file "
        "may be incomplete"
    ]
    assert not result.cacheable and result.error is None


_PATCHED_RUN = (
    "import sys\n"
    "from cachelint.python.evaluate import Evaluator\n"
    "def broken(self, node, frame):\n"
    "    raise KeyError('boom')\n"
    "Evaluator.eval_fstring = broken\n"
    "from cachelint.cli import cachelint_command\n"
    "sys.argv = ['cachelint', 'check', 'app.py', '--format', 'concise', '--no-cache']\n"
    "cachelint_command()\n"
)


def test_a_bug_in_one_expression_keeps_the_request_and_fails_the_run(tmp_path):
    (tmp_path / "app.py").write_text(TTL_ORDER)
    env = {**os.environ, "CACHELINT_DEBUG": "", "NO_COLOR": "1"}
    r = subprocess.run(
        [sys.executable, "-c", _PATCHED_RUN], cwd=tmp_path, capture_output=True, env=env
    )
    out = r.stdout.decode()
    assert r.returncode == 2, (out, r.stderr)
    assert "[CL102]" in out
    assert (
        "app.py:1:1: error: internal error while evaluating this file (KeyError: 'boom'); "
        "findings for this file may be incomplete; please report it [CL000]"
    ) in out
    assert r.stderr.decode().strip() == "cachelint: internal error in app.py: KeyError: 'boom'"
    # with CACHELINT_DEBUG, the bug stops the run
    r = subprocess.run(
        [sys.executable, "-c", _PATCHED_RUN],
        cwd=tmp_path,
        capture_output=True,
        env={**env, "CACHELINT_DEBUG": "1"},
    )
    assert r.returncode == 2 and r.stderr == b"cachelint: internal error: KeyError: 'boom'\n"


# ---- imports that lead nowhere ---------------------------------------------------------------

HELPER_USER = (
    HEADER + "from helper import sp\n" + TTL_ORDER[len(HEADER) :].replace("{q}!", "{sp()}")
)


def _self_loop(d):
    os.symlink("helper.py", d / "helper.py")


def _loop_pair(d):
    os.symlink("other.py", d / "helper.py")
    os.symlink("helper.py", d / "other.py")


def _dangling(d):
    os.symlink("nowhere.py", d / "helper.py")


def _fifo(d):
    os.mkfifo(d / "helper.py")


def _folder(d):
    (d / "helper.py").mkdir()


def _device(d):
    os.symlink("/dev/zero", d / "helper.py")


def _fifo_package(d):
    (d / "helper").mkdir()
    os.mkfifo(d / "helper" / "__init__.py")


def _looping_folder(d):
    os.symlink("helper", d / "helper")


@pytest.mark.parametrize(
    "make",
    [_self_loop, _loop_pair, _dangling, _fifo, _folder, _device, _fifo_package, _looping_folder],
)
def test_an_import_that_leads_nowhere_is_a_module_not_available(tmp_path, make):
    (tmp_path / "main.py").write_text(HELPER_USER)
    make(tmp_path)
    walk = [] if "fifo" in make.__name__ else ["."]  # (a FIFO in the walk is the reader's)
    for named in ("main.py", *walk):  # CACHELINT_DEBUG is set: any exception would show
        r = run_cli("check", named, "--no-cache", "--format", "concise", cwd=tmp_path)
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert r.stdout.decode().count("[CL102]") == 1 and r.stderr == b""


def test_packages_nested_deeper_than_the_stack(tmp_path):
    """1,200 nested packages: the import is resolved as in a shallow package."""
    module = HEADER + "from .h import s\n" + SYSTEM
    folders = []
    for name, depth in (("shallow", 1), ("deep", 1200)):
        folder = tmp_path / name
        folders.append(folder)
        for _ in range(depth):
            folder = folder / "p"
            folders.append(folder)
        for folder in folders[-depth - 1 :]:
            folder.mkdir()
            if folder.name == "p":
                (folder / "__init__.py").write_text("")
        (folder / "m.py").write_text(module)
        (folder / "h.py").write_text("s = 'hello'\n")
    try:
        for name in ("shallow", "deep"):
            r = run_cli("check", name, "--no-cache", "--format", "concise", cwd=tmp_path)
            assert r.returncode == 1 and r.stderr == b"", r.stderr[-300:]
            assert r.stdout.decode().count("[CL201]") == 1, r.stdout[-300:]  # 'hello'
    finally:  # deeper than shutil.rmtree (pytest's clean-up) can go
        for folder in reversed(folders):
            for child in folder.iterdir():
                if not child.is_dir():
                    child.unlink()
            folder.rmdir()


# ---- the helper allowance of a checked file -----------------------------------------------------

ONE_HELPER = HEADER + textwrap.dedent(
    """
    from h3 import sp
    def ask(q):
        return c.messages.create(model="claude-sonnet-4-5", max_tokens=10, messages=[],
            system=[{"type": "text", "text": sp(), "cache_control": {"type": "ephemeral"}}])
    """
)
THREE_HELPERS = HEADER + textwrap.dedent(
    """
    from h1 import one
    from h2 import two
    from h3 import sp
    def ask(q):
        return c.messages.create(model="claude-sonnet-4-5", max_tokens=10, messages=[],
            system=[{"type": "text", "text": one() + two() + sp(),
                     "cache_control": {"type": "ephemeral"}}])
    """
)


def _helpers(tmp_path, padding: str) -> None:
    """Three helper modules of 1.5 MB each: 4.5 MB, over the 4 MB a checked file may read."""
    pad = {
        "code": 'TEXT = """\n' + ("y" * 99 + "\n") * 15_000 + '"""\n',
        "comments": ("# " + "x" * 98 + "\n") * 15_000,
    }[padding]
    (tmp_path / "h1.py").write_text(pad + "def one():\n    return 'a'\n")
    (tmp_path / "h2.py").write_text(pad + "def two():\n    return 'b'\n")
    (tmp_path / "h3.py").write_text(
        pad + "import datetime\ndef sp():\n    return f'now {datetime.datetime.now()}'\n"
    )
    (tmp_path / "a_first.py").write_text(ONE_HELPER)
    (tmp_path / "x_main.py").write_text(THREE_HELPERS)
    for i in range(70):  # enough files for worker processes, which read the helpers first
        (tmp_path / f"f{i:02d}.py").write_text(ONE_HELPER)


@pytest.mark.parametrize(("padding", "expected"), [("code", []), ("comments", ["CL304"])])
def test_a_files_findings_do_not_depend_on_what_was_checked_before(
    tmp_path, tmp_path_factory, padding, expected
):
    """x_main.py reads three helpers: with 4.5 MB of code, the third one is over its allowance
    (unknown, no finding), whether or not another file of the run read it first; comment lines
    cost little to parse and count a sixteenth, so with comments all three are read."""
    _helpers(tmp_path, padding)

    def x_main(*args: str) -> list[str]:
        r = run_cli("check", *args, "--format", "concise", cwd=tmp_path)
        assert r.returncode in (0, 1) and r.stderr == b"", r.stderr
        lines = r.stdout.decode().splitlines()
        return sorted(x.rsplit("[", 1)[1][:-1] for x in lines if x.startswith("x_main.py"))

    runs = {
        "alone": x_main("x_main.py", "--no-cache"),
        "after a_first.py": x_main("a_first.py", "x_main.py", "--no-cache"),
        "before a_first.py": x_main("x_main.py", "a_first.py", "--no-cache"),
        "walk": x_main(".", "--no-cache"),
        "walk, 2 workers": x_main(".", "--no-cache", "-j", "2"),
    }
    cache = str(tmp_path_factory.mktemp("cache"))
    runs["cached, after a_first.py"] = x_main("a_first.py", "x_main.py", "--cache-dir", cache)
    runs["cached, alone"] = x_main("x_main.py", "--cache-dir", cache)
    runs["cached walk"] = x_main(".", "--cache-dir", cache)
    (tmp_path / "x_main.py").write_text(THREE_HELPERS + "# an edit\n")
    runs["cached walk after an edit"] = x_main(".", "--cache-dir", cache)
    assert runs == dict.fromkeys(runs, expected)


def test_helpers_are_parsed_once_per_run_and_charged_to_every_file(tmp_path, monkeypatch):
    _helpers(tmp_path, "code")
    parsed = []
    real_parse = project_module.parse
    monkeypatch.setattr(project_module, "parse", lambda text: parsed.append(1) or real_parse(text))
    engine = Engine(Config(root=tmp_path), Options())
    results = {}
    for name in ("a_first.py", "x_main.py", "a_first.py"):
        result = engine.lint_target(Target(tmp_path / name, True, name))
        results.setdefault(name, []).append(_codes(result.findings))
        helpers = {p.rsplit("/", 1)[-1] for p in result.dependencies}
        assert helpers >= ({"h3.py"} if name == "a_first.py" else {"h1.py", "h2.py", "h3.py"})
    assert results == {"a_first.py": [["CL304"], ["CL304"]], "x_main.py": [[]]}
    assert len(parsed) == 3  # h3, h1, h2: each once


def test_the_weight_of_a_helper():
    code = b"x = 1\n" * 100
    comments = b"# " + b"c" * 60 + b"\n"
    assert project_module.parse_weight(code) == len(code)
    assert project_module.parse_weight(code + comments * 16) == len(code) + len(comments)
    assert project_module.parse_weight(b"\n\n   \n") == 0


def test_a_fifo_as_a_helper_is_never_opened_for_reading(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    start = time.monotonic()
    assert project_module.read_helper(tmp_path / "pipe.py") is None
    assert time.monotonic() - start < 1
    (tmp_path / "big.py").write_bytes(b"#" * (project_module.MAX_HELPER_SIZE + 1))
    assert project_module.read_helper(tmp_path / "big.py") is None
    (tmp_path / "ok.py").write_bytes(b"x = 1\n")
    assert project_module.read_helper(tmp_path / "ok.py") == b"x = 1\n"


# ---- found by evaluating every function of the standard library and its tests -----------------


def test_a_character_code_out_of_range_is_an_unknown_character():
    # test_format.py: '%c' % 2**40 raised OverflowError, not the TypeError or ValueError expected
    found = lint(
        HEADER + "def f(q):\n    return c.messages.create(model='claude-sonnet-4-5', "
        "max_tokens=1, messages=[], system=[{'type': 'text', 'text': '%c' % 1114112 + "
        "f'{2**40:c}' + '%c|%s' % (2**40, q), 'cache_control': {'type': 'ephemeral'}}])\n",
        "app.py",
    )
    assert _codes(found) == ["CL302"]  # the parameter after the unknown characters


def test_parsing_helpers_is_not_part_of_the_python_timeout(tmp_path, monkeypatch):
    """Only the first file of a run that uses a helper parses it: if that counted towards its
    python-timeout, the same file could stop early or not depending on what was checked first."""
    real_parse = project_module.parse

    def slow_parse(text):
        end = time.thread_time() + 0.3
        while time.thread_time() < end:
            pass
        return real_parse(text)

    monkeypatch.setattr(project_module, "parse", slow_parse)
    (tmp_path / "h3.py").write_text(
        "import datetime\ndef sp():\n    return f'{datetime.datetime.now()}'\n"
    )
    busy = "def busy():\n    out = []\n    for i in range(16):\n        for j in range(16):\n"
    busy += "            out.append(i)\n    return out\n"  # some 2,000 steps after the import
    (tmp_path / "app.py").write_text(
        ONE_HELPER.replace("sp()", "sp() + str(busy() + busy())") + busy
    )
    engine = Engine(Config(root=tmp_path, python_timeout=0.2), Options())
    result = engine.lint_target(Target(tmp_path / "app.py", True, "app.py"))
    assert _codes(result.findings) == ["CL304"] and result.cacheable
