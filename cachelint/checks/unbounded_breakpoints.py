"""CL105 unbounded-breakpoints: markers that can pile up past the limit of 4 (Python source)."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.prompt import Prompt
from cachelint.rule_api import Context, Issue, request_check


@request_check("CL105")
def repeated_markers(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    for m in prompt.markers:
        if not m.valid_key:
            continue
        if m.in_loop:
            yield Issue(
                "CL105",
                m.anchor,
                f"{m.key} is added on every pass of a loop: with more than 4 passes the request "
                f"carries more than 4 breakpoints and the API rejects it ('A maximum of 4 blocks "
                f"with cache_control may be provided')",
            )
        elif m.across_turns:
            yield Issue(
                "CL105",
                m.anchor,
                f"{m.key} is added to a message appended to a history that is kept across "
                f"calls, and earlier turns keep their markers: from the 5th turn on the request "
                f"has more than 4 breakpoints and the API rejects it",
                help="Mark a copy of the latest turn when sending, or remove the markers of "
                "earlier turns first (keep at most 4).",
            )
