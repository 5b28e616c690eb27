"""Token estimates with bounds. Claude's tokenizer is not public (caching-facts.md §3).

Each text is split into Latin prose, code-like text, CJK and other non-ASCII scripts; each part is
divided by the chars-per-token figures of `[estimator]` in `rules/models.toml`. The result is three
numbers: a low bound, an estimate and a high bound. Models with the newer tokenizer (Opus 4.7 and
later) multiply by `newer_tokenizer_factor`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_CODE_CHARS = re.compile(r"[{}\[\]()<>;=:\"'`_/\\|#*]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@dataclass(frozen=True, slots=True)
class Estimate:
    low: int
    mid: int
    high: int

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.low + other.low, self.mid + other.mid, self.high + other.high)

    def scaled(self, factors: tuple[float, float, float]) -> Estimate:
        return Estimate(
            round(self.low * factors[0]),
            round(self.mid * factors[1]),
            round(self.high * factors[2]),
        )


ZERO = Estimate(0, 0, 0)


class Estimator:
    def __init__(self, table: dict[str, Any]) -> None:
        self.prose = tuple(table["prose"])
        self.code = tuple(table["code"])
        self.cjk = tuple(table["cjk"])
        self.other = tuple(table["other"])
        self.block = Estimate(*table["block_overhead"])
        self.tools = Estimate(*table["tools_overhead"])
        self.newer = tuple(table["newer_tokenizer_factor"])
        # request logs repeat the same system prompt and tools on every line
        self.text = lru_cache(maxsize=4096)(self._text)

    def _text(self, text: str) -> Estimate:
        if not text:
            return ZERO
        n = len(text)
        cjk = len(_CJK.findall(text)) if not text.isascii() else 0
        other = (len(_NON_ASCII.findall(text)) - cjk) if cjk or not text.isascii() else 0
        latin = n - cjk - other
        # code-like when punctuation is dense: more than 1 in 12 characters
        ratio = self.code if len(_CODE_CHARS.findall(text)) * 12 > latin else self.prose
        c, o = self.cjk, self.other
        return Estimate(
            int(latin / ratio[0] + cjk / c[0] + other / o[0]),
            round(latin / ratio[1] + cjk / c[1] + other / o[1]),
            math.ceil(latin / ratio[2] + cjk / c[2] + other / o[2]),
        )

    def for_model(self, est: Estimate, tokenizer: str) -> Estimate:
        return est.scaled(self.newer) if tokenizer == "claude-4.7" else est
