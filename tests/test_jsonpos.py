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
