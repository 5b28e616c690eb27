"""Positions from JSON paths, computed lazily on the text."""

from __future__ import annotations

import json

import pytest

from cachelint.jsonpos import PathNotFound, line_col, locate, string_offset

DOC = """{
  "a": {"b": [10, {"c": "x\\"y"}, 30]},
  "k\\u00e9y": 1,
  "dup": 1, "dup": 2
}"""


def test_member_key_positions():
    start, vstart, end = locate(DOC, ("a", "b", 1, "c"))
    assert DOC[start:end] == '"c": "x\\"y"'
    assert DOC[vstart:end] == '"x\\"y"'
    assert line_col(DOC, start) == (2, 20)


def test_array_items_escaped_keys_and_duplicates():
    s, _, e = locate(DOC, ("a", "b", 2))
    assert DOC[s:e] == "30"
    s, _, _ = locate(DOC, ("kéy",))
    assert line_col(DOC, s) == (3, 3)
    s, v, _ = locate(DOC, ("dup",))
    assert DOC[v] == "2"  # the last duplicate wins, as in the parsers


def test_missing_paths_raise():
    with pytest.raises(PathNotFound):
        locate(DOC, ("a", "zzz"))
    with pytest.raises(PathNotFound):
        locate(DOC, ("a", "b", 7))


def test_string_offsets_across_escapes():
    value = 'tab\there "q" é 😀 end'
    text = json.dumps({"t": value})
    _, v, _ = locate(text, ("t",))
    for target in ("here", "q", "é", "😀", "end"):
        i = value.index(target)
        raw = string_offset(text, v, i)
        assert json.loads('"' + text[raw:-2] + '"').startswith(target)


def test_deep_nesting_is_iterative():
    depth = 1200  # past the interpreter recursion limit: the walk must be iterative
    text = '{"a": ' * depth + "1" + "}" * depth
    s, _, _ = locate(text, ("a",) * depth)
    assert text[s : s + 3] == '"a"'
    assert s == len('{"a": ' * (depth - 1)) + 1


def test_one_index_answers_many_paths_as_fresh_scans_do():
    from cachelint.jsonpos import JsonIndex

    doc = json.dumps(
        [{"a": [i, {"b": "x" * i, "c": [None, True]}], "k\u00e9": i} for i in range(50)], indent=1
    )
    index = JsonIndex(doc)
    paths = [(i, "a", 1, k) for i in range(50) for k in ("b", "c")] + [(i, "ké") for i in range(50)]
    paths += [(), (7,), (7, "a"), (49, "a", 1, "c", 1)]
    for path in reversed(paths):  # containers scanned for one path serve the next
        assert index.locate(path) == locate(doc, path), path
    with pytest.raises(PathNotFound):
        index.locate((50,))
    with pytest.raises(PathNotFound):
        index.locate((3, "a", 1, "zzz"))


def test_lines_and_columns_of_a_long_text_are_counted_by_blocks():
    from cachelint.jsonpos import _BLOCK, JsonIndex

    lines = ["x" * n for n in (0, 3, _BLOCK + 5, 1, 2 * _BLOCK, 7, 0, 0, 40)]
    text = "\n".join(lines)
    index = JsonIndex(text)
    offsets = {0, 1, len(text) - 1, len(text)}
    offsets |= {b * _BLOCK + d for b in range(len(text) // _BLOCK + 1) for d in (-1, 0, 1)}
    offsets |= set(range(0, len(text), 997))
    for off in sorted(o for o in offsets if 0 <= o <= len(text)):
        assert index.line_col(off) == line_col(text, off), off
        assert index.line_start(off) == text.rfind("\n", 0, off) + 1, off


def _array(n: int, indent: int | None = None) -> str:
    bad = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 10,
        "system": [
            {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral", "ttl": "5m"}}
        ],
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "text",
                        "text": "x",
                        "cache_control": {"type": "ephemeral", "ttl": "1h"},
                    }
                ],
            }
        ],
    }
    return json.dumps([bad] * n, indent=indent, separators=None if indent else (",", ":"))


@pytest.mark.parametrize("indent", [None, 2])
def test_an_array_of_many_requests_gets_every_position_right(indent):
    from cachelint.snippet import excerpt

    from conftest import lint

    text = _array(5000, indent)
    found = lint(text, "requests.json")
    assert sorted(f.code for f in found) == ["CL102"] * 5000 + ["CL201"] * 5000
    keys = [i for i in range(len(text)) if text.startswith('"cache_control"', i)]
    lines = text.split("\n")
    # CL201 is on each request's second marker: its line and column, and its snippet cut from
    # the line as the whole line would be cut
    cl201 = sorted(
        (f for f in found if f.code == "CL201"), key=lambda f: (f.span.line, f.span.column)
    )
    for f, at in zip(cl201, keys[1::2], strict=True):
        assert (f.span.line, f.span.column) == line_col(text, at)
        assert (f.snippet, f.snippet_start) == excerpt(lines[f.span.line - 1], f.span.column)


def test_an_array_of_many_requests_through_the_cli(tmp_path):
    from conftest import run_cli

    (tmp_path / "requests.json").write_text(_array(5000))
    r = run_cli("check", "--no-cache", "--format", "json", "requests.json", cwd=tmp_path)
    findings = json.loads(r.stdout)["findings"]
    assert len(findings) == 10_000
    last = max(f["column"] for f in findings if f["code"] == "CL201")
    assert last == _array(5000).rindex('"cache_control"') + 1
