"""A rule's planned fix, placed on the ast nodes of the checked module as node rewrites.

The request rules plan fixes on JSON paths ("key", "value", "member" of a marker, as for
payloads); the Python rules on nodes ("deprecated" for CL501, "sorted" for CL303). A fix is only
offered where what it edits is a literal written in this module, and where no edit reaches a
marker the fix keeps (a marker dict shared by several blocks is one literal).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from cachelint.findings import Span
from cachelint.fixes import AnchoredEdit, Fix, NodeEdit, PlannedFix
from cachelint.python.betas import OLD_BETA, _beta_key
from cachelint.python.tree import children, descendants
from cachelint.python.values import Loc

# PromptCachingBeta* types and the names they have now (anthropic-sdk-python: the types of
# `anthropic.types.beta.prompt_caching` and `anthropic.lib.streaming`, before and after GA)
CURRENT_NAMES = {
    "PromptCachingBetaCacheControlEphemeralParam": "CacheControlEphemeralParam",
    "PromptCachingBetaCacheControlEphemeral": "CacheControlEphemeral",
    "PromptCachingBetaImageBlockParam": "ImageBlockParam",
    "PromptCachingBetaMessage": "Message",
    "PromptCachingBetaMessageParam": "MessageParam",
    "PromptCachingBetaTextBlockParam": "TextBlockParam",
    "PromptCachingBetaTool": "Tool",
    "PromptCachingBetaToolParam": "ToolParam",
    "PromptCachingBetaToolResultBlockParam": "ToolResultBlockParam",
    "PromptCachingBetaToolUseBlockParam": "ToolUseBlockParam",
    "PromptCachingBetaUsage": "Usage",
    "PromptCachingBetaMessageStream": "MessageStream",
    "PromptCachingBetaMessageStreamManager": "MessageStreamManager",
}
_TYPES_MODULE = "anthropic.types.beta.prompt_caching"
_ITERATED_CALLS = frozenset({"listdir", "glob", "iglob", "iterdir", "rglob"})


def deprecated_fix(node: ast.AST, what: str) -> PlannedFix:
    """CL501's fix, placed by `Planner._deprecated` (safe: prompt caching needs no beta)."""
    t = type(node)
    if t is ast.Attribute:
        title = "Call client.messages instead of client.beta.prompt_caching.messages"
    elif t is ast.ImportFrom:
        title = "Import from anthropic.types"
    elif t is ast.Constant:
        title = f"Remove the {OLD_BETA} beta"
    else:
        title = f"Use {CURRENT_NAMES.get(what, 'the current type')}"
    return PlannedFix(title, [AnchoredEdit(Loc(None, node), "deprecated")])


class Planner:
    """Places planned fixes in one module (its ast tree and positions)."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self._parents: dict[int, ast.AST] | None = None

    def parent(self, node: ast.AST) -> ast.AST | None:
        if self._parents is None:
            self._parents = {}
            for n in descendants(self.module.tree, include_self=True):
                for c in children(n):
                    self._parents[id(c)] = n
        return self._parents.get(id(node))

    def span(self, node: ast.AST) -> Span:
        return self.module.positions.span(node)

    def fix(self, planned: PlannedFix, resolve: Callable[[Any], Loc]) -> Fix | None:
        """The fix as node rewrites, or None when some edit cannot be placed."""
        edits = []
        for ae in planned.edits:
            node = self._node(ae.anchor, resolve)
            e = self.edit(node, ae.part, ae.content) if node is not None else None
            if e is None:
                return None
            edits.append(e)
        spans = {e.span for e in edits}
        if len(spans) < len(edits):
            return None  # two markers in one literal (a loop, a shared helper)
        for a in planned.kept:
            node = self._node(a, resolve)
            kept = self.edit(node, "member", "") if node is not None else None
            if kept is not None and kept.span in spans:
                return None
        title = planned.title
        if edits[0].op == "add_keyword":  # CL303 where json.dumps writes the varying order
            title = "Add sort_keys=True"
        return Fix(title, planned.applicability, tuple(edits))

    def _node(self, anchor: Any, resolve: Callable[[Any], Loc]) -> ast.AST | None:
        loc = anchor if isinstance(anchor, Loc) else resolve(anchor)
        if loc is None or loc.module not in (None, self.module) or loc.node is self.module.tree:
            return None  # written in another module, or nowhere in particular
        return loc.node

    def edit(self, node: ast.AST, part: str, content: str) -> NodeEdit | None:
        if part == "deprecated":
            return None if self._in_tests(node) else self._deprecated(node)
        if part == "sorted":
            return self._sorted(node)
        if part == "split":
            return self._split(node, *json.loads(content))
        parent = self.parent(node)
        if part == "key":
            new = json.loads(content)
            if _is_str(node) and _is_key(node, parent):
                return NodeEdit(self.span(node), "string", (new,))
            if type(parent) is ast.keyword and new.isidentifier():
                return NodeEdit(self.span(node), "keyword", (new,))
            return None
        if part == "value":
            value = node
            if type(parent) is ast.Dict and node in parent.keys:
                value = parent.values[parent.keys.index(node)]
            if _is_str(value):
                return NodeEdit(self.span(value), "string", (json.loads(content),))
            return None
        if part == "member":
            if type(parent) is ast.Dict and node in parent.keys:
                return NodeEdit(self.span(node), "remove")
            if type(parent) is ast.keyword or type(parent) in (ast.List, ast.Tuple):
                return NodeEdit(self.span(node), "remove")
        return None

    def _deprecated(self, node: ast.AST) -> NodeEdit | None:
        """CL501: the old namespace, type names, import and beta value made current."""
        t = type(node)
        parent = self.parent(node)
        if t is ast.Attribute:  # client.beta.prompt_caching(.messages) -> client(.messages)
            base = node.value  # type: ignore[attr-defined]
            messages = type(parent) is ast.Attribute and parent.attr == "messages"
            if type(base) is ast.Attribute and messages:
                return NodeEdit(self.span(node), "unwrap")
            return None
        if t is ast.Name or t is ast.alias:
            name = node.id if t is ast.Name else node.name  # type: ignore[attr-defined]
            new = CURRENT_NAMES.get(name)
            if new is None or self._binds_otherwise(new):
                return None
            if t is ast.alias and type(parent) is not ast.ImportFrom:
                return None
            return NodeEdit(self.span(node), "name", (new,))
        if t is ast.ImportFrom:
            if node.module != _TYPES_MODULE or node.level:  # type: ignore[attr-defined]
                return None
            names = [CURRENT_NAMES.get(a.name) for a in node.names]  # type: ignore[attr-defined]
            if not all(names) or any(self._binds_otherwise(n) for n in names):  # type: ignore[arg-type]
                return None  # the names it imports would not be renamed
            return NodeEdit(self.span(node), "module", ("anthropic.types",))
        if t is ast.Constant:
            return self._beta(node, parent)
        return None

    def _beta(self, node: ast.AST, parent: ast.AST | None) -> NodeEdit | None:
        """The beta value removed: from a comma-separated header value, as an item of a list
        (and the argument or header when nothing is left), or as the appended item."""
        value = node.value  # type: ignore[attr-defined]
        items = [v.strip() for v in value.split(",")]
        if value.strip() != OLD_BETA:
            if OLD_BETA in items and all(items):
                return NodeEdit(self.span(node), "beta_item", (OLD_BETA,))
            return None
        if type(parent) in (ast.List, ast.Tuple, ast.Set):
            return NodeEdit(self.span(node), "remove", ("cascade",))
        if type(parent) is ast.Dict and _beta_key(_key_of(parent, node)):
            return NodeEdit(self.span(node), "remove", ("cascade",))
        if type(parent) is ast.keyword and parent.arg in ("betas", "anthropic_beta"):
            return NodeEdit(self.span(node), "remove")
        if type(parent) is ast.Call and type(parent.func) is ast.Attribute:
            stmt = self.parent(parent)
            if parent.func.attr in ("append", "add") and type(stmt) is ast.Expr:
                return NodeEdit(self.span(stmt), "statement")
        if type(parent) is ast.Assign and all(
            type(t) is ast.Subscript and _beta_key(t.slice) for t in parent.targets
        ):
            return NodeEdit(self.span(parent), "statement")
        return None

    def _in_tests(self, node: ast.AST) -> bool:
        """Whether the node is test code: tests compare the beta and the old API they pass
        (asserting the header sent, a mock's calls), so making them current breaks them."""
        path = PurePosixPath(self.module.display.replace("\\", "/"))
        name = path.name
        if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
            return True
        if any(part in ("test", "tests") for part in path.parts[:-1]):
            return True
        up: ast.AST | None = node
        while (up := self.parent(up)) is not None:  # type: ignore[arg-type]
            scope = type(up) in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            if scope and up.name.startswith(("test_", "Test")):  # type: ignore[attr-defined]
                return True
        return False

    def _binds_otherwise(self, name: str) -> bool:
        """Whether the module binds `name` other than by importing it from anthropic."""
        for n in descendants(self.module.tree):
            t = type(n)
            if t in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) and n.name == name:  # type: ignore[attr-defined]
                return True
            if t is ast.Name and n.id == name and type(n.ctx) is ast.Store:  # type: ignore[attr-defined]
                return True
            if t in (ast.Import, ast.ImportFrom):
                source = getattr(n, "module", None) or ""
                for a in n.names:  # type: ignore[attr-defined]
                    bound = a.asname or a.name.partition(".")[0]
                    if bound == name and not source.startswith("anthropic"):
                        return True
        return False

    def _sorted(self, node: ast.AST) -> NodeEdit | None:
        """CL303: the iterable wrapped in sorted(): where it is iterated, or a directory
        listing call (whose result is a list or iterator anyway)."""
        parent = self.parent(node)
        iterated = (
            isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is node
        )
        call = _call_name(node)
        if call == "dumps":  # only the key order varies (cachelint.python.strings)
            f = node.func  # type: ignore[attr-defined]
            if type(f.value) is not ast.Name or f.value.id not in ("json", "ujson"):
                return None
            return NodeEdit(self.span(node), "add_keyword", ("sort_keys", "True"))
        if call == "scandir":
            return NodeEdit(self.span(node), "sorted", ("entry", "entry.name"))
        if not iterated and call not in _ITERATED_CALLS:
            return None
        if _call_name(parent) == "sorted":
            return None
        return NodeEdit(self.span(node), "sorted")

    def _split(self, node: ast.AST, stable: str, marker: str) -> NodeEdit | None:
        """CL301/CL304: an f-string whose literal start is `stable`, followed by the changing
        part: in a marked block dict of a list (`marker` empty: the marker stays on the stable
        half), or the value of system= (`marker` added to the stable half)."""
        parent = self.parent(node)
        if marker:
            if type(node) is ast.keyword:
                node, parent = node.value, node
            if type(parent) is not ast.keyword or parent.arg != "system":
                return None
            target, text = node, node
        else:
            if type(parent) is not ast.Dict or node not in parent.keys:
                return None
            target, text = parent, parent.values[parent.keys.index(node)]
            keys = [k.value for k in parent.keys if isinstance(k, ast.Constant) and _is_str(k)]
            if "cache_control" not in keys or type(self.parent(parent)) is not ast.List:
                return None
        values = getattr(text, "values", None)
        if type(text) is not ast.JoinedStr or len(values) < 2:  # type: ignore[arg-type]
            return None
        first, second = values[0], values[1]  # type: ignore[index]
        if not _is_str(first) or first.value != stable or type(second) is not ast.FormattedValue:
            return None
        line = self.module.positions.line_text(self.span(parent).line) or ""
        indent = line[: len(line) - len(line.lstrip())]
        return NodeEdit(self.span(target), "split", (stable, marker, indent))


def _is_str(node: ast.AST) -> bool:
    return type(node) is ast.Constant and type(node.value) is str


def _is_key(node: ast.AST, parent: ast.AST | None) -> bool:
    if type(parent) is ast.Dict:
        return node in parent.keys
    return type(parent) is ast.Subscript and parent.slice is node


def _key_of(d: ast.Dict, value: ast.AST) -> ast.AST | None:
    for k, v in zip(d.keys, d.values, strict=True):
        if v is value:
            return k
    return None


def _call_name(node: ast.AST | None) -> str | None:
    if type(node) is not ast.Call:
        return None
    f = node.func
    return f.attr if type(f) is ast.Attribute else f.id if type(f) is ast.Name else None
