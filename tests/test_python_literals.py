"""String literal values read without a compile agree with Python's own reading."""

from __future__ import annotations

import ast

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cachelint.python.syntax import string_value, unescape

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")

PREFIXES = ["", "r", "R", "u", "U", "b", "B", "rb", "Br", "bR"]
QUOTES = ["'", '"', "'''", '"""']


@pytest.mark.parametrize(
    "literal",
    [
        "''",
        '""',
        "''''''",
        '"""a"""',
        r"'a\nb'",
        r"r'a\nb'",
        r"'\x41\u00e9\N{BULLET}'",
        "b'bytes'",
        "'''two\nlines'''",
        "'''crlf\r\nline'''",
        "\"say 'hi'\"",
        "u'caf\u00e9'",
    ],
)
def test_known_literals(literal: str) -> None:
    assert string_value(cst.parse_expression(literal)) == ast.literal_eval(literal)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.sampled_from(PREFIXES),
    st.sampled_from(QUOTES),
    st.text(alphabet=st.sampled_from(list("ab \\n'\"{}\té\r")), max_size=12),
)
def test_matches_python(prefix: str, quote: str, body: str) -> None:
    literal = f"{prefix}{quote}{body}{quote}"
    try:
        expected = ast.literal_eval(literal)
        node = cst.parse_expression(literal)
    except Exception:
        return  # not a valid literal
    if not isinstance(node, cst.SimpleString):
        return
    assert string_value(node) == expected


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("f'{{x}} {y}'", "{x} "),
        ("rf'{{a}}\\n{y}'", "{a}\\n"),
        ("f'tab\\t{y}'", "tab\t"),
    ],
)
def test_fstring_text_parts(source: str, text: str) -> None:
    node = cst.parse_expression(source)
    assert isinstance(node, cst.FormattedString)
    first = node.parts[0]
    assert isinstance(first, cst.FormattedStringText)
    assert unescape(first.value, node) == text
