"""Exact prefix counts through the count_tokens endpoint (opt-in: `--count-tokens`).

Off by default: it sends prompts over the network with the user's key. The prefix up to a
breakpoint is counted by truncating the request there (tools + system + messages up to and
including the marked block), which is how the API evaluates the minimum.
"""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from typing import Any

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
_PLACEHOLDER = {"role": "user", "content": "."}


class CountError(Exception):
    pass


class TokenCounter:
    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, timeout: float = 15.0):
        self.api_key = api_key
        self.url = base_url.rstrip("/") + "/v1/messages/count_tokens"
        self.timeout = timeout
        self._cache: dict[str, int] = {}
        self.errors: list[str] = []  # failures fall back to estimates; the CLI reports them

    def count(self, body: dict[str, Any]) -> int:
        key = json.dumps(body, sort_keys=True)
        if key not in self._cache:
            self._cache[key] = self._post(body)
        return self._cache[key]

    def _post(self, body: dict[str, Any]) -> int:
        req = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            headers={
                "x-api-key": self.api_key,
                "anthropic-version": API_VERSION,
                "content-type": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return int(json.load(resp)["input_tokens"])
        except (urllib.error.URLError, TimeoutError, ValueError, KeyError, OSError) as e:
            raise CountError(f"count_tokens failed: {e}") from e

    def prefix(self, request: dict, anchor_path: tuple, model: str) -> int:
        """Tokens of the request truncated at the block that anchor_path points into."""
        body = truncate(request, anchor_path)
        body["model"] = model
        if body["messages"]:
            return self.count(body)
        # the endpoint needs a message: count a placeholder and take it away again
        body["messages"] = [_PLACEHOLDER]
        alone = {"model": model, "messages": [_PLACEHOLDER]}
        return max(0, self.count(body) - self.count(alone))


def truncate(request: dict, path: tuple) -> dict:
    """The request cut after the block at `path` (a JSON path below the request root)."""
    keep = {
        k: copy.deepcopy(request[k])
        for k in ("tools", "system", "tool_choice", "thinking")
        if k in request
    }
    keep["messages"] = []
    section = path[0] if path else None
    if section == "tools":
        keep["tools"] = keep["tools"][: path[1] + 1]
        keep.pop("system", None)
    elif section == "system":
        if isinstance(keep.get("system"), list) and len(path) > 1:
            keep["system"] = keep["system"][: path[1] + 1]
    elif section == "messages":
        msgs = request["messages"][: path[1] + 1]
        keep["messages"] = copy.deepcopy(msgs)
        last = keep["messages"][-1]
        if len(path) > 3 and path[2] == "content" and isinstance(last.get("content"), list):
            last["content"] = last["content"][: path[3] + 1]
    else:  # the top-level automatic marker: the whole request
        keep["messages"] = copy.deepcopy(request.get("messages", []))
    return keep
