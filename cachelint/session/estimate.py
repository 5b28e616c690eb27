"""Token estimates of a request's prefixes (tools -> system -> messages), summed on demand."""

from __future__ import annotations

from cachelint.models import ModelLimits
from cachelint.platforms import platform_of
from cachelint.prompt import Prompt
from cachelint.rule_api import Context
from cachelint.session.request_print import RequestPrint
from cachelint.tokens import ZERO, Estimate


def limits_of(model: str | None, ctx: Context) -> ModelLimits | None:
    model = model or ctx.default_model
    return ctx.models.lookup(model) if model else None


class PrefixEstimate:
    def __init__(self, prompt: Prompt, p: RequestPrint, ctx: Context) -> None:
        self.prompt = prompt
        self.p = p
        self.ctx = ctx
        self.limits = limits_of(prompt.model, ctx)
        self._sums: list[Estimate] = [ZERO]  # estimate of blocks[:i]

    def tokens(self, start: int, end: int) -> Estimate:
        """Estimated tokens of print blocks start..end, both included."""
        end = min(end, len(self.p.blocks) - 1)
        if end < start:
            return ZERO
        est = self.ctx.estimator
        sums = self._sums
        while len(sums) <= end + 1:
            b = self.prompt.blocks[self.p.index[len(sums) - 1]]
            sums.append(sums[-1] + est.text(b.known_text()) + est.block)
        lo, hi = sums[start], sums[end + 1]
        total = Estimate(hi.low - lo.low, hi.mid - lo.mid, hi.high - lo.high)
        if start == 0 and self.p.starts["system"] > 0:
            total = total + est.tools
        return est.for_model(total, self.limits.tokenizer if self.limits else "claude-3")

    def minimum(self, model: str | None = None) -> int | None:
        """The minimum cacheable prefix for `model` (default: this request's) on its platform."""
        limits = limits_of(model, self.ctx) if model else self.limits
        return limits.minimum(platform_of(self.prompt, self.ctx)) if limits else None

    def written(self, index: int, model: str | None = None) -> bool:
        """Can a breakpoint on block `index` write an entry? Not when even the high estimate of
        its prefix is under the model's minimum: the API then silently caches nothing."""
        minimum = self.minimum(model)
        return minimum is None or self.tokens(0, index).high >= minimum
