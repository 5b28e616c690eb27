"""Python syntax newer than the CPython that runs cachelint is read, not reported as a syntax
error: PEP 758's unparenthesised `except A, B:` (3.14), PEP 695 type parameters and `type`
statements (3.12), PEP 701 f-strings (3.12), PEP 750 template strings (3.14). The rewrites are
text to text, so these tests hold on every Python cachelint runs on."""

from __future__ import annotations

import ast

import pytest

from cachelint.python.grammar import rewrite
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


PEP695 = """\
import datetime

import anthropic

type Pair[K, V = str] = tuple[K, V]
type Alias = int | None


class Box[T: (int, str), *Ts, **P](Base[T]):
    def get[R](self) -> R: ...


async def ask[
    M,  # the model type
    N: list[int] = list[int],
](question: str) -> str:
    return anthropic.Anthropic().messages.create(
        model="claude-sonnet-4-5",
        max_tokens=100,
        system=[{"type": "text", "text": f"Now: {datetime.datetime.now()}",
                 "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}],
    )
"""

PEP701 = """\
import datetime

import anthropic

names = {"a": 1}
greeting = f"{names["a"]} and {'\\n'.join(str(n) for n in names)}"
nested = f"{f"<tool>\\n{names!r:>{10}}</tool>"}"
named = f"{'\\N{EM DASH}'} {x!r}"
template = t"Hello {names}"


def ask(question: str):
    system = f"Now: {datetime.datetime.now().strftime("%Y-%m-%d %H:%M")} {names["a"]}"
    return anthropic.Anthropic().messages.create(
        model="claude-sonnet-4-5",
        max_tokens=100,
        system=[{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}],
    )
"""


def _statements(tree):
    return [
        (type(n).__name__, n.lineno, n.end_lineno)
        for n in ast.walk(tree)
        if isinstance(n, ast.stmt)
    ]


def test_type_parameters_and_type_statements_are_read_with_lines_unchanged():
    tree = parse(PEP695)
    functions = {
        n.name: n for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef | ast.FunctionDef)
    }
    assert functions["get"].lineno == 10 and functions["ask"].lineno == 13
    assert functions["ask"].args.args[0].arg == "question"
    (box,) = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    assert box.lineno == 9 and ast.unparse(box.bases[0]) == "Base[T]"
    aliases = [n for n in tree.body if isinstance(n, ast.Assign)]
    assert [(a.targets[0].id, a.lineno, ast.unparse(a.value)) for a in aliases] == [
        ("Pair", 5, "tuple[K, V]"),
        ("Alias", 6, "int | None"),
    ]
    fixed = rewrite(PEP695)
    assert fixed.count("\n") == PEP695.count("\n")
    assert "# the model type" not in fixed  # blanked with the parameters, a continuation kept


def test_f_strings_reusing_their_quotes_are_read_with_values_kept():
    tree = parse(PEP701)
    assigned = {n.targets[0].id: n.value for n in tree.body if isinstance(n, ast.Assign)}
    assert ast.unparse(assigned["greeting"].values[0]) == "{names['a']}"
    assert "now().strftime('%Y-%m-%d %H:%M')} {names['a']}" in ast.unparse(tree.body[-1])
    assert isinstance(assigned["template"], ast.JoinedStr)  # read as the f-string it is built like
    assert _statements(tree)[-2:] == [("Assign", 13, 13), ("Return", 14, 19)]


def test_findings_in_newer_syntax_keep_their_lines(tmp_path):
    for name, source, line, code in (
        ("generic.py", PEP695, 21, "CL304"),
        ("fstrings.py", PEP701, 17, "CL304"),
    ):
        (tmp_path / name).write_text(source)
        r = run_cli("check", str(tmp_path / name), "--format", "concise", "--no-cache")
        out = r.stdout.decode()
        assert "CL000" not in out, out
        assert f"{name}:{line}:" in out and f"[{code}]" in out, out


def test_strings_and_comments_are_not_rewritten():
    source = (
        'PROMPT = """\ntype answer = yes\ndef f[x](y):\nexcept A, B:\n"""\n'
        "# type note = 1\n"
        "type Alias = int\n"
    )
    fixed = rewrite(source)
    assert fixed.splitlines()[:6] == source.splitlines()[:6]
    assert fixed.splitlines()[6] == "Alias      = int"


@pytest.mark.parametrize(
    "source",
    [
        'x = f"{"a" + \'b"c\'}"\n',  # no quote is left for the inner string
        'x = f"{y # a comment\n}"\n',  # a comment in a one-line f-string's field
        'x = f"{y or \'<a class="m">\'}"\n',  # the outer quote inside a nested string
        "def f[T](:\n    pass\n",  # a real error in a generic function
    ],
)
def test_what_cannot_be_rewritten_is_a_syntax_error_that_says_why(source):
    with pytest.raises(SourceError, match="syntax newer than Python"):
        parse(source)


def test_a_plain_syntax_error_gets_no_word_about_newer_syntax():
    with pytest.raises(SourceError) as e:
        parse("def f(:\n    pass\n")
    assert "newer" not in str(e.value)
    with pytest.raises(SourceError) as e:
        parse('x = f"{y}\ny = "not ended\n')
    assert "newer" not in str(e.value)
