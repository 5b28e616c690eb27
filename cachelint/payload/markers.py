"""Marker discovery shared by the payload dialects: canonical keys and look-alike keys."""

from __future__ import annotations

from typing import Any

from cachelint.prompt import Block, Marker, Placement

_TARGETS = ("cachecontrol", "cachepoint")


def _distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance, giving up early past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def looks_like_marker(key: object) -> bool:
    """cacheControl, cache-control, CacheControl, cache_contol, cache_point... (not exact).
    Keys that are not strings (`{None: ...}` in Python source) are never markers."""
    if not isinstance(key, str) or key[:1] not in ("c", "C"):
        return False
    norm = key.lower().replace("_", "").replace("-", "")
    if not norm.startswith("cach"):
        return False
    return any(_distance(norm, t) <= 2 for t in _TARGETS)


def is_http_header(key: str) -> bool:
    """The HTTP header (`{"Cache-Control": "no-cache"}` in a headers dict), which a prompt block
    would not carry: Python sources count it as a look-alike only in a dict with a "type"."""
    return key.lower() == "cache-control"


# HTTP Cache-Control directives (RFC 9111, RFC 8246, RFC 5861), as header text or as the keyword
# names web frameworks take (max_age=..., no_store=True).
_HTTP_DIRECTIVES = frozenset(
    {
        "max-age",
        "s-maxage",
        "no-cache",
        "no-store",
        "no-transform",
        "public",
        "private",
        "must-revalidate",
        "proxy-revalidate",
        "must-understand",
        "immutable",
        "stale-while-revalidate",
        "stale-if-error",
        "only-if-cached",
        "max-stale",
        "min-fresh",
    }
)


def _directive(word: str) -> bool:
    name = word.split("=", 1)[0].strip().lower().replace("_", "-")
    return name in _HTTP_DIRECTIVES


def is_http_cache_value(value: Any) -> bool:
    """HTTP caching written under a cache_control-like key ("no-store", "public, max-age=60",
    {"max_age": 3600, "public": True}), which no prompt-cache marker looks like."""
    if isinstance(value, str):
        words = [w for w in value.split(",") if w.strip()]
        return bool(words) and all(_directive(w) for w in words)
    if isinstance(value, dict) and value and "type" not in value and "ttl" not in value:
        return all(isinstance(k, str) and _directive(k) for k in value)
    return False


class MarkerCollector:
    """Collects markers and look-alikes in cache order while a dialect walks a request."""

    def __init__(self, canonical: str) -> None:
        self.canonical = canonical  # cache_control, or cachePoint for Converse
        self.markers: list[Marker] = []
        self.misspelled: list[Marker] = []

    def scan(
        self,
        obj: Any,
        path: tuple,
        placement: Placement,
        block: Block | None,
        *,
        is_last_child: bool = False,
    ) -> None:
        """Record obj's marker (if any) and any look-alike keys on it."""
        if not isinstance(obj, dict):
            return
        for key, value in obj.items():
            if key == self.canonical:
                if value is None and key == "cache_control":
                    continue  # null: no breakpoint (a nullable field in the API and the SDKs)
                m = Marker(key, value, placement, path + (key,), block, is_last_child)
                self.markers.append(m)
                if block is not None and placement != "automatic":
                    block.markers.append(m)
            elif key in ("cache_control", "cachePoint") or looks_like_marker(key):
                self.misspelled.append(Marker(key, value, placement, path + (key,), block))
