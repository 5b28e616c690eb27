"""Spans of reported nodes: CPython's byte offsets turned into character columns, on Python's
own line breaks."""

from __future__ import annotations

import ast

import pytest

from cachelint.python.positions import Positions

SOURCES = {
    "plain": "import os\n\nX = 1\n\n\ndef f(a):\n    return {'k': a, 'cache_control': X}\n",
    "header comments": (
        "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\n'''doc'''\nx = [1,\n  2]\n"
    ),
    "decorators": (
        "import functools\n\n# about f\n\n@functools.cache\n# between\n\n@other(\n    1,\n)\n"
        "async def f(x):\n    # inside\n    return x\n\n\nclass C(  # trailing\n    Base):\n"
        "    @property\n    def p(self):\n        return 1\n"
    ),
    "semicolons": "a = 1; b = {'x': 2}; c = f(a,\n b)\nif a: b = 3\n",
    "crlf": "x = 1\r\n\r\ndef g():\r\n    return {'a': [1, 2]}\r\n# end\r\n",
    "cr only": "x = 1\r\ny = {'a': 2}\r",
    "continuations": "x = 1 + \\\n    2\ny = ('a'\n     'b')\nz = '''multi\nline''' + \"q\"\n",
    "form feed": "x = 1\n\x0c\ndef h():\n    return 2\n",
    "unicode": "s = 'héllo wörld'; t = {'名前': s}\nu = f'{s}…{t}'\n",
    "no final newline": "def k():\n    return 1\nx = k()",
    "main guard": "def main():\n    pass\n\nif __name__ == '__main__':\n    main()\n",
    "paren decorator": "@(\n    dec\n)\ndef f():\n    pass\n\n\ny = 1\n",
    "match": "match x:\n    case {'a': 1}:\n        y = 2\n    case _:\n        pass\nz = 3\n",
}


def _segment(positions: Positions, span) -> str:
    """The text a span covers, cut from the lines the Positions object sees."""
    if span.line == span.end_line:
        return positions.line_text(span.line)[span.column - 1 : span.end_column - 1]
    first = positions.line_text(span.line)[span.column - 1 :]
    middle = [positions.line_text(n) for n in range(span.line + 1, span.end_line)]
    last = positions.line_text(span.end_line)[: span.end_column - 1]
    return "\n".join([first, *middle, last])


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_spans_cover_the_source_of_each_node(name: str) -> None:
    text = SOURCES[name]
    tree = ast.parse(text)
    positions = Positions(text)
    checked = 0
    for node in ast.walk(tree):
        if not hasattr(node, "end_col_offset") or node.end_col_offset is None:
            continue
        expected = ast.get_source_segment(text, node)
        got = _segment(positions, positions.span(node))
        assert got.replace("\r\n", "\n").replace("\r", "\n") == expected.replace(
            "\r\n", "\n"
        ).replace("\r", "\n"), (name, ast.dump(node)[:60])
        checked += 1
    assert checked > 3


def test_columns_count_characters_not_bytes() -> None:
    text = "s = {'名前': 'é', 'cache_control': x}\n"
    key = ast.parse(text).body[0].value.keys[1]
    span = Positions(text).span(key)
    assert (span.line, span.column, span.end_column) == (1, 17, 32)


def test_nodes_without_a_place_get_the_file_start() -> None:
    text = "x = [a for a in b]\n"
    comp = ast.parse(text).body[0].value.generators[0]
    span = Positions(text).span(comp)
    assert (span.line, span.column) == (1, 1)


def test_line_text_uses_python_line_breaks_only() -> None:
    text = "a = 'x\x0cy'\nb = 1\r\nc = 2\rd = 3\n"
    positions = Positions(text)
    assert [positions.line_text(i) for i in range(1, 5)] == [
        "a = 'x\x0cy'",
        "b = 1",
        "c = 2",
        "d = 3",
    ]
