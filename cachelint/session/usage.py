"""Cache usage reported by the response next to a logged request.

Log lines such as `{"request": ..., "response": {"usage": ...}}` carry what the API actually did:
Anthropic `cache_read_input_tokens` / `cache_creation_input_tokens`, Bedrock Converse
`cacheReadInputTokens` / `cacheWriteInputTokens`, OpenAI-style gateways
`prompt_tokens_details.cached_tokens` (and `cache_write_tokens` on OpenRouter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_CONTAINERS = ("response", "result", "output")
_READ = ("cache_read_input_tokens", "cacheReadInputTokens")
_WRITE = ("cache_creation_input_tokens", "cacheWriteInputTokens", "cache_write_tokens")


@dataclass(frozen=True, slots=True)
class Usage:
    read: int
    write: int | None  # None when the response only reports cached (read) tokens

    def describe(self) -> str:
        read = f"{self.read:,} token{'s' if self.read != 1 else ''} read"
        return read if self.write is None else f"{read}, {self.write:,} written"

    @property
    def cached(self) -> int | None:
        """Tokens of the prefix up to the last entry this request read or wrote."""
        return None if self.write is None else self.read + self.write


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


def _from_usage(u: dict) -> Usage | None:
    read = next((_int(u[k]) for k in _READ if k in u), None)
    write = next((_int(u[k]) for k in _WRITE if k in u), None)
    details = u.get("prompt_tokens_details") or u.get("input_tokens_details")
    if isinstance(details, dict):
        if read is None:
            read = _int(details.get("cached_tokens"))
        if write is None:
            write = _int(details.get("cache_write_tokens"))
    if read is None:
        return None
    return Usage(read, write)


def usage_of(line: Any) -> Usage | None:
    """The usage of the response logged with a request, if the line carries one."""
    if not isinstance(line, dict):
        return None
    candidates: list[Any] = [line.get("usage")]
    for key in _CONTAINERS:
        resp = line.get(key)
        if isinstance(resp, dict):
            candidates.append(resp.get("usage"))
            for inner in ("message", "body"):  # streaming message_start, HTTP dumps
                if isinstance(resp.get(inner), dict):
                    candidates.append(resp[inner].get("usage"))
    for u in candidates:
        if isinstance(u, dict):
            found = _from_usage(u)
            if found is not None:
                return found
    return None
