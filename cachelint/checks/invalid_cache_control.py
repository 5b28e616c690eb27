"""CL103 invalid-cache-control: marker values and keys the API rejects."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

import orjson

from cachelint.fixes import AnchoredEdit, PlannedFix
from cachelint.prompt import Marker, Prompt
from cachelint.rule_api import Context, Issue, request_check

VALID_TTLS = ("5m", "1h")  # A, API reference; AWS for cachePoint
SCOPE_BETA = "prompt-caching-scope-2026-01-05"  # caching-facts.md §1.2: `scope` is beta-only
_TYPE = {"cache_control": "ephemeral", "cachePoint": "default"}
_FIELDS = {"cache_control": {"type", "ttl", "scope"}, "cachePoint": {"type", "ttl"}}
OTHER_DIALECT_KEY = {"converse": "cache_control", "anthropic": "cachePoint", "chat": "cachePoint"}


def _every_marker(prompt: Prompt) -> Iterator[Marker]:
    yield from prompt.markers
    if prompt.automatic is not None:
        yield prompt.automatic


@request_check("CL103", lone_block=True, marker_values=True)
def invalid_values(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    for m in _every_marker(prompt):
        yield from _check_value(m, prompt)
    wrong_key = OTHER_DIALECT_KEY[prompt.dialect]
    for m in prompt.misspelled:
        if m.key == wrong_key:
            continue  # CL106: right key for another API
        right = "cachePoint" if prompt.dialect == "converse" else "cache_control"
        yield Issue(
            "CL103",
            m.anchor,
            f"'{m.key}' is not a cache marker key: the API rejects it as an extra input or a "
            f"gateway drops it, and nothing is cached here",
            help=f"Spell it '{right}'.",
            fix=_rename(m.anchor, right),
        )


def _check_value(m: Marker, prompt: Prompt) -> Iterator[Issue]:
    want_type = _TYPE.get(m.key, "ephemeral")
    example = '{"type": "default"}' if m.key == "cachePoint" else '{"type": "ephemeral"}'
    v = m.value
    if not isinstance(v, dict):
        yield Issue(
            "CL103",
            m.anchor,
            f"{m.key} must be an object such as {example}, not {_json_type(v)}",
            help=f'Write {m.key}: {example} (optionally with "ttl": "1h").',
        )
        return
    if "type" not in v:
        yield Issue(
            "CL103",
            m.anchor,
            f"{m.key} has no 'type': it must be '{want_type}'",
            help=f"Write {m.key}: {example}.",
        )
    elif v["type"] != want_type:
        yield Issue(
            "CL103",
            m.anchor + ("type",),
            f"{m.key} type {_show(v['type'])} is invalid: the only type is '{want_type}'",
            help=f'Use "type": "{want_type}".',
            fix=_respell(m.anchor + ("type",), _close(v["type"], [want_type])),
        )
    if "ttl" in v and v["ttl"] not in VALID_TTLS:
        yield Issue(
            "CL103",
            m.anchor + ("ttl",),
            f"{m.key} ttl {_show(v['ttl'])} is invalid: the API accepts only '5m' and '1h'",
            help='Use "ttl": "5m" (the default) or "ttl": "1h".',
            fix=_respell(m.anchor + ("ttl",), ttl_candidate(v["ttl"])),
        )
    for key in v:
        if key in _FIELDS.get(m.key, ()):
            if key == "scope" and SCOPE_BETA not in prompt.betas:
                yield Issue(
                    "CL103",
                    m.anchor + ("scope",),
                    f"cache_control 'scope' is only accepted with the {SCOPE_BETA} beta; "
                    f"without it the API returns 400",
                    help=f"Remove 'scope', or send the anthropic-beta header {SCOPE_BETA}.",
                )
            continue
        yield Issue(
            "CL103",
            m.anchor + (key,),
            f"unknown {m.key} field '{key}': the API rejects extra inputs",
            help="Keep only 'type' and 'ttl'.",
            fix=_rename(m.anchor + (key,), _close(key, sorted(_FIELDS.get(m.key, set()) - set(v)))),
        )


_DURATION = re.compile(r"(\d+)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


def ttl_candidate(v) -> str | None:
    """The one valid TTL an invalid one stands for ("5min", "60m", "3600s" -> "5m", "1h")."""
    if not isinstance(v, str):
        return None
    m = _DURATION.fullmatch(v.strip().lower())
    if m is None:
        return None
    seconds = int(m[1]) * _SECONDS[m[2][0]]
    return {300: "5m", 3600: "1h"}.get(seconds)


def _close(word, choices: list[str]) -> str | None:
    """The only choice `word` is a misspelling of, if there is exactly one."""
    if not isinstance(word, str):
        return None
    found = difflib.get_close_matches(word.lower(), choices, n=2, cutoff=0.6)
    return found[0] if len(found) == 1 else None


def _rename(anchor, key: str | None) -> PlannedFix | None:
    if key is None or not isinstance(anchor, tuple):
        return None
    return PlannedFix(f"Rename to '{key}'", [AnchoredEdit(anchor, "key", _json(key))])


def _respell(anchor, value: str | None) -> PlannedFix | None:
    if value is None or not isinstance(anchor, tuple):
        return None
    return PlannedFix(f"Replace with '{value}'", [AnchoredEdit(anchor, "value", _json(value))])


def _json(s: str) -> str:
    return orjson.dumps(s).decode()


def _json_type(v) -> str:
    return {
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "an array",
        type(None): "null",
    }.get(type(v), "a value")


def _show(v) -> str:
    return f"'{v}'" if isinstance(v, str) else repr(v)
