"""Rules on what marker-placing code can do for any input it could be given (Python source).

They read what the evaluator recorded: `Placement`s of markers on inputs, blocks whose text is a
part of an input that can be empty, and marked blocks added on each pass of a loop, together
with what the code compares about its inputs anywhere (`Root.facts`). Each finding names the
input and the path that triggers it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cachelint.python.inputs import OPAQUE, Each, Sym, key, loose
from cachelint.python.placements import Placement
from cachelint.python.values import LDict, Loc
from cachelint.rule_api import Issue

_LIMIT = (
    "the API rejects the request ('A maximum of 4 blocks with cache_control may be provided. "
    "Found 5.')"
)
_EMPTY = "the API rejects it ('cache_control cannot be set for empty text blocks')"
_NOT_ASSISTANT = frozenset({"system", "tool", "developer", "function"})


def each_item(p: Placement) -> Issue:
    """CL105: a marker on the item a loop over an input is at, on each pass."""
    loop = p.each
    assert p.target is not None  # placed on an input (see _issues)
    over = _iterated(p.target, loop)
    items = _noun(over)
    return Issue(
        "CL105",
        p.loc,
        f"for some inputs this code can be given, it places more than 4 breakpoints: "
        f"{_what(p)} `{_marked(p)}` on every pass of the loop over `{over}`: with 5 or more "
        f"{items} this loop places 5 markers, and {_LIMIT}",
        help="Mark one item chosen by position (the last one), or a bounded few: loop over a "
        "slice such as `[-2:]`, count the markers placed, or `break` after the first.",
        notes=_loop_note(loop),
    )


def repeated_block(d: LDict, mkey: str) -> Issue:
    """CL105: a marked block added to a list on each pass of a loop, out of sight of a request."""
    loop = d.rep_loop
    over = _source(loop.loc) if loop is not None and loop.loc is not None else "its items"
    return Issue(
        "CL105",
        d.locs.get(mkey) or d.loc,
        f"a block carrying {mkey} is added on every pass of the loop over `{over}`: with 5 or "
        f"more {_noun(over)} the request carries 5 breakpoints, and {_LIMIT}",
        help="Mark only the last block after the loop (`blocks[-1]['cache_control'] = ...`), "
        "or only the items whose own cache setting asks for it.",
        notes=_loop_note(loop),
    )


def accumulating(p: Placement) -> Issue:
    """CL105: markers written in place into history kept across calls, never removed."""
    assert p.target is not None and p.target.root is not None  # see accumulates
    root = p.target.root
    return Issue(
        "CL105",
        p.loc,
        f"{_what(p)} `{p.target.shows()}` in place: {root.name} is kept across calls and "
        f"grows, and no marker is ever removed from it, so each turn adds breakpoints to the "
        f"ones earlier turns left: from the 5th turn on {_LIMIT}",
        help="Mark a copy of the messages when sending (`copy.deepcopy`), or remove the "
        "markers of earlier turns first (keep at most 4).",
    )


def rebuilt_history(p: Placement) -> Issue:
    """CL105: history kept on the object, rebuilt from itself each call by code that marks the
    latest items, with no marker ever removed."""
    assert p.target is not None
    name = p.target.shows()
    block: LDict = p.value
    mkey = marker_key(block)
    return Issue(
        "CL105",
        p.loc,
        f"markers pile up across turns: {name} is rebuilt from itself here on every call, by "
        f"code that places {mkey} on the latest items, and it also grows; no marker is ever "
        f"removed, so the markers of earlier turns stay in it: from the 5th turn on {_LIMIT}",
        help="Remove the markers of earlier turns before placing new ones "
        "(`block.pop('cache_control', None)`), or mark a copy when sending and keep the "
        "history unmarked.",
        notes=[("the marker placed on each call", block.locs.get(mkey) or block.loc)],
    )


def empty_text(d: LDict, mkey: str) -> Issue | None:
    """CL104: a marked text block whose text is a part of an input that can be empty."""
    text: Sym = d.text_from
    when = _when_split_empty(text) if text.empty else _empty_content(text)
    if when is None:
        return None
    notes = [("the text comes from here, with no check that it is not empty", d.locs["text"])]
    return Issue(
        "CL104",
        d.locs.get(mkey) or d.loc,
        f"for some inputs this code can be given, {mkey} lands on an empty text block: the "
        f"text `{text.shows()}` is '' {when}, and {_EMPTY}",
        help="Skip the marker when the text is empty (`if text.strip():`), or mark the "
        "previous block instead.",
        notes=notes if d.locs.get("text") is not None else [],
    )


def after_reasoning(p: Placement) -> Issue | None:
    """CL104: a cachePoint appended to the content of an assistant turn, which can end in a
    reasoning block, with no check of that block."""
    if p.how != "append" or _roles_of(p.role) != {"assistant"}:
        return None
    t = p.target
    if t is not None and t.root is not None:
        last = (*key(t.path), -1)
        for k, _, values in t.root.facts:
            if k[: len(last)] == last and _about_block(k, values):
                return None  # the last block's type is checked
    where = f"`{t.shows()}`, " if t is not None else ""
    return Issue(
        "CL104",
        p.loc,
        f"for some messages this code can be given, the cachePoint lands after a reasoning "
        f"block: it is appended to {where}the content of an assistant turn, which ends in a "
        f"reasoningContent block when extended thinking is on, and Bedrock rejects the "
        f"request ('Cache point cannot be inserted after reasoning block')",
        help="Put the cachePoint after the last user message (a text or toolResult block), or "
        "check the type of the last block first.",
    )


def accumulates(p: Placement) -> bool:
    t = p.target
    if t is None or t.root is None:
        return False
    root = t.root
    if not root.persistent or not root.grows or root.clears:
        return False
    if not t.in_place() or p.each is not None:
        return False
    return any(isinstance(s, Each) or (isinstance(s, int) and s < 0) for s in t.path)


def _roles_of(role: Any) -> set[str]:
    """The roles a message of an input can have: the ones its role is compared equal with
    (`if msg.get("role") == "assistant"`)."""
    if not isinstance(role, Sym) or role.root is None:
        # a role written in the code belongs to a message picked from a list the code built,
        # which may stand for any of them (messages[i] of a literal history): not trusted
        return set()
    out: set[str] = set()
    k = loose(key(role.path))
    for fk, op, values in role.root.facts:
        if loose(fk) == k and op in ("==", "in"):
            out.update(values)
    return out


def _about_block(k: tuple, values: tuple) -> bool:
    words = (*[str(s) for s in k[-1:]], *values)
    return any(w in ("type", "text") or "reason" in w or "think" in w for w in words)


def _empty_content(text: Sym) -> str | None:
    """The string content of a message, when the messages it is taken from include assistant
    turns: an assistant turn that only calls tools has content '' (OpenAI / LiteLLM format),
    and a history can hold empty turns."""
    exact = key(text.path)
    if text.root is None or len(exact) < 2 or exact[-1] != "content" or exact[-2] != "*":
        return None  # a message picked by position (`messages[0]`) is what the code checked
    message = loose(exact[:-1])
    admits = False
    for fk, op, values in text.root.facts:
        if loose(fk) != (*message, "role"):
            continue
        if op in ("==", "in"):
            if "assistant" not in values:
                return None  # user turns only
            admits = True
        elif op in ("!=", "not in") and set(values) <= _NOT_ASSISTANT:
            admits = True
    if not admits:
        return None
    return (
        "when that message is an assistant turn that only calls tools (its content is '' in "
        "the chat format; the code also picks assistant turns)"
    )


def _when_split_empty(text: Sym) -> str:
    """When a piece of a split string is empty: the separator at the start (first piece) or
    at the end (last piece)."""
    path = text.path
    for i, s in enumerate(path):
        if isinstance(s, str) and s.startswith(
            (".split(", ".rsplit(", ".partition(", ".rpartition(")
        ):
            whole = Sym(text.origin, "", root=text.root, path=path[:i]).shows()
            piece = path[i + 1] if i + 1 < len(path) else None
            if piece == 0:
                return f"when `{whole}` starts with the separator (or only whitespace does)"
            if isinstance(piece, int):
                return f"when `{whole}` ends with the separator"
            return f"when `{whole}` has the separator at an edge or twice in a row"
    return "for some inputs"


def _what(p: Placement) -> str:
    if p.how == "append":
        return "a cachePoint is appended to"
    if p.how == "block":
        return "a marked block is put into"
    return "cache_control is written on"


def _iterated(target: Sym, loop: Any) -> str:
    """The input a loop goes over, as code: the target's path up to the loop's step."""
    for i, s in enumerate(target.path):
        if isinstance(s, Each) and s.loop is loop:
            head = Sym("unknown", "", root=target.root, path=target.path[:i])
            return head.shows()
    if loop is not None and loop.loc is not None:
        return _source(loop.loc)
    return "its items"


def _marked(p: Placement) -> str:
    """The part that gets the marker, as code (without the marker key itself)."""
    t = p.target
    assert t is not None
    if p.how == "key" and t.path and t.path[-1] in ("cache_control", "cachePoint"):
        t = Sym(t.origin, t.description, root=t.root, path=t.path[:-1])
    return t.shows()


_WORD = re.compile(r"[A-Za-z_]+")


def _noun(expr: str) -> str:
    """What a loop goes over, for a message: `messages` -> messages, `msg.content` -> blocks."""
    words = _WORD.findall(expr)
    last = re.sub(r"^(get|list|load|fetch|all)_", "", words[-1] if words else "")
    if last in ("content", "contents"):
        return "content blocks"
    if last.endswith("s") and len(last) > 2:
        return last.replace("_", " ")
    return "items"


def _loop_note(loop: Any) -> list[tuple[str, Any]]:
    if loop is None or loop.loc is None:
        return []
    return [("the loop: one more breakpoint on each pass (bound it, or mark after it)", loop.loc)]


def _source(loc: Loc) -> str:
    import ast

    try:
        text = ast.unparse(loc.node)
    except Exception:
        return "its items"
    return text if len(text) <= 60 else text[:57] + "..."


def marker_key(d: LDict) -> str:
    return "cachePoint" if "cachePoint" in d else "cache_control"


def issues(ev: Any, consumed: set[int], here) -> Iterator[Issue]:
    """The findings on what the evaluated code places on its inputs, and on marked blocks
    that no request in sight consumed: one per rule and marker (a helper evaluated for several
    callers places the same marker each time)."""
    reported: set[tuple[str, int]] = set()
    for issue in _issues(ev, consumed, here):
        node = issue.anchor.node if isinstance(issue.anchor, Loc) else None
        if (issue.code, id(node)) not in reported:
            reported.add((issue.code, id(node)))
            yield issue


_BODY_KEYS = ("tools", "system", "messages")
_INCOMING = ("json()", "get_json()")  # the body of a request a client sent (request.json())


def rewrites(placements: list[Placement]) -> Iterator[Issue]:
    """Findings on code that adds markers to a request body it was given (a proxy or gateway
    forwarding a client's request): the client's own markers are out of sight, so the rewrite
    must count or remove them to stay within the limits."""
    bodies: dict[int, list[Placement]] = {}
    for p in placements:
        t = p.target
        if t is None or t.root is None or p.how not in ("key", "block", "append"):
            continue
        k = key(t.path)
        body = next((i for i, s in enumerate(k) if s in _INCOMING), None)
        if body is not None and k[body + 1 : body + 2] and k[body + 1] in _BODY_KEYS:
            bodies.setdefault(id(t.root), []).append(p)
    for found in bodies.values():
        target = found[0].target
        assert target is not None and target.root is not None  # kept only with a root, above
        root = target.root
        if root.reads_markers or root.clears:
            continue  # it looks at (or removes) the markers the client sent
        added = {id(p.loc.node): p for p in found if p.each is None}
        if added:
            first = next(iter(added.values()))
            n = len(added)
            yield Issue(
                "CL105",
                first.loc,
                f"for some requests a client can send, this rewrite of the request body it is "
                f"given (`{root.name}`) goes past 4 breakpoints: it adds {n} cache "
                f"marker{'s' if n > 1 else ''} without counting or removing the ones the client "
                f"sent, so a client that already uses 4 breakpoints gets {4 + n} and the API "
                f"rejects the request ('A maximum of 4 blocks with cache_control may be "
                f"provided. Found {4 + n}.')",
                help="Count the markers already in the request (or strip them) before adding "
                "yours, and keep the total at 4 or fewer.",
                notes=[("a marker this rewrite adds", p.loc) for p in list(added.values())[1:]],
            )
        for p in found:
            issue = _ttl_against_client(p)
            if issue is not None:
                yield issue


def _ttl_against_client(p: Placement) -> Issue | None:
    """A TTL a rewrite sets that a client's marker elsewhere in the request can contradict: a
    1h breakpoint after the tools (a client's 5m one can come before it), a 5m one before the
    messages (a client's 1h one can come after it)."""
    assert p.target is not None
    k = key(p.target.path)
    section = next(s for s in k if s in _BODY_KEYS)
    value = p.value.get(marker_key(p.value)) if p.how == "block" else p.value
    if not isinstance(value, dict):
        return None
    ttl = value.get("ttl", "5m")
    if ttl == "1h" and section in ("system", "messages"):
        where, clash = "before it (in the tools or system)", "a 5-minute breakpoint"
    elif ttl == "5m" and section in ("tools", "system"):
        where, clash = "after it (in the system or messages)", "a 1h breakpoint"
    else:
        return None
    return Issue(
        "CL102",
        p.loc,
        f"for some requests a client can send, the TTL order breaks: this rewrite puts a "
        f"ttl='{ttl}' breakpoint in {section}, and a client that sent {clash} {where} gets a "
        f"1h breakpoint after a 5-minute one, which the API rejects",
        help="Give the added marker the TTL of the client's markers (read them first), or "
        "only add markers when the client sent none.",
        run_time=True,
    )


def _issues(ev: Any, consumed: set[int], here) -> Iterator[Issue]:
    yield from rewrites([p for p in ev.placements if here(p.loc)])
    for p in ev.placements:
        if not here(p.loc):
            continue
        if p.how == "rebuilt":
            if not ev.removes_markers:
                yield rebuilt_history(p)
            continue
        if p.each is not None and p.target is not None:
            yield each_item(p)
        elif accumulates(p):
            yield accumulating(p)
        found = after_reasoning(p)
        if found is not None:
            yield found
    seen: set[int] = set()
    for d in ev.marker_dicts:
        if id(d) in seen or d.loc is None:
            continue
        seen.add(id(d))
        mkey = marker_key(d)
        if mkey not in d or not here(d.locs.get(mkey) or d.loc):
            continue
        if d.text_from is not None:
            found = empty_text(d, mkey)
            if found is not None:
                yield found
        if id(d) not in consumed and mkey in d.loop_keys:
            yield repeated_block(d, mkey)


__all__ = ["OPAQUE", "issues"]
