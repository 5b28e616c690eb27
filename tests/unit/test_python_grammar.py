"""Python syntax newer than the CPython that runs cachelint: PEP 758's unparenthesised
`except A, B:` (Python 3.14) is read, not reported as a syntax error."""

from __future__ import annotations

import ast

import pytest

from cachelint.python.project import SourceError, parse

from conftest import run_cli

PEP758 = """\
import anthropic

client = anthropic.Anthropic()


def ask(question: str):
    try:
        import json
    except ImportError, ValueError:
        pass
    try:
        pass
    except (OSError, KeyError) as e:
        raise RuntimeError from e
    try:
        pass
    except* pkg.Error, other.Failure :
        pass
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=100,
        messages=[{"role": "user", "content": [{"type": "text", "text": question,
                   "cache_control": {"type": "ephemral"}}]}],
    )
"""


def test_unparenthesised_except_is_read_with_lines_unchanged():
    tree = parse(PEP758)
    handlers = [n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)]
    assert [h.lineno for h in handlers] == [9, 13, 17]
    assert isinstance(handlers[0].type, ast.Tuple) and len(handlers[0].type.elts) == 2


def test_a_real_syntax_error_is_still_one():
    with pytest.raises(SourceError, match="parenthesized"):
        parse("try:\n    pass\nexcept A, B as e:\n    pass\n")  # `as` needs parentheses
    with pytest.raises(SourceError):
        parse("x = (\n")


def test_findings_in_a_314_file_keep_their_lines(tmp_path):
    (tmp_path / "app.py").write_text(PEP758)
    r = run_cli("check", str(tmp_path / "app.py"), "--format", "concise", "--no-cache")
    out = r.stdout.decode()
    assert "CL000" not in out
    assert "app.py:23:" in out and "[CL103]" in out
