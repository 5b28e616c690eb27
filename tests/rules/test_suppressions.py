"""Suppression comments where people put them (the finding's line, or a note's), and CL001
unused-suppression: opt-in, exact about the code, silent about other tools' codes."""

from __future__ import annotations

import json
import textwrap

import pytest

from conftest import lint, run_cli

# CL301 at line 11 (the value brought in), with a note at the breakpoint, line 16
APP = textwrap.dedent(
    """\
    import datetime

    import anthropic

    client = anthropic.Anthropic()
    RULES = "Answer questions about orders, refunds and shipping. " * 200


    def ask(question: str):
        # {ABOVE}
        stamp = f"Now: {datetime.datetime.now()}"  # {FINDING}
        return client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            system=[
                {"type": "text", "text": stamp},  # {BLOCK}
                {"type": "text", "text": RULES, "cache_control": {"type": "ephemeral"}},  # {NOTE}
            ],
            messages=[{"role": "user", "content": question}],
        )
    """
)
FINDING_LINE, NOTE_LINE = 11, 17


def app(**comments: str) -> str:
    src = APP
    for place in ("ABOVE", "FINDING", "BLOCK", "NOTE"):
        src = src.replace("# {" + place + "}", comments.get(place.lower(), ""))
    return src


def _found(src: str, **config) -> list[tuple[int, int, str]]:
    return [(f.span.line, f.span.column, f.code) for f in lint(src, "app.py", **config)]


def test_the_fixture_has_its_finding_and_note():
    found = lint(app(), "app.py")
    assert [(f.span.line, f.code) for f in found] == [(FINDING_LINE, "CL301")]
    assert [n.line for _, n in found[0].notes] == [NOTE_LINE]


@pytest.mark.parametrize("comment", ["# noqa: CL301", "# cachelint: ignore[CL301]", "# noqa"])
@pytest.mark.parametrize("place", ["finding", "note"])
def test_a_suppression_works_on_the_finding_line_and_on_a_note_line(place, comment):
    assert _found(app(**{place: comment})) == []


@pytest.mark.parametrize("place", ["block", "above"])
def test_a_suppression_elsewhere_does_not_suppress(place):
    assert [c for _, _, c in _found(app(**{place: "# noqa: CL301"}))] == ["CL301"]


def test_a_note_line_suppression_of_another_code_does_not_suppress():
    assert [c for _, _, c in _found(app(note="# noqa: CL302"))] == ["CL301"]


def test_rule_names_work_in_cachelint_ignore():
    assert _found(app(note="# cachelint: ignore[volatile-before-breakpoint]")) == []


# -- CL001 unused-suppression --------------------------------------------------------------


def _unused(src: str, *extra: str, tmp_path) -> list[dict]:
    (tmp_path / "app.py").write_text(src)
    args = ("--extend-select", "CL001", *extra) if "--select" not in extra else extra
    r = run_cli("check", "app.py", "--format", "json", "--no-cache", *args, cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    return [f for f in json.loads(r.stdout)["findings"] if f["code"] == "CL001"]


def _at(src: str, line: int, text: str) -> int:
    """1-based column of `text` on `line` of src."""
    return src.splitlines()[line - 1].index(text) + 1


def test_cl001_is_opt_in_and_not_part_of_all(tmp_path):
    src = app(block="# noqa: CL301")
    assert [(line, c) for line, _, c in _found(src)] == [(FINDING_LINE, "CL301")]  # ALL: no CL001
    (tmp_path / "app.py").write_text(src)
    r = run_cli(
        "check", "app.py", "--select", "ALL", "--format", "json", "--no-cache", cwd=tmp_path
    )
    assert "CL001" not in r.stdout.decode()
    for name in ("CL001", "unused-suppression", "CL0"):
        found = _unused(src, "--extend-select", name, tmp_path=tmp_path)
        assert [(f["line"], f["column"]) for f in found] == [(16, _at(src, 16, "CL301"))], name


def test_cl001_points_at_the_unused_code_only(tmp_path):
    src = app(finding="# noqa: CL302, CL301", note="# noqa: E501, CL304")
    found = _unused(src, tmp_path=tmp_path)
    assert [(f["line"], f["column"], f["end_column"]) for f in found] == [
        (FINDING_LINE, _at(src, FINDING_LINE, "CL302"), _at(src, FINDING_LINE, "CL302") + 5),
        (NOTE_LINE, _at(src, NOTE_LINE, "CL304"), _at(src, NOTE_LINE, "CL304") + 5),
    ]
    assert "no CL302 finding" in found[0]["message"]
    assert "no CL304 finding" in found[1]["message"]


def test_cl001_reports_an_unknown_code_with_a_suggestion(tmp_path):
    src = app(
        finding="# noqa: CL301",
        block="# noqa: CL3011",
        note="# cachelint: ignore[volatile-before-breakpont]",
    )
    found = _unused(src, tmp_path=tmp_path)
    assert [(f["line"], f["column"]) for f in found] == [
        (16, _at(src, 16, "CL3011")),
        (NOTE_LINE, _at(src, NOTE_LINE, "volatile-")),
    ]
    assert "unknown rule code or name 'CL3011'" in found[0]["message"]
    assert "it suppresses nothing" in found[0]["message"]
    assert "did you mean volatile-before-breakpoint?" in found[1]["message"]


@pytest.mark.parametrize(
    "comment", ["# noqa", "# noqa: E501", "# noqa: E501, F401", "# NOQA:W291", "# type: ignore"]
)
def test_cl001_leaves_other_tools_comments_alone(comment, tmp_path):
    assert _unused(app(block=comment), tmp_path=tmp_path) == []


def test_cl001_reports_a_cachelint_ignore_without_codes_that_is_unused(tmp_path):
    src = app(block="# cachelint: ignore[]")
    found = _unused(src, tmp_path=tmp_path)
    assert [(f["line"], f["column"]) for f in found] == [(16, _at(src, 16, "# cachelint"))]
    assert _unused(app(finding="# cachelint: ignore[]"), tmp_path=tmp_path) == []  # used


def test_cl001_leaves_codes_of_rules_that_did_not_run(tmp_path):
    src = app(block="# noqa: CL302")
    assert len(_unused(src, tmp_path=tmp_path)) == 1
    assert _unused(src, "--ignore", "CL302", tmp_path=tmp_path) == []
    assert _unused(src, "--select", "CL001", tmp_path=tmp_path) == []


def test_cl001_can_be_suppressed_on_its_line_and_in_the_whole_file(tmp_path):
    assert _unused(app(block="# noqa: CL999, CL001"), tmp_path=tmp_path) == []
    src = "# cachelint: noqa\n" + app(block="# noqa: CL999")
    assert _unused(src, tmp_path=tmp_path) == []


def test_cl001_in_a_walked_file_without_llm_code(tmp_path):
    (tmp_path / "pkg").mkdir()
    util = "def f():\n    return 1  # noqa: CL301\n"
    (tmp_path / "pkg" / "util.py").write_text(util)
    (tmp_path / "pkg" / "plain.py").write_text("def g():\n    return 2  # noqa: E501\n")
    args = ("--extend-select", "CL001", "--format", "json", "--no-cache")
    r = run_cli("check", "pkg", *args, cwd=tmp_path)
    found = json.loads(r.stdout)["findings"]
    assert [(f["path"], f["line"], f["column"], f["code"]) for f in found] == [
        ("pkg/util.py", 2, _at(util, 2, "CL301"), "CL001")
    ]
    assert r.returncode == 1


def test_the_cl001_page_renders_comments_at_a_line_start_as_prose():
    r = run_cli("rule", "unused-suppression")
    text = r.stdout.decode()
    assert r.returncode == 0 and text.startswith("unused-suppression (CL001)\n---")
    # a paragraph line that starts with a code span (`# cachelint: noqa`) is not a heading
    assert "\n# cachelint: noqa.\n\nOpt-in." in text
    assert "\nWhy is this bad?\n----------------\n" in text
