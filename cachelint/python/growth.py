"""Stored conversation state grown in place: code that, each time it prepares a request, adds to
a message or prompt text it keeps across calls (`first.content = context + first.content` on
`self.chat.messages[0]`). The text before the request's breakpoints is then longer on every
call, so the cached prefix is never read again. Reported as CL301 at the write."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cachelint.python.inputs import Sym
from cachelint.python.operations import Earlier
from cachelint.python.placements import marked_blocks
from cachelint.python.values import LDict, Loc, is_marker_key
from cachelint.rule_api import Issue

# a step of the path that holds prompt text: what a request is built from, not a log or a counter
_PROMPT_STEP = re.compile(
    r"(?i)^\.?(messages|history|conversation|turns|chat|content|parts|text|prompt|system|"
    r"instructions?|context)"
)


@dataclass(eq=False)
class Growth:
    """One write that puts something before or after the old value of the same stored part."""

    loc: Loc  # the write
    part: str  # the part written, as reached from what is kept: self.history[0]["content"]
    written: str  # the target as the code writes it
    added: str  # the source of what is added
    before: bool  # the addition goes in front of the old value
    run: int  # the entry run it happened in (Evaluator.run_serial)


def kept_part(obj: Any, step: Any) -> str | None:
    """obj.step / obj[step], shown as code, when obj is an item at a fixed position of a
    stored list (`self.chat.messages[0].parts[0].content`), reached in place from state kept
    across calls: an attribute of self, a constructor's argument, a history list."""
    if isinstance(obj, Earlier):  # self.history[0] of a list the object keeps
        steps: list[Any] = [obj.of, step]
        shown = f"in an item of {obj.of} that earlier calls left"
    elif isinstance(obj, Sym) and obj.root is not None and obj.in_place():
        root = obj.root
        if not (root.persistent or root.name.startswith("self.") or root.constructor):
            return None
        target = obj.step(step)
        if not any(type(s) is int and s >= 0 for s in target.path):
            return None
        steps = [root.name, *target.path]
        shown = target.shows()
        if root.constructor:
            shown += f" of the constructor argument '{root.name}', which the object keeps"
    else:
        return None
    if not any(isinstance(s, str) and _PROMPT_STEP.match(s.rsplit(".", 1)[-1]) for s in steps):
        return None
    return shown


def added_to(target: ast.expr, value: ast.expr) -> tuple[str, bool] | None:
    """(what is added, whether in front) when `value` is `target` with more text or items put
    before or after it: `x + target`, f"{x}{target}", `[x, *target]`, `sep.join([x, target])`."""
    parts = _pieces(value)
    if parts is None:
        return None
    want = ast.unparse(target)  # the target is stored, its old value loaded: compare as code
    at = next((i for i, p in enumerate(parts) if p is not None and ast.unparse(p) == want), None)
    others = [p for i, p in enumerate(parts) if i != at]
    if at is None or not others:
        return None
    shown = [ast.unparse(p) for p in others if p is not None and not _literal(p)]
    added = ", ".join(shown) if shown else ast.unparse(others[0]) if others[0] else "text"
    return added, at > 0


def _pieces(value: ast.expr) -> list[ast.expr | None] | None:
    if type(value) is ast.BinOp and type(value.op) is ast.Add:
        left = _pieces(value.left) or [value.left]
        right = _pieces(value.right) or [value.right]
        return left + right
    if type(value) is ast.JoinedStr:
        return [v.value if type(v) is ast.FormattedValue else v for v in value.values]
    if type(value) is ast.List:
        return [e.value if type(e) is ast.Starred else e for e in value.elts]
    if (
        type(value) is ast.Call
        and type(value.func) is ast.Attribute
        and value.func.attr == "join"
        and len(value.args) == 1
        and type(value.args[0]) in (ast.List, ast.Tuple)
    ):
        return list(value.args[0].elts)  # type: ignore[attr-defined]
    return None


def _literal(e: ast.expr) -> bool:
    return type(e) is ast.Constant


def guarded(target: ast.expr, tests: list[ast.expr], assigned: frozenset[str]) -> bool:
    """The write runs under a test of the value it grows (`if not text.startswith(ctx)`), or
    of a flag the same code sets (`if not self._added`): it happens once, not on every call."""
    shown = ast.unparse(target)
    for t in tests:
        for n in ast.walk(t):
            if type(n) is ast.Compare and all(type(op) in _SAME for op in n.ops):
                if any(shown in ast.unparse(e) for e in (n.left, *n.comparators)):
                    return True
            elif type(n) is ast.Call and type(n.func) is ast.Attribute:
                if n.func.attr in _LOOKS_FOR and shown in ast.unparse(n.func.value):
                    return True
            elif type(n) is ast.Attribute and ast.unparse(n) in assigned:
                return True
    return False


# a comparison or a search that tells whether the addition is already there (not a type test)
_SAME = (ast.In, ast.NotIn, ast.Eq, ast.NotEq)
_LOOKS_FOR = frozenset({"startswith", "endswith", "find", "rfind", "index", "count"})


def issues(site: Any) -> Iterator[Issue]:
    """CL301 for each growth that happened on the way to a request with a breakpoint."""
    if not site.grown:
        return
    request = site.request
    blocks = marked_blocks(request) if isinstance(request, LDict) else []
    auto = request.get("cache_control") if isinstance(request, LDict) else None
    if not blocks and not isinstance(auto, dict):
        return
    # a write evaluated again in the same run (its function called twice) is one write
    writes = list({id(g.loc.node): g for g in reversed(site.grown)}.values())[::-1]
    g, *more = writes
    where = "in front of" if g.before else "after"
    shown = f"`{g.written}`" if g.part == g.written else f"`{g.written}` ({g.part})"
    issue = Issue(
        "CL301",
        g.loc,
        f"stored conversation state is grown in place on every call: {shown} "
        f"gets {g.added} put {where} it each time a request is prepared, so "
        "the text before the breakpoint is longer on every request and its cache entry is never "
        "read" + (f" ({_more(len(more))})" if more else ""),
        help="Leave the stored history unchanged: build the request's own copy of the message "
        "(a new object with the addition), or add it once when the conversation starts.",
    )
    if blocks:
        # the stored messages come before a breakpoint in the messages, when there is one
        last = (marked_blocks(request.get("messages")) or blocks)[-1]
        mkey = next(k for k in last if is_marker_key(k))
        mloc = last.locs.get(mkey) or last.loc
        if mloc is not None:
            issue.notes.append(("the breakpoint whose prefix changes", mloc))
    for other in more:
        issue.notes.append(("also grown here", other.loc))
    yield issue


def _more(n: int) -> str:
    return f"{n} more such write{'s' * (n > 1)} on the way"


@lru_cache(maxsize=64)  # per module, whatever number of writes in it are looked at
def flags(tree: ast.Module) -> frozenset[str]:
    """`self.x` attributes the module's methods set after construction: state a test can read
    to make a write happen once."""
    out: set[str] = set()
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name == "__init__":
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            else:
                continue
            out.update(ast.unparse(t) for t in targets if _on_self(t))
    return frozenset(out)


def _on_self(t: ast.expr) -> bool:
    return type(t) is ast.Attribute and type(t.value) is ast.Name and t.value.id == "self"
