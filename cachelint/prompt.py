"""The intermediate form every source produces: the blocks of one request in cache order.

Cache order is tools -> system -> messages, in document order. Payload sources fill it from JSON;
the Python source fills it from abstract evaluation, where some content is only known as a `Hole`.
`anchor` values are opaque to rules: the source that built the prompt resolves them to spans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Section = Literal["tools", "system", "messages"]
SECTIONS: tuple[Section, ...] = ("tools", "system", "messages")

# Where a marker sits. Only "block", "cache-point" and "automatic" are accepted by the API as-is.
Placement = Literal[
    "block",  # cache_control on a content block, tool or system block
    "cache-point",  # Bedrock Converse cachePoint block (marks the block before it)
    "automatic",  # top-level cache_control
    "message",  # on the message object itself
    "tool-result-child",  # inside tool_result.content[]
    "document-child",  # inside document.source.content[]
    "citation",  # inside a citations[] entry
    "toolset-config",  # inside an mcp_toolset / computer toolset `configs` entry
]


# Placements whose marker writes a cache entry at its block (children are moved to the parent).
_WRITING = frozenset({"block", "cache-point", "tool-result-child", "document-child"})
_WRITING_CHAT = _WRITING | {"message"}


@dataclass(slots=True)
class Hole:
    """A value only known by where it comes from (Python source analysis)."""

    origin: Literal["volatile", "request", "stable", "unknown"]
    description: str
    anchor: Any = None
    unordered: bool = False  # built from a set or an unsorted directory listing


Segment = str | Hole


@dataclass(slots=True)
class Marker:
    key: str  # the key as written: cache_control, cachePoint, or a misspelling
    value: Any  # raw value of the marker
    placement: Placement
    anchor: Any
    block: Block | None = None  # the block it marks (for nested markers: the parent block)
    is_last_child: bool = False  # for tool-result-child / document-child
    in_loop: bool = False  # added inside a loop (Python source)
    across_turns: bool = False  # on an entry appended to history kept across calls (Python)

    @property
    def valid_key(self) -> bool:
        return self.key in ("cache_control", "cachePoint")

    @property
    def ttl(self) -> str | None:
        """The TTL in force: '5m' by default, the given string, or None when not a string."""
        if not isinstance(self.value, dict):
            return "5m"
        ttl = self.value.get("ttl", "5m")
        return ttl if isinstance(ttl, str) else None


@dataclass(slots=True)
class Block:
    section: Section
    kind: str  # tool, text, image, document, tool_use, tool_result, thinking, ...
    content: list[Segment]  # text that is rendered into the prompt
    anchor: Any
    role: str | None = None
    message_index: int | None = None
    markers: list[Marker] = field(default_factory=list)
    opaque: bool = False  # size cannot be estimated from the text (images, files, PDFs)
    multiplicity_unbounded: bool = False  # appended in a loop
    raw: Any = None  # the JSON value of the block (payloads), for precise locations

    @property
    def marker(self) -> Marker | None:
        for m in self.markers:
            if m.placement in ("block", "cache-point"):
                return m
        return None

    def known_text(self) -> str:
        return "".join(s for s in self.content if isinstance(s, str))

    def holes(self) -> list[Hole]:
        return [s for s in self.content if isinstance(s, Hole)]


@dataclass(slots=True)
class Prompt:
    dialect: Literal["anthropic", "chat", "converse"]
    blocks: list[Block]
    anchor: Any  # the request object
    model: str | None = None
    model_anchor: Any = None
    platform: str | None = None  # anthropic | bedrock | bedrock-legacy | vertex | gateway
    platform_when: str = ""  # the condition under which it goes there (Python source)
    automatic: Marker | None = None
    markers: list[Marker] = field(default_factory=list)  # every marker, in cache order
    misspelled: list[Marker] = field(default_factory=list)  # keys that look like a marker
    betas: frozenset[str] = frozenset()
    fields: dict[str, Any] = field(default_factory=dict)  # tool_choice, thinking, speed, ...
    complete: bool = True  # False when some blocks may be missing (Python holes)
    raw: Any = None  # the request body (payloads), for exact token counting
    rendered: bool = True  # False when text is source code, not a rendered request (Python)
    clock: Any = None  # what a log says about the request's time (session.clock.RequestClock)

    def breakpoints(self) -> list[Marker]:
        """Markers the API counts toward the limit of 4, in cache order."""
        out = [m for m in self.markers if m.valid_key]
        if self.automatic is not None:
            out.append(self.automatic)
        return out

    def marked_blocks(self) -> list[tuple[int, Marker]]:
        """(block index, marker) for each breakpoint that writes a cache entry, in order."""
        # gateways move a chat message's own marker onto its last content part
        writing = _WRITING_CHAT if self.dialect == "chat" else _WRITING
        out = []
        for i, b in enumerate(self.blocks):
            m = next((m for m in b.markers if m.valid_key and m.placement in writing), None)
            if m is not None:
                out.append((i, m))
        if self.automatic is not None:
            last = self.last_cacheable_index()
            if last is not None:
                out.append((last, self.automatic))
        return out

    def last_cacheable_index(self) -> int | None:
        for i in range(len(self.blocks) - 1, -1, -1):
            b = self.blocks[i]
            if b.kind in ("thinking", "redacted_thinking"):
                continue
            if b.kind == "text" and not b.content:
                continue
            return i
        return None
