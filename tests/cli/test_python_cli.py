"""Python files through the engine and the CLI: suppressions, per-file ignores, CL000, skipping."""

from __future__ import annotations

import json
import textwrap

from conftest import lint, run_cli

BAD = textwrap.dedent(
    """
    import time
    import anthropic

    def ask(client: anthropic.Anthropic, q):
        return client.messages.create(
            model="claude-sonnet-4-5", max_tokens=10,
            system=[{"type": "text", "text": f"t={time.time()}"},{SUPPRESS}
                    {"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": q}],
        )
    """
)


def _codes(src: str) -> list[str]:
    return [f.code for f in lint(src, "app.py") if f.code != "CL201"]


def test_unsuppressed():
    assert _codes(BAD.replace("{SUPPRESS}", "")) == ["CL301"]


def test_noqa_forms():
    for comment in (
        "# noqa",
        "# noqa: CL301",
        "# NOQA:CL301,CL302",
        "# noqa: CL3",
        "# cachelint: ignore[CL301]",
        "# cachelint: ignore[CL301, CL105]",
    ):
        assert _codes(BAD.replace("{SUPPRESS}", "  " + comment)) == [], comment


def test_noqa_for_other_codes_does_not_suppress():
    for comment in ("# noqa: CL302", "# cachelint: ignore[CL105]", "# noqa: E501"):
        assert _codes(BAD.replace("{SUPPRESS}", "  " + comment)) == ["CL301"], comment


def test_noqa_inside_a_string_is_not_a_comment():
    src = BAD.replace("{SUPPRESS}", "").replace('f"t={time.time()}"', 'f"t={time.time()} # noqa"')
    assert _codes(src) == ["CL301"]


def test_file_level_suppression():
    src = "# cachelint: noqa\n" + BAD.replace("{SUPPRESS}", "")
    assert _codes(src) == []
    # not at the start of a line of its own: an ordinary comment
    src = BAD.replace("{SUPPRESS}", "  # cachelint: noqa")
    assert _codes(src) == ["CL301"]


def test_per_file_ignores_apply_to_python(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cachelint]\nper-file-ignores = {"scripts/*.py" = ["CL3"]}\n'
    )
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "a.py").write_text(BAD.replace("{SUPPRESS}", ""))
    (tmp_path / "b.py").write_text(BAD.replace("{SUPPRESS}", ""))
    out = run_cli("check", ".", "--format", "json", "--ignore", "CL201", cwd=tmp_path)
    report = json.loads(out.stdout)
    assert [(f["path"], f["code"]) for f in report["findings"]] == [("b.py", "CL301")]
    assert out.returncode == 1


def test_syntax_error_is_cl000_with_location(tmp_path):
    (tmp_path / "broken.py").write_text("import anthropic\ndef f(:\n    cache_control = 1\n")
    out = run_cli("check", "broken.py", "--format", "json", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    (f,) = json.loads(out.stdout)["findings"]
    assert f["code"] == "CL000" and f["line"] == 2 and "syntax error" in f["message"]
    assert "Traceback" not in out.stderr.decode()


def test_undecodable_file_is_cl000(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"x = 'caf\xe9'  # cache_control\n")
    out = run_cli("check", "latin.py", "--format", "json", cwd=tmp_path)
    (f,) = json.loads(out.stdout)["findings"]
    assert f["code"] == "CL000" and "utf-8" in f["message"] and f["column"] == 9
    # a declared encoding is honoured
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n")
    out = run_cli("check", "latin.py", "--format", "json", cwd=tmp_path)
    assert json.loads(out.stdout)["findings"] == [] and out.returncode == 0


def test_explicit_python_is_parsed_walked_python_without_markers_is_skipped(tmp_path):
    (tmp_path / "plain.py").write_text("def f(:\n")  # broken, but never mentions caching
    out = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert json.loads(out.stdout)["findings"] == []
    assert json.loads(out.stdout)["summary"]["files_checked"] == 0
    out = run_cli("check", "plain.py", "--format", "json", cwd=tmp_path)
    assert [f["code"] for f in json.loads(out.stdout)["findings"]] == ["CL000"]


def test_other_files_are_skipped_with_a_message(tmp_path):
    (tmp_path / "notes.txt").write_text("cache_control")
    out = run_cli("check", "notes.txt", cwd=tmp_path)
    assert out.returncode == 0
    assert "not a payload or Python file" in out.stderr.decode()


def test_stdin_with_python_filename(tmp_path):
    src = BAD.replace("{SUPPRESS}", "").encode()
    out = run_cli(
        "check",
        "-",
        "--stdin-filename",
        "app.py",
        "--format",
        "concise",
        "--ignore",
        "CL201",
        cwd=tmp_path,
        stdin=src,
    )
    assert out.stdout.decode().startswith("app.py:8:47: error:"), out.stdout


def test_walked_tree_parses_only_candidates_and_reports_in_unicode_columns(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "plain.py").write_text("def f():\n    return {'a', 'b'}\n")
    (tmp_path / "pkg" / "stubs.pyi").write_text("def create(cache_control: dict) -> None: ...\n")
    (tmp_path / "pkg" / "llm.py").write_text(
        "import anthropic\n"
        "def ask(c: anthropic.Anthropic, q):\n"
        "    c.messages.create(model='claude-sonnet-4-5', max_tokens=1, messages=[],\n"
        "        system=[{'type': 'text', 'text': 'é', 'cache_control': {'type': 'ephémère'}}])\n"
    )
    out = run_cli("check", ".", "--format", "json", "--select", "CL103", cwd=tmp_path)
    report = json.loads(out.stdout)
    assert report["summary"]["files_checked"] == 2  # llm.py and the stub; plain.py is skipped
    (f,) = report["findings"]
    assert (f["path"], f["line"], f["column"]) == ("pkg/llm.py", 4, 65)  # code points, 1-based


def test_prefilter_keeps_request_calls_and_drops_ordinary_code():
    from cachelint.python.prefilter import worth_parsing

    for text in (
        b"x = {'cache_control': 1}",
        b"c.beta.messages.with_raw_response.create(",
        b"client.messages.batches.create(requests=r)",
        b"litellm.acompletion(",
        b"bedrock.converse(modelId=m)",
        b"headers={'anthropic-beta': 'prompt-caching-2024-07-31'}",
        b"from anthropic.types import PromptCachingBetaTextBlockParam",
    ):
        assert worth_parsing(text), text
    for text in (
        b"from functools import lru_cache",
        b"cache.set(key, 1)",
        b"self.messages.append(m)",
    ):
        assert not worth_parsing(text), text


_TTL = '{"type": "ephemeral", "ttl": "2h"}'


def _block(key: str) -> str:
    return f'def block(t):\n    return {{"type": "text", "text": t, {key}: {_TTL}}}\n'


# Spellings of a marker that Python reads as "cache_control" and the bytes do not spell out.
HIDDEN_MARKERS = {
    "x_escape.py": _block('"\\x63ache_control"'),
    "u_escape.py": _block('"\\u0063ache_control"'),
    "octal.py": _block('"\\143ache_control"'),
    "by_name.py": _block('"\\N{LATIN SMALL LETTER C}ache_control"'),
    "joined.py": _block('"ca" "che_control"'),
    "joined_lines.py": _block('("cach"\n        r"e_control")'),
    "nfkc.py": f"def block(t):\n    return dict(text=t, ｃache_control={_TTL})\n",
    "utf7.py": "# -*- coding: utf-7 -*-\n" + _block('"+AGM-ache_control"'),
}


def test_prefilter_sees_through_what_python_reads_differently():
    from cachelint.python.prefilter import worth_parsing

    for name, text in HIDDEN_MARKERS.items():
        data = text.encode()
        assert b"cache_control" not in data, name
        assert worth_parsing(data), name
    for data in (
        b"r = client.messages\n    .create(model=m)",
        b"r = client.chat.completions \\\n    .create(model=m)",
        b"r = client.messages.with_raw_response\n    .create(model=m)",
        b"r = bedrock.converse (modelId=m)",
    ):
        assert worth_parsing(data), data
    for data in (  # ordinary code stays skipped
        b'x = "\\x00\\x1b" "abc"\nprint("cache", "control")\n',
        "s = 'café'  # a comment\n".encode(),
        b"log.info('prompt caching is unrelated')\n",
    ):
        assert not worth_parsing(data), data


def test_a_walk_finds_what_naming_each_file_finds(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.cachelint]\n")
    for name, text in HIDDEN_MARKERS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    # a request whose call chain is split over lines, its markers in a helper module
    (tmp_path / "prompts.py").write_text(
        f'SYSTEM = [{{"type": "text", "text": "r", "cache_control": {_TTL}}}]\n'
    )
    (tmp_path / "app.py").write_text(
        "import anthropic\nfrom prompts import SYSTEM\nc = anthropic.Anthropic()\n"
        "def ask(q):\n    return (\n        c.messages\n        .create(model='claude-sonnet-4-5',"
        " max_tokens=10, system=SYSTEM, messages=[{'role': 'user', 'content': q}])\n    )\n"
    )
    named = []
    for name in [*HIDDEN_MARKERS, "app.py", "prompts.py"]:
        r = run_cli("check", "--no-cache", "--format", "concise", name, cwd=tmp_path)
        lines = [ln for ln in r.stdout.decode().splitlines() if "[CL" in ln]
        assert lines and all(ln.startswith(name) for ln in lines), (name, r.stdout)
        named += lines
    r = run_cli("check", "--no-cache", "--format", "concise", ".", cwd=tmp_path)
    assert sorted(ln for ln in r.stdout.decode().splitlines() if "[CL" in ln) == sorted(named)
