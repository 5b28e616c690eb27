"""Cheap byte scans that decide whether a walked Python file is worth parsing.

Parsing with libcst costs far more than reading. A file is parsed when its bytes mention a cache
marker (cache_control, cachePoint and their look-alikes), the prompt-caching beta, or a call that
sends a request (the markers may come from a helper module, which is then read on demand).
"""

from __future__ import annotations

import re

CANDIDATE = re.compile(
    rb"(?i:cache?[-_ ]?(?:co|po)|prompt[-_]?caching)"
    rb"|messages\.(?:create|stream|count_tokens|parse|batches)\b"
    rb"|with_(?:raw|streaming)_response\.(?:create|stream)\b"
    rb"|completions\.create|litellm|\.converse(?:_stream)?\(|invoke_model|/v1/messages"
)


def worth_parsing(data: bytes) -> bool:
    return CANDIDATE.search(data) is not None
