"""A folder of `.json` request files read as one log (`cachelint check --log-dir DIR`).

Opt-in: files in an ordinary folder are independent payloads (fixtures, examples) and are never
compared with each other. In a log folder the files are taken in natural name order (`req-2`
before `req-10`, subfolders by their path), each one a request or a list of requests, and the
session rules run across them exactly as across the lines of a `.jsonl` log; request rules run on
each file, and a cause they find is reported once per conversation, as in a log.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from cachelint.checks.unparsable_input import unparsable
from cachelint.findings import Finding
from cachelint.payload.source import parse_document, requests_of
from cachelint.reading import read_error, read_regular
from cachelint.rule_api import Context, run_request_checks
from cachelint.session.analyzer import SessionAnalyzer
from cachelint.session.clock import SeenValues

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> list[tuple[int, int | str]]:
    """Sort key: runs of digits compare as numbers, the rest case-insensitively."""
    return [
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in _DIGITS.split(name)
        if part
    ]


def lint_log_folder(
    files: Iterable[tuple[Path, str]],
    ctx: Context,
    selector: Callable[[str], Callable[[str], bool]],
    max_file_size: int,
) -> list[Finding]:
    """Findings for (path, display name) files, taken in the order given."""
    sessions = SessionAnalyzer(ctx)
    seen = SeenValues()
    out: list[Finding] = []
    for path, display in files:
        selected = selector(display)
        try:
            data = read_regular(path, max_file_size)
        except OSError as e:
            if selected("CL000"):
                out.append(unparsable(display, read_error(e)))
            continue
        parsed = parse_document(data, display)
        if isinstance(parsed, Finding):
            out.extend([parsed] if selected("CL000") else [])
            continue
        obj, doc = parsed
        for item, req, prompt in requests_of(obj, (), seen, display):
            issues = list(run_request_checks(prompt, ctx, selected))
            out.extend(
                sessions.add(
                    item,
                    req,
                    prompt,
                    issues,
                    path=display,
                    line_no=1,
                    resolve=doc.resolve,
                    selected=selected,
                )
            )
    sessions.finish()
    return out
