"""A compact print of one request: what the cache key depends on, without the request itself.

For each block: a digest of what it renders (markers and their look-alikes left out, string
content and a single text block alike), a digest with sorted keys (to tell a key-order change
from a content change), its kind, a label such as `system[0]` and a text `Sketch`. For the
request: message digests, the breakpoint positions, the cache-key fields (model, tool_choice,
thinking, speed, ...) and the usage the response reported. Blocks that did not change are shared
with the previous print of the conversation, so a conversation costs about one request's text,
not the whole log.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import orjson

from cachelint.models import normalize
from cachelint.payload.markers import looks_like_marker
from cachelint.prompt import Block, Prompt, Section
from cachelint.session.excerpt import Sketch, sketch
from cachelint.session.usage import Usage

# Rendered elsewhere than the block: markers, and the citations toggle (a cache-key field).
_UNRENDERED = frozenset({"cache_control"})
_PLAIN_TEXT_KEYS = frozenset({"type", "text", "cache_control"})
# Server tools whose toggle keeps the tools cache and invalidates system and messages (§1.6).
TOGGLE_TOOL_PREFIXES = ("web_search", "web_fetch")
# Text kept for excerpts: (limit for keeping it whole, head and tail kept beyond it).
# Tools and system are shared by many requests (and kept once); messages are kept short.
_SKETCH = {"tools": (65536, 8192), "system": (65536, 8192), "messages": (480, 160)}
_SHARED_MAX = 256  # identical tools and system blocks shared between conversations
_LABELS_MAX = 65536

# Cache-key fields: the layer each one invalidates first (caching-facts.md §1.6).
FIELD_LAYER: dict[str, Section] = {
    "model": "tools",
    "betas": "tools",
    "speed": "system",
    "web search/fetch tools": "system",
    "citations": "system",
    "tool_choice": "messages",
    "parallel tool use": "messages",
    "thinking": "messages",
    "effort": "messages",
    "output_format": "messages",
    "context_management": "messages",
    "images": "messages",
}
# Values equal to leaving the field out.
_DEFAULTS = {
    "tool_choice": ('{"type":"auto"}', '"auto"'),
    "thinking": ('{"type":"disabled"}',),
    "speed": ('"standard"',),
    "parallel tool use": ("true",),
}
_ONLY_WHEN_BOTH = frozenset({"effort", "betas"})  # absent means "not logged" or "default"


@dataclass(slots=True)
class BlockPrint:
    digest: int
    canon: int  # digest of the block with sorted keys
    kind: str
    section: Section
    label: str  # 'tools[2] ("search")', "system[0]", "messages[3].content[1] (user)"
    text: Sketch
    name: str | None = None  # tool name
    role: str | None = None  # message role


@dataclass(slots=True)
class FieldValue:
    value: str | None  # canonical JSON, None when absent
    anchor: Any


@dataclass(slots=True)
class RequestPrint:
    path: str
    line: int
    model: str | None
    blocks: list[BlockPrint]
    index: list[int]  # prompt block index of each print block
    starts: dict[str, int]  # print index where tools, system and messages begin
    messages: list[int]  # digest of each message (role and block digests)
    message_start: list[int]  # print index of each message's first block
    writes: list[int]  # print indices of the breakpoints, ascending
    fields: dict[str, FieldValue]
    usage: Usage | None = None
    key: Hashable | None = None
    root: tuple = ()
    cumulative: list[int] = field(default_factory=list)  # hash of messages[: i + 1]
    digests: list[int] = field(default_factory=list)  # digest of each block
    positions: list[int] = field(default_factory=list)  # lookback position of each block

    def context(self) -> tuple[int, ...]:
        """Digests of tools and system."""
        return tuple(b.digest for b in self.blocks[: self.starts["messages"]])

    def layer_of(self, index: int) -> Section:
        if index < self.starts["system"]:
            return "tools"
        return "system" if index < self.starts["messages"] else "messages"

    def message_of(self, index: int) -> int | None:
        """Index in `messages` of the message holding print block `index`."""
        if index < self.starts["messages"] or not self.message_start:
            return None
        return max(0, bisect_right(self.message_start, index) - 1)


def _dumps(value: Any, sort: bool = False) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort else 0)
    except TypeError:
        return repr(value).encode()


def _unrendered(key: str) -> bool:
    """A marker, or a look-alike of one (`cacheControl`), which a gateway drops too: a turn
    resent without it is the same turn."""
    return key in _UNRENDERED or looks_like_marker(key)


def _body(b: Block) -> Any:
    raw = b.raw
    if isinstance(raw, dict):
        document = b.kind == "document"
        if any(_unrendered(k) or (document and k == "citations") for k in raw):
            return {
                k: v
                for k, v in raw.items()
                if not (_unrendered(k) or (document and k == "citations"))
            }
    return raw


def _digest(b: Block) -> int:
    """Digest of what a block renders into the prompt, reusing the text the adapter rendered
    where it is exactly that (tools, tool_use, tool_result without images)."""
    raw = b.raw
    if isinstance(raw, str):
        return hash(("text", raw))
    if not isinstance(raw, dict):
        return hash((b.kind, b.known_text()))
    kind = b.kind
    if kind == "text":
        text = raw.get("text")
        if isinstance(text, str) and (
            len(raw) == 2 or all(k in _PLAIN_TEXT_KEYS or _unrendered(k) for k in raw)
        ):
            return hash(("text", text))
    elif b.section == "tools" and len(b.content) == 1 and isinstance(b.content[0], str):
        return hash(("tool", b.content[0]))  # the tool without its marker, as rendered
    elif kind == "tool_use" and len(b.content) == 1 and isinstance(b.content[0], str):
        return hash(("tool_use", raw.get("id"), b.content[0]))
    elif kind == "tool_result" and not b.opaque:
        rest = {k: v for k, v in raw.items() if k not in ("content", "cache_control")}
        return hash(("tool_result", _dumps(rest), b.known_text()))
    return hash((kind, _dumps(_body(b))))


_CANON_MAX = 65536


class Digests:
    """(digest, sorted-keys digest) of blocks; the second is computed once per distinct block."""

    def __init__(self) -> None:
        self._canon: OrderedDict[int, int] = OrderedDict()

    def __call__(self, b: Block) -> tuple[int, int]:
        d = _digest(b)
        if not isinstance(b.raw, dict) or b.kind == "text":
            return d, d
        c = self._canon.get(d)
        if c is None:
            c = hash((b.kind, _dumps(_body(b), sort=True)))
            self._canon[d] = c
            if len(self._canon) > _CANON_MAX:
                self._canon.popitem(last=False)
        return d, c


def _path_label(path: tuple) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _tool_name(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return None
    for holder in (raw, raw.get("function"), raw.get("toolSpec")):
        if isinstance(holder, dict) and isinstance(holder.get("name"), str):
            return holder["name"]
    return None


def _canonical(value: Any) -> str:
    return _dumps(value, sort=True).decode()


def _get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def _fields(req: dict, prompt: Prompt, root: tuple) -> dict[str, tuple[Any, tuple]]:
    """Raw cache-key fields of a request and where each sits, by dialect."""
    out: dict[str, tuple[Any, tuple]] = {}

    def take(name: str, *path: str) -> None:
        value = _get(req, *path)
        if value is not None and name not in out:
            out[name] = (value, root + path)

    if prompt.dialect == "converse":
        take("tool_choice", "toolConfig", "toolChoice")
        take("thinking", "additionalModelRequestFields", "thinking")
        take("thinking", "additionalModelRequestFields", "reasoning_config")
        take("effort", "additionalModelRequestFields", "output_config", "effort")
    elif prompt.dialect == "chat":
        take("tool_choice", "tool_choice")
        take("parallel tool use", "parallel_tool_calls")
        take("thinking", "reasoning")
        take("effort", "reasoning_effort")
    else:
        take("tool_choice", "tool_choice")
        take("thinking", "thinking")
        take("speed", "speed")
        take("effort", "output_config", "effort")
        take("output_format", "output_format")
        take("output_format", "output_config", "format")
        take("context_management", "context_management")
    if prompt.betas:
        out["betas"] = (sorted(prompt.betas), root)
    return out


@dataclass(slots=True)
class Draft:
    """One pass over a request: digests and flags, enough to find its conversation."""

    prompt: Prompt
    req: dict
    digests: list[tuple[int, int]]  # (digest, sorted-keys digest) per prompt block
    index: list[int]  # prompt block index of each print block (web tools are left out)
    kept: list[int]  # digest of each print block
    positions: list[int]  # lookback position of each print block
    starts: dict[str, int]  # print index where tools, system and messages begin
    messages: list[int]  # digest of each message (role and block digests, thinking left out)
    cumulative: list[int]  # hash of messages[: i + 1]
    message_blocks: list[tuple[int, int]]  # prompt block range of each message
    message_start: list[int]  # print index of each message's first block
    context: int  # hash of the tools and system digests
    web: list[str]  # server web search / fetch tools
    images: bool
    citations: bool
    path: str
    line: int
    usage: Usage | None
    key: Hashable | None


_RUNS = frozenset({"tool_use", "tool_result"})
_THINKING = frozenset(
    {"thinking", "redacted_thinking", "reasoning"}
)  # a run of these is one lookback position (§1.5)


def draft(
    req: dict,
    prompt: Prompt,
    *,
    path: str,
    line: int,
    usage: Usage | None = None,
    key: Hashable | None = None,
    digests: Digests | None = None,
) -> Draft:
    digests = digests or Digests()
    ds: list[tuple[int, int]] = []
    index: list[int] = []
    kept: list[int] = []
    positions: list[int] = []
    context: list[int] = []
    web: list[str] = []
    ranges: list[tuple[int, int]] = []
    message_start: list[int] = []
    counts = {"tools": 0, "system": 0, "messages": 0}
    images = citations = False
    current, pos, prev_kind = None, -1, None
    for i, b in enumerate(prompt.blocks):
        d = digests(b)
        ds.append(d)
        section, kind = b.section, b.kind
        if section == "messages":
            if b.message_index != current or not ranges:
                if ranges:
                    ranges[-1] = (ranges[-1][0], i)
                current = b.message_index
                ranges.append((i, i))
                message_start.append(len(index))
        else:
            context.append(d[0])
            if section == "tools" and isinstance(b.raw, dict):
                t = b.raw.get("type")
                if isinstance(t, str) and t.startswith(TOGGLE_TOOL_PREFIXES):
                    web.append(t)
                    continue
        if kind == "image" or (kind == "tool_result" and b.opaque):
            images = True
        elif kind == "document" and _get(b.raw, "citations", "enabled") is True:
            citations = True
        if kind != prev_kind or kind not in _RUNS:
            pos += 1
        prev_kind = kind
        counts[section] += 1
        index.append(i)
        kept.append(d[0])
        positions.append(pos)
    if ranges:
        ranges[-1] = (ranges[-1][0], len(prompt.blocks))
    messages, cumulative, h = [], [], 0
    for lo, hi in ranges:
        # Thinking blocks do not identify a turn: clients drop earlier ones (and the API strips
        # them for some models), which is not an edit of the history.
        parts = tuple(
            d
            for (d, _), b in zip(ds[lo:hi], prompt.blocks[lo:hi], strict=True)
            if b.kind not in _THINKING
        )
        m = hash((prompt.blocks[lo].role, parts))
        messages.append(m)
        h = hash((h, m))
        cumulative.append(h)
    starts = {
        "tools": 0,
        "system": counts["tools"],
        "messages": counts["tools"] + counts["system"],
    }
    return Draft(
        prompt,
        req,
        ds,
        index,
        kept,
        positions,
        starts,
        messages,
        cumulative,
        ranges,
        message_start,
        hash(tuple(context)),
        web,
        images,
        citations,
        path,
        line,
        usage,
        key,
    )


class RequestPrinter:
    """Builds prints; identical tools and system blocks are shared across conversations."""

    def __init__(self) -> None:
        self._shared: OrderedDict[tuple[int, str], BlockPrint] = OrderedDict()
        self._labels: dict[tuple[tuple, str | None], str] = {}

    def build(self, dr: Draft, prev: RequestPrint | None = None) -> RequestPrint:
        """The print of a draft, sharing unchanged blocks with `prev` (same conversation)."""
        prompt = dr.prompt
        root = tuple(prompt.anchor)
        common = 0
        if prev is not None:
            n = min(len(prev.digests), len(dr.kept))
            if prev.digests[:n] == dr.kept[:n]:
                common = n
            else:
                while prev.digests[common] == dr.kept[common]:
                    common += 1
        blocks = prev.blocks[:common] if prev is not None else []
        for j in range(common, len(dr.kept)):
            i = dr.index[j]
            d, c = dr.digests[i]
            blocks.append(self._block(prompt.blocks[i], d, c, root))
        return RequestPrint(
            path=dr.path,
            line=dr.line,
            model=_model(prompt),
            blocks=blocks,
            index=dr.index,
            starts=dr.starts,
            messages=dr.messages,
            message_start=dr.message_start,
            writes=_writes(prompt, dr.index),
            fields=_field_values(dr.req, prompt, root, dr.web, dr.images, dr.citations),
            usage=dr.usage,
            key=dr.key,
            root=root,
            cumulative=dr.cumulative,
            digests=dr.kept,
            positions=dr.positions,
        )

    def _block(self, b: Block, d: int, c: int, root: tuple) -> BlockPrint:
        name = _tool_name(b.raw) if b.section == "tools" else None
        rel = tuple(b.anchor)[len(root) :]
        if isinstance(b.raw, str) and rel[-1:] == ("content",):
            rel = rel[:-1]  # string content: the message itself
        tag = name if name else (b.role if b.section == "messages" else None)
        label = self._labels.get((rel, tag))
        if label is None:  # the same labels recur in every conversation: keep one of each
            label = _path_label(rel)
            if name:
                label += f' ("{name}")'
            elif tag:
                label += f" ({tag})"
            if len(self._labels) < _LABELS_MAX:
                self._labels[(rel, tag)] = label
        if b.section != "messages":
            shared = self._shared.get((d, label))
            if shared is not None:
                self._shared.move_to_end((d, label))
                return shared
        limit, keep = _SKETCH[b.section]
        text = sketch(b.known_text(), limit, keep)
        bp = BlockPrint(d, c, b.kind, b.section, label, text, name, b.role)
        if b.section != "messages":
            self._shared[(d, label)] = bp
            if len(self._shared) > _SHARED_MAX:
                self._shared.popitem(last=False)
        return bp


def _field_values(
    req: dict, prompt: Prompt, root: tuple, web: list[str], images: bool, cites: bool
) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {"model": FieldValue(_model(prompt), prompt.model_anchor or root)}
    for name, (value, anchor) in _fields(req, prompt, root).items():
        canon = _canonical(value)
        out[name] = FieldValue(None if canon in _DEFAULTS.get(name, ()) else canon, anchor)
    tools = ("toolConfig", "tools") if prompt.dialect == "converse" else ("tools",)
    out["web search/fetch tools"] = FieldValue(
        _canonical(sorted(web)) if web else None, root + tools
    )
    out["citations"] = FieldValue("on" if cites else None, root + ("messages",))
    out["images"] = FieldValue("present" if images else None, root + ("messages",))
    return out


def _model(prompt: Prompt) -> str | None:
    if not prompt.model:
        return None
    return normalize(prompt.model) or prompt.model.strip().lower()


def _writes(prompt: Prompt, index: list[int]) -> list[int]:
    """Print indices of the breakpoints (markers on left-out tools move to the block before)."""
    pos = {p: n for n, p in enumerate(index)}
    out = set()
    for i, _ in prompt.marked_blocks():
        while i >= 0 and i not in pos:
            i -= 1
        if i >= 0:
            out.add(pos[i])
    return sorted(out)


def field_changed(name: str, old: FieldValue | None, new: FieldValue | None) -> bool:
    a = old.value if old else None
    b = new.value if new else None
    if name in _ONLY_WHEN_BOTH and (a is None or b is None):
        return False
    if name == "model" and (a is None or b is None):
        return False
    return a != b
