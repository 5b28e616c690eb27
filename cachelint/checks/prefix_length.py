"""CL201 prefix-below-minimum and CL202 unknown-model."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.count_tokens import CountError
from cachelint.findings import Severity
from cachelint.platforms import platform_of
from cachelint.prompt import Marker, Prompt
from cachelint.rule_api import Context, Issue, request_check
from cachelint.tokens import ZERO, Estimate


@request_check("CL201", "CL202")
def prefix_length(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    marked = prompt.marked_blocks()
    if not marked:
        return
    if not prompt.complete:
        return  # blocks may be missing (Python source): the prefix length is unknown
    model = prompt.model or ctx.default_model
    if not model:
        return  # nothing names a model: set --model or default-model to check minimums
    anchor = prompt.model_anchor if prompt.model else marked[0][1].anchor
    platform = platform_of(prompt, ctx)
    limits = ctx.models.lookup(model)
    if limits is None:
        if ctx.models.automatic_provider(model) is None:
            yield Issue(
                "CL202",
                anchor,
                f"model '{model}' is not in the limits table, so the minimum cacheable prefix "
                f"cannot be checked",
                help=f'Add [tool.cachelint.models."{model}"] with min-tokens = N (from the '
                f"provider's docs), or check the id for a typo (`cachelint models` lists "
                f"the known ones).",
            )
        return
    minimum = limits.minimum(platform)
    if minimum is None:
        where = f" on {platform}" if platform else ""
        yield Issue(
            "CL202",
            anchor,
            f"no minimum cacheable prefix is known for {limits.id}{where} ({limits.source})",
            help=f'Set [tool.cachelint.models."{limits.id}"] min-tokens (or min-tokens-bedrock) '
            f"once the provider documents it.",
        )
        return
    est, upto, tools_seen = ZERO, 0, False
    candidates: list[tuple[Marker, Estimate]] = []
    for index, marker in marked:
        for b in prompt.blocks[upto : index + 1]:
            if b.opaque or b.holes() or b.multiplicity_unbounded:
                return  # size unknowable: images, files, values only known at run time
            est = est + ctx.estimator.text(b.known_text()) + ctx.estimator.block
            tools_seen = tools_seen or b.section == "tools"
        upto = index + 1
        total = ctx.estimator.for_model(
            est + (ctx.estimator.tools if tools_seen else ZERO), limits.tokenizer
        )
        if total.low < minimum:
            candidates.append((marker, total))
    exact = _exact_counts(prompt, ctx, limits.id, candidates)
    if exact is not None:
        short = [
            (m, Estimate(n, n, n))
            for (m, _), n in zip(candidates, exact, strict=True)
            if n < minimum
        ]
    else:
        short = [(m, t) for m, t in candidates if t.mid < minimum]
    if not short:
        return
    # One finding per request, at the longest prefix that falls short: every breakpoint before it
    # falls short too, and a user fixes them together.
    marker, total = short[-1]
    before = len(short) - 1
    also = ""
    if before == 1:
        also = " (so does the breakpoint before it)"
    elif before > 1:
        also = f" (so do the {before} breakpoints before it)"
    on = f" on {platform}" if platform in ("bedrock", "bedrock-legacy") else ""
    size = (
        f"exactly {total.mid:,} tokens (count_tokens)"
        if exact is not None
        else f"about {total.mid:,} tokens (between {total.low:,} and {total.high:,})"
    )
    yield Issue(
        "CL201",
        marker.anchor,
        f"the prefix up to this breakpoint is {size} of {minimum:,} needed for {model}{on}: the "
        f"breakpoint is silently ignored and nothing is cached there{also}",
        severity=Severity.ERROR if total.high < minimum else Severity.WARNING,
        notes=[("breakpoint below the minimum too", m.anchor) for m, _ in short[:-1]],
    )


def _exact_counts(
    prompt: Prompt, ctx: Context, model_id: str, candidates: list[tuple[Marker, Estimate]]
) -> list[int] | None:
    """count_tokens results for each candidate, or None to keep the estimates."""
    if ctx.counter is None or prompt.raw is None or prompt.dialect != "anthropic":
        return None
    root = len(prompt.anchor)
    try:
        return [
            ctx.counter.prefix(prompt.raw, tuple(m.anchor[root:]), model_id) for m, _ in candidates
        ]
    except CountError as e:
        ctx.counter.errors.append(str(e))
        return None
