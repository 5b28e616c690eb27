"""The fast traversal visits exactly the child nodes CPython's own walk does (less operators and
expression contexts), for every kind of node."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cachelint.python.tree import children

_LEAVES = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
SOURCES = {
    "match": (
        "match x:\n case {'a': 1, **rest}: pass\n case C(1, k=2): pass\n"
        " case [a, *b] if b: pass\n case str() as s: pass\n case 1 | 2: pass\n"
        " case True: pass\n case None | False: pass\n"
    ),
    "imports and scopes": (
        "global a, b\nfrom . import (x as y)\nimport a.b as c\nfrom m import *\n"
        "def f(a, /, b=1, *c, d, e=2, **g) -> int:\n    nonlocal q\n"
    ),
    "async and f-strings": (
        "f'{a!r:>{w}}'\nlambda *a, **k: 0\nasync def g():\n  async with a as b: pass\n"
        "  async for x in y: pass\n  await z\n  yield\ntry: pass\nexcept* E as e: pass\n"
    ),
    "containers": "{**a, 'k': [*b, (c, d)], 1: {e for e in f if e}}\nx[1:2, ::3] = y @ z\n",
    "this test suite": Path(__file__).with_name("test_fuzz_python.py").read_text(),
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_children_are_cpythons_child_nodes(name: str) -> None:
    seen = set()
    for node in ast.walk(ast.parse(SOURCES[name])):
        expected = [c for c in ast.iter_child_nodes(node) if not isinstance(c, _LEAVES)]
        assert children(node) == expected, type(node).__name__
        seen.add(type(node))
    assert len(seen) > 10
