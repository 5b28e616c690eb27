"""Positions of reported Python nodes agree with libcst's own PositionProvider, whether they come
from generating one top-level statement (the fast path) or the whole module (the fallback)."""

from __future__ import annotations

import ast

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from cachelint.python.positions import Positions, statement_lines
from cachelint.python.tree import descendants

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


def _expected(module: cst.Module) -> dict[cst.CSTNode, tuple[int, int, int, int]]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    ranges = wrapper.resolve(PositionProvider)
    return {
        n: (r.start.line, r.start.column + 1, r.end.line, r.end.column + 1)
        for n, r in ranges.items()
    }


def parse(text: str) -> tuple[cst.Module, list[int]]:
    return cst.parse_module(text), statement_lines(ast.parse(text))


def _tuple(span) -> tuple[int, int, int, int]:
    return (span.line, span.column, span.end_line, span.end_column)


@pytest.mark.parametrize("name", sorted(SOURCES))
@pytest.mark.parametrize("fast", [True, False], ids=["by-statement", "whole-module"])
def test_spans_match_libcst(name: str, fast: bool) -> None:
    text = SOURCES[name]
    tree, lines = parse(text)
    expected = _expected(tree)
    nodes = [n for n in descendants(tree) if n in expected]
    assert len(nodes) > 3
    positions = Positions(tree, text, lines if fast else None)
    positions.compute(nodes)
    got = {n: _tuple(positions.span(n)) for n in nodes}
    assert got == {n: expected[n] for n in nodes}


def test_fast_path_generates_only_the_statements_holding_nodes(monkeypatch) -> None:
    text = "".join(f"def f{i}():\n    return {i}\n\n" for i in range(50))
    tree, lines = parse(text)
    target = tree.body[40].body.body[0].body[0].value  # the `40` in f40
    generated: list[cst.CSTNode] = []
    original = cst.FunctionDef._codegen

    def spy(self, state):
        generated.append(self)
        return original(self, state)

    monkeypatch.setattr(cst.FunctionDef, "_codegen", spy)
    span = Positions(tree, text, lines).span(target)
    assert (span.line, span.column) == (122, 12)
    assert generated == [tree.body[40]]


def test_ast_and_libcst_disagreeing_falls_back_to_the_whole_module() -> None:
    text = "x = 1\ny = {'a': 2}\n"
    tree, _ = parse(text)
    target = tree.body[1].body[0].value
    wrong_lines = [1, 5]  # stale line numbers: the generated code does not match the text there
    span = Positions(tree, text, wrong_lines).span(target)
    assert (span.line, span.column, span.end_line, span.end_column) == (2, 5, 2, 13)


def test_line_text_uses_python_line_breaks_only() -> None:
    text = "a = 'x\x0cy'\nb = 1\r\nc = 2\rd = 3\n"
    tree, lines = parse(text)
    positions = Positions(tree, text, lines)
    assert [positions.line_text(i) for i in range(1, 5)] == [
        "a = 'x\x0cy'",
        "b = 1",
        "c = 2",
        "d = 3",
    ]
