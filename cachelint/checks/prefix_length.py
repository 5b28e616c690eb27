"""CL201 prefix-below-minimum and CL202 unknown-model."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.checks import Context, Issue, platform_of, request_check
from cachelint.findings import Severity
from cachelint.prompt import Marker, Prompt
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
    short: list[tuple[Marker, Estimate]] = []
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
        if total.mid < minimum:
            short.append((marker, total))
    if not short:
        return
    # One finding per request, at the longest prefix that falls short: every breakpoint before it
    # falls short too, and a user fixes them together.
    marker, total = short[-1]
    before = len(short) - 1
    also = (
        f" (so do the {before} breakpoint{'s' if before > 1 else ''} before it)" if before else ""
    )
    on = f" on {platform}" if platform in ("bedrock", "bedrock-legacy") else ""
    yield Issue(
        "CL201",
        marker.anchor,
        f"the prefix up to this breakpoint is about {total.mid:,} tokens (between {total.low:,} "
        f"and {total.high:,}) of {minimum:,} needed for {model}{on}: the breakpoint is silently "
        f"ignored and nothing is cached there{also}",
        severity=Severity.ERROR if total.high < minimum else Severity.WARNING,
        notes=[("breakpoint below the minimum too", m.anchor) for m, _ in short[:-1]],
    )
