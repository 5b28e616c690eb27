"""Cheap byte scans that decide whether a walked Python file is worth parsing.

Parsing with libcst costs far more than reading: a file is parsed only when its bytes mention a
cache marker (cache_control, cachePoint and their look-alikes) or the prompt-caching beta.
"""

from __future__ import annotations

import re

# cache_control, cacheControl, cache-control, cachePoint, cache_point, prompt_caching,
# prompt-caching, PromptCachingBeta...
CANDIDATE = re.compile(rb"(?i)cache?[-_ ]?(?:co|po)|prompt[-_]?caching")


def worth_parsing(data: bytes) -> bool:
    return CANDIDATE.search(data) is not None
