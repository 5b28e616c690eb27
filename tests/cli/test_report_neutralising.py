"""Report text cannot be steered by the checked repository: file names and file content reach every
format with control characters escaped, so none can start a line, a CI workflow command or a
terminal escape; a name that is not UTF-8 is shown with a byte escape, never a crash."""

from __future__ import annotations

import json
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest

from cachelint.formatters import BUILTIN
from cachelint.formatters.neutral import shown, shown_columns, shown_path

from conftest import run_cli
from format_fixtures import BAD, URI_CHARS, check_document, load_validator, parse_command

# file name -> content; every file has findings
FILES = {
    "a\n::error file=app.py,line=1::x\n.json": BAD.encode(),
    os.fsdecode(b"req\xff.json"): BAD.encode(),  # not UTF-8: os.fsdecode gives a surrogate
    "::error file=app.py,line=1::lead.json": BAD.encode(),
    " ##[error]space.json": BAD.encode(),
    # CL000 with the line as snippet: a tab before, then CR, a command, a terminal escape
    "b.json": b'\t{"cache_control": 1}\r::warning file=src/app.py,line=2::x\x1b[8m\n',
    # CL103 quotes the value of ttl in its message
    "c.json": json.dumps(
        {
            "model": "claude-sonnet-4-5",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "text",
                            "text": "hi",
                            "cache_control": {
                                "type": "ephemeral",
                                "ttl": "\n::error::v\x1b[2K\u2028##vso[task.complete]\r\x9b\u202e",
                            },
                        }
                    ],
                }
            ],
        }
    ).encode(),
}
SHOWN = {
    "a\\n::error file=app.py,line=1::x\\n.json",
    "req\\xff.json",
    "./::error file=app.py,line=1::lead.json",
    "./ #\\x23[error]space.json",
    "b.json",
    "c.json",
}
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
STRICT = {"PYTHONIOENCODING": "utf-8:strict"}


@pytest.fixture(scope="module")
def validator():
    """The official SARIF schema's validator; None where the schema is missing (the other
    checks still run)."""
    return load_validator()


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    (root / ".git").mkdir()  # the repository root: report paths are relative to it
    try:
        for name, data in FILES.items():
            (root / name).write_bytes(data)
    except (OSError, UnicodeEncodeError) as e:
        pytest.skip(f"this file system refuses such names: {e}")
    return root


def check(tree: Path, *args: str) -> tuple[int, str]:
    proc = run_cli("check", "--no-cache", *args, ".", cwd=tree, env=STRICT)
    assert proc.stderr == b"", proc.stderr.decode(errors="replace")  # no traceback, no warning
    return proc.returncode, proc.stdout.decode("utf-8")  # strict: no lone surrogate got out


def assert_inert(text: str, *, commands: bool = False) -> None:
    """No line of `text` (split on LF and CR, as the Actions runner splits) starts a workflow
    command after leading whitespace, unless `commands` (the github format's own lines); no
    legacy or Azure command anywhere; no control, line-separator or bidi character but LF."""
    for line in re.split(r"[\r\n]", text):
        if commands and line:
            assert re.match(r"::(error|warning|notice) file=", line), repr(line)
        else:
            assert not line.lstrip().startswith("::"), repr(line)
    assert "##[" not in text and "##vso[" not in text.lower()
    bad = [
        c
        for c in text
        if c != "\n" and (unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or c in BIDI)
    ]
    assert not bad, bad


def strings(value) -> list[str]:
    """Every string in a parsed JSON document (what `jq -r` would print)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def assert_report(fmt: str, out: str, tree: Path, validator) -> None:
    """`out` is a well-formed report of `fmt` on every file of the tree, with names shown."""
    assert_inert(out, commands=fmt == "github")
    if fmt == "json":
        doc = json.loads(out)
        for s in strings(doc):
            assert_inert(s)
        assert {f["path"] for f in doc["findings"]} == SHOWN
    elif fmt == "gitlab":
        doc = json.loads(out)
        for s in strings(doc):
            assert_inert(s)
        assert {i["location"]["path"] for i in doc} == SHOWN
    elif fmt == "sarif":
        doc = json.loads(out)
        if validator is not None:
            check_document(doc, validator)  # the official schema, valid URIs
        (run,) = doc["runs"]
        for s in strings(run["results"]):
            assert_inert(s)
        uris = [
            loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"]
            for loc in r["locations"]
        ]
        # percent-encoded bytes of the names as they are on disk
        assert all(URI_CHARS.match(u) for u in uris), uris
        assert {unquote_to_bytes(u) for u in uris} == {os.fsencode(n) for n in FILES}
        assert "req%FF.json" in uris
    elif fmt == "junit":
        root = ET.fromstring(out.encode("utf-8"))
        for e in root.iter():
            for s in (*e.attrib.values(), *([e.text] if e.tag == "failure" else [])):
                assert_inert(s)
        assert {s.get("name") for s in root.iter("testsuite")} == SHOWN
    elif fmt == "github":
        files = {parse_command(line)[1]["file"] for line in out.splitlines()}
        assert files == {shown(str(tree / n)) for n in FILES}
    elif fmt == "text":
        headers = {m.group(1) for m in re.finditer(r"^(\S.*?):\d+:\d+: \w+\[CL", out, re.M)}
        assert headers == SHOWN
    else:
        assert fmt == "concise", f"a new format needs its checks here: {fmt}"
        lines = out.splitlines()
        assert lines[-1].startswith("Found ")
        assert {re.match(r"(.*?):\d+:\d+: ", line).group(1) for line in lines[:-1]} == SHOWN


@pytest.mark.parametrize("fmt", sorted(BUILTIN))
def test_every_format_shows_hostile_names_and_content_inert(fmt, tree, validator):
    code, out = check(tree, "--format", fmt)
    assert code == 1  # findings
    assert_report(fmt, out, tree, validator)
    assert check(tree, "--format", fmt, "--exit-zero") == (0, out)


def test_every_format_written_with_output(tree, tmp_path, validator):
    targets = {fmt: tmp_path / f"report.{fmt}" for fmt in sorted(BUILTIN)}
    outputs = [a for fmt, p in targets.items() for a in ("--output", f"{fmt}:{p}")]
    code, out = check(tree, "--format", "github", "--exit-zero", *outputs)
    assert code == 0
    assert_report("github", out, tree, validator)
    for fmt, path in targets.items():
        assert_report(fmt, path.read_text(encoding="utf-8"), tree, validator)


def test_text_snippet_escapes_and_carets_point_at_the_escape(tree):
    _, out = check(tree, "--format", "text")
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("b.json:1:"))
    snippet, carets = lines[at + 3], lines[at + 4]
    assert snippet.startswith("  1 | ") and carets.startswith("    | ")
    # the tab is shown as spaces, the CR as `\r`; the caret is under what follows it (JSON
    # whitespace), so the escape's width is counted
    assert snippet[6:] == '    {"cache_control": 1}\\r::warning file=src/app.py,line=2::x\\x1b[8m'
    assert carets[6:] == " " * (snippet[6:].index("\\r") + 2) + "^"


def test_a_report_that_cannot_be_written_is_exit_2_not_a_verdict(tree):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    proc = run_cli(
        "check", "--no-cache", "--exit-zero", "--output", "json:/dev/full", ".", cwd=tree
    )
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == [
        "cachelint: internal error in the json report: OSError: [Errno 28] No space left on device"
    ]


def test_diff_shows_request_text_inert(tmp_path):
    def request(text: str) -> str:
        system = [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]
        body = {"model": "claude-sonnet-4-5", "system": system, "messages": []}
        return json.dumps(body) + "\n"

    stable = "Stable text. " * 300
    (tmp_path / "old.json").write_text(request(stable), encoding="utf-8")
    hostile = "Stable text. \r::error::boom\x1b[2K ##[error]x\u2028" + stable
    (tmp_path / "new.json").write_text(request(hostile), encoding="utf-8")
    for fmt in ("text", "json"):
        proc = run_cli("diff", "--format", fmt, "old.json", "new.json", cwd=tmp_path, env=STRICT)
        assert proc.returncode == 1 and proc.stderr == b"", proc.stderr.decode()
        out = proc.stdout.decode("utf-8")
        assert_inert(out)
        texts = strings(json.loads(out)) if fmt == "json" else [out]
        for text in texts:
            assert_inert(text)
        assert any("\\r::error::boom\\x1b[2K" in text for text in texts)


# the neutraliser itself


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain café ☕ 😀", "plain café ☕ 😀"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x00\x1b[8m\x7f", "\\x00\\x1b[8m\\x7f"),
        ("\x85\x9b", "\\x85\\x9b"),  # C1: NEL, CSI
        ("\u2028\u2029\u202e", "\\u2028\\u2029\\u202e"),
        (os.fsdecode(b"req\xff.json"), "req\\xff.json"),
        ("\ud800 \ufffe", "\\ud800 \\ufffe"),
        ("x ##[error]y ##VSO[task] #[ok] # [ok]", "x #\\x23[error]y #\\x23VSO[task] #[ok] # [ok]"),
        ("::error::x", "\\x3a:error::x"),
        ("  ::warning::x", "  \\x3a:warning::x"),
        ("a ::notice::x", "a ::notice::x"),  # not at the start of a line
        ("C:\\dir\\n.json", "C:\\dir\\n.json"),  # a backslash stays
    ],
)
def test_shown(text, expected):
    assert shown(text) == expected
    assert shown(expected) == expected  # escaped text is left as it is


def test_shown_path_keeps_naming_the_file():
    assert shown_path("::error::x.json") == "./::error::x.json"
    assert shown_path(" ::x.json") == "./ ::x.json"
    assert shown_path("dir/::x.json") == "dir/::x.json"
    assert shown_path("a\nb.json") == "a\\nb.json"


def test_no_character_survives_that_a_line_xml_or_a_terminal_cannot_take():
    everything = "".join(map(chr, range(0x110000)))
    out = shown(everything)
    not_xml = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    assert not not_xml.search(out)
    assert_inert(out)


def test_shown_columns_expand_tabs_after_escapes():
    line, at = shown_columns("\ta\x1b\tb", 4)
    assert line == "    a\\x1b   b"
    assert at == [0, 4, 5, 9, 12, 13]  # each character's start, then the end
