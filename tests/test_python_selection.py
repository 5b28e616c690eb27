"""libcst parses only the top-level statements that can matter: what is kept, what is blanked,
and that findings are the same as when every statement is parsed."""

from __future__ import annotations

import ast

import pytest

from cachelint.catalog import catalog
from cachelint.python import project
from cachelint.python.selection import select

from conftest import lint

# Unrelated code that real modules carry around the LLM part: ~1,500 characters.
FILLER = '''

class Order:
    """Bookkeeping that has nothing to do with prompts."""

    def __init__(self, items):
        self.items = list(items)
        self.result = None

    def total(self, prices):
        result = sum(prices.get(i, 0.0) for i in self.items)
        self.result = result
        return round(result, 2)


def summarise(orders, prices):
    out = {}
    for order in orders:
        out[id(order)] = order.total(prices)
    return out


def test_total():
    result = Order(["a"]).total({"a": 1.0})
    assert result == 1.0


RATES = {"standard": 1.0, "express": 1.5}
'''


def kept(source: str) -> list[str]:
    """The non-blank lines libcst gets (all of them when nothing is left out)."""
    chosen = select(source, ast.parse(source))
    text = source if chosen is None else chosen.text
    return [line for line in text.splitlines() if line.strip()]


def test_unrelated_statements_are_left_out_and_lines_map_back() -> None:
    source = (
        "import anthropic\nimport json\n\nclient = anthropic.Anthropic()\n"
        "def ask(q):\n    return client.messages.create(model='m', max_tokens=1, messages=q)\n"
        + FILLER
    )
    chosen = select(source, ast.parse(source))
    assert chosen is not None
    assert chosen.line_map == [1, 4, 5, 6]
    assert chosen.statement_lines == [1, 2, 3]
    assert kept(source) == [
        "import anthropic",
        "client = anthropic.Anthropic()",
        "def ask(q):",
        "    return client.messages.create(model='m', max_tokens=1, messages=q)",
    ]


def test_what_relevant_code_reads_is_kept_transitively() -> None:
    source = (
        FILLER
        + "import datetime\nfrom textwrap import dedent\n"
        + "BASE = dedent('''You help.''')\nTOOLS = [{'name': 'a'}]\n"
        + "TOOLS.append({'name': 'b'})\nfor extra in ('c',):\n    TOOLS.append({'name': extra})\n"
        + "def stamp():\n    return datetime.datetime.now().isoformat()\n"
        + "def system():\n    return [{'type': 'text', 'text': BASE + stamp() + str(TOOLS),\n"
        + "             'cache_control': {'type': 'ephemeral'}}]\n"
    )
    lines = kept(source)
    for needed in (
        "import datetime",
        "from textwrap import dedent",
        "BASE = dedent('''You help.''')",
        "TOOLS.append({'name': 'b'})",
        "def stamp():",
        "def system():",
    ):
        assert needed in lines
    assert "TOOLS = [{'name': 'a'}]" in lines
    assert "for extra in ('c',):" in lines
    assert not any("class Order" in line or "RATES" in line for line in lines)


def test_callers_of_relevant_functions_are_kept() -> None:
    source = (
        "import anthropic\nc = anthropic.Anthropic()\n"
        "def _send(system):\n    return c.messages.create(model='m', max_tokens=1,"
        " system=system, messages=[])\n"
        "def run(name):\n    return _send(f'Hello {name}')\n"
        "def main():\n    run('x')\n"
        "if __name__ == '__main__':\n    main()\n" + FILLER
    )
    lines = kept(source)
    assert "def run(name):" in lines and "def main():" in lines
    assert "if __name__ == '__main__':" in lines
    assert "def summarise(orders, prices):" not in lines


def test_locals_of_unrelated_functions_do_not_pull_them_in() -> None:
    source = (
        "def build(result):\n    return [{'type': 'text', 'text': result,"
        " 'cache_control': {'type': 'ephemeral'}}]\n" + FILLER
    )
    lines = kept(source)
    assert lines[0] == "def build(result):"
    assert "def test_total():" not in lines  # it has a local `result` too


@pytest.mark.parametrize(
    "source",
    [
        "from helpers import *\n" + FILLER + "x = {'cache_control': {'type': 'ephemeral'}}\n",
        "a = 1; b = {'cache_control': a}\n" + FILLER,
        "import functools\n@functools.cache\ndef f():\n    return {'cache_control': 1}\n" + FILLER,
    ],
    ids=["star import", "semicolons", "decorator"],
)
def test_shapes_that_must_be_kept_whole(source: str) -> None:
    lines = kept(source)
    assert lines[0] == source.splitlines()[0]
    if "@functools.cache" in source:
        assert "@functools.cache" in lines and "import functools" in lines


def test_everything_relevant_means_no_selection() -> None:
    source = "x = {'cache_control': 1}\n" * 80
    assert select(source, ast.parse(source)) is None


def _python_examples():
    for code, info in catalog().items():
        for n, ex in enumerate(info.examples):
            if ex.language == "python" and _parses(ex.source):  # else nothing is selected
                yield pytest.param(ex, id=f"{code}-{ex.kind}-{n}")


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


@pytest.mark.parametrize("ex", list(_python_examples()))
def test_findings_are_the_same_as_parsing_everything(ex, monkeypatch) -> None:
    """Every Python example of the rule pages, with unrelated code around it (before it, so the
    kept lines move), gives the same findings at the same places as when every statement is
    parsed."""
    source = FILLER.replace("Order", "Invoice") + "\n" + ex.source + FILLER
    assert len(source) >= project.SMALL_TEXT
    assert select(source, ast.parse(source)) is not None  # the filler is left out
    name = ex.options.get("filename", "example.py")
    opts = {"model": ex.options.get("model"), "platform": ex.options.get("platform")}
    selected = [(f.code, f.span, f.message) for f in lint(source, name, **opts)]
    monkeypatch.setattr(project, "select", lambda text, tree: None)
    everything = [(f.code, f.span, f.message) for f in lint(source, name, **opts)]
    assert selected == everything
