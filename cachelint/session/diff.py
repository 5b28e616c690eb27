"""`cachelint diff OLD NEW`: can NEW read the cache OLD wrote, breakpoint by breakpoint?

For each breakpoint of OLD: NEW reads the entry when its prefix up to that block is identical
(content and cache-key fields such as the model and tool_choice) and one of NEW's breakpoints is
at most 20 positions after it. Otherwise the first difference is named, with the layers it
invalidates and the tokens written again instead of read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from cachelint.config import DEFAULT_MAX_FILE_SIZE
from cachelint.findings import Finding, Span
from cachelint.formatters.neutral import shown, shown_path
from cachelint.payload.source import JsonDoc, parse_document, requests_of
from cachelint.prompt import Prompt
from cachelint.reading import read_error, read_regular
from cachelint.rule_api import Context
from cachelint.session.compare import LOOKBACK, Change, compare
from cachelint.session.estimate import PrefixEstimate
from cachelint.session.request_print import RequestPrint, RequestPrinter, draft
from cachelint.tokens import Estimate


class DiffError(Exception):
    """An input that cannot be compared (exit 2), worded like a CL000 finding."""


@dataclass(slots=True)
class Side:
    path: str
    prompt: Prompt
    print: RequestPrint
    doc: JsonDoc
    estimate: PrefixEstimate
    label: str  # as named on the command line (`log.jsonl:4` for a line of a log)

    def span(self, anchor: Any) -> Span:
        return self.doc.resolve(anchor)[0]


@dataclass(slots=True)
class EntryReport:
    label: str  # the marked block of OLD
    span: Span  # its marker in OLD
    status: str  # hit | changed | lookback | unwritten
    tokens: Estimate  # prefix up to and including the block, in OLD
    distance: int | None = None  # positions to NEW's nearest breakpoint (lookback)


@dataclass(slots=True)
class DiffReport:
    old: Side
    new: Side
    entries: list[EntryReport]
    first: Change | None  # the first difference, when it costs an entry
    lost: Estimate | None  # tokens written again instead of read

    @property
    def hit(self) -> bool:
        return all(e.status in ("hit", "unwritten") for e in self.entries)

    @property
    def written(self) -> list[EntryReport]:
        return [e for e in self.entries if e.status != "unwritten"]


def _error(f: Finding) -> DiffError:
    where = (
        f"{f.path}:{f.span.line}:{f.span.column}"
        if f.span.line > 1 or f.span.column > 1
        else f.path
    )
    return DiffError(f"{where}: {f.message} [CL000]")


def _read(path: str, max_file_size: int) -> tuple[bytes, str]:
    """The bytes of a request file, or of one line of a log named `log.jsonl:N` (the other
    lines blanked, so positions stay those of the log); and the name to show. Regular files
    only, no more than `max_file_size` bytes (a line of a log: no longer than that)."""
    from cachelint.discovery import JSONL_SUFFIXES
    from cachelint.reading import open_regular

    name, sep, number = path.rpartition(":")
    if sep and number.isdigit() and name.endswith(JSONL_SUFFIXES) and not os.path.lexists(path):
        wanted = int(number)
        try:
            with open_regular(name) as f:
                for n, line in enumerate(iter(lambda: f.readline(max_file_size + 1), b""), 1):
                    if n == wanted:
                        return b"\n" * (n - 1) + line, name
        except OSError as e:
            raise DiffError(f"{name}: {read_error(e)} [CL000]") from None
        raise DiffError(f"{name}: has no line {wanted} [CL000]")
    try:
        return read_regular(path, max_file_size), path
    except OSError as e:
        raise DiffError(f"{path}: {read_error(e)} [CL000]") from None


def load(
    label: str, ctx: Context, printer: RequestPrinter, max_file_size: int = DEFAULT_MAX_FILE_SIZE
) -> Side:
    data, path = _read(label, max_file_size)
    parsed = parse_document(data, path)
    if isinstance(parsed, Finding):
        raise _error(parsed)
    obj, doc = parsed
    found = list(requests_of(obj, ()))
    if not found:
        raise DiffError(
            f"{path}: no request payload found (expected a Messages, chat-completions or Converse "
            f'request, or a {{"request": ...}} wrapper) [CL000]'
        )
    if len(found) > 1:
        raise DiffError(
            f"{path}: holds {len(found)} requests; diff compares one request with one request "
            f"(use `cachelint check` on a .jsonl log for a sequence) [CL000]"
        )
    _, req, prompt = found[0]
    p = printer.build(draft(req, prompt, path=path, line=1))
    return Side(path, prompt, p, doc, PrefixEstimate(prompt, p, ctx), label)


def _marker_anchor(side: Side, index: int) -> Any:
    target = side.print.index[index]
    for i, m in side.prompt.marked_blocks():
        if i >= target:
            return m.anchor
    return side.prompt.anchor


def diff(
    old_path: str, new_path: str, ctx: Context, max_file_size: int = DEFAULT_MAX_FILE_SIZE
) -> DiffReport:
    printer = RequestPrinter()
    old = load(old_path, ctx, printer, max_file_size)
    new = load(new_path, ctx, printer, max_file_size)
    comparison = compare(old.print, new.print, new.prompt)
    entries = []
    for e in comparison.entries():
        tokens = old.estimate.tokens(0, e.index)
        if not old.estimate.written(e.index):
            status = "unwritten"
        elif not e.readable:
            status = "changed"
        elif not e.hit:
            status = "lookback"
        else:
            status = "hit"
        label = old.print.blocks[e.index].label
        span = old.span(_marker_anchor(old, e.index))
        entries.append(EntryReport(label, span, status, tokens, e.distance))
    report = DiffReport(old, new, entries, None, None)
    missed = [i for i, e in enumerate(entries) if e.status in ("changed", "lookback")]
    if missed:
        read = [e.tokens for e in entries[: missed[0]] if e.status == "hit"]
        last = entries[missed[-1]].tokens
        base = read[-1] if read else Estimate(0, 0, 0)
        report.lost = Estimate(last.low - base.low, last.mid - base.mid, last.high - base.high)
        if any(entries[i].status == "changed" for i in missed):
            report.first = comparison.first
    return report


def _tokens(est: Estimate | None) -> str:
    if est is None:
        return "an unknown number of tokens"
    return f"about {est.mid:,} tokens (between {est.low:,} and {est.high:,})"


def render_text(r: DiffReport) -> str:
    """The report for people; text from the requests and their names `shown`."""
    old, new = shown_path(r.old.label), shown_path(r.new.label)
    if not r.entries:
        return (
            f"{old} has no breakpoint, so it writes no cache entry: there is nothing for {new} "
            f"to read.\n"
        )
    written = r.written
    hits = sum(e.status == "hit" for e in written)
    if r.hit:
        head = f"{new} reads every cache entry {old} wrote ({hits} of {len(written)})."
    else:
        head = (
            f"{new} misses {len(written) - hits} of the {len(written)} cache entries {old} wrote."
        )
    lines = [head, ""]
    width = max(len(e.label) for e in r.entries)
    for e in r.entries:
        where = f"{r.old.path}:{e.span.line}:{e.span.column}"
        status = _STATUS.get(e.status, e.status)
        note = f"prefix about {e.tokens.mid:,} tokens"
        if e.status == "lookback":
            note += f"; {new}'s nearest breakpoint is {e.distance} positions after it"
        elif e.status == "unwritten":
            note += ", under the model's minimum: never written"
        lines.append(f"  {status:<9} {e.label:<{width}}  {where}  ({note})")
    lines.append("")
    if r.first is not None:
        span = r.new.span(r.first.anchor)
        lines.append(
            f"First difference ({r.new.path}:{span.line}:{span.column}, {r.first.code}): "
            f"{r.first.what}."
        )
        lines.append(
            f"It invalidates {r.first.layers}: {_tokens(r.lost)} are written again instead of read."
        )
    elif r.lost is not None:
        lines.append(
            f"The prefix is unchanged, but the entry is more than {LOOKBACK - 1} positions before "
            f"{new}'s nearest breakpoint (the lookback window, CL402): {_tokens(r.lost)} are "
            f"written again instead of read. Add a breakpoint near the previous one."
        )
    else:
        lines.append("The prefix up to each breakpoint is unchanged.")
    return "\n".join(map(shown, lines)) + "\n"


# what a reader sees, in text and JSON alike: hit, miss (the reason apart) or unwritten
_STATUS = {"lookback": "miss", "changed": "miss"}


def _est(e: Estimate | None) -> dict | None:
    return None if e is None else {"low": e.low, "mid": e.mid, "high": e.high}


def render_json(r: DiffReport, version: str) -> dict:
    first = None
    if r.first is not None:
        span = r.new.span(r.first.anchor)
        first = {
            "code": r.first.code,
            "message": shown(r.first.what),
            "invalidates": r.first.layers.replace(" and ", ", ").split(", "),
            "line": span.line,
            "column": span.column,
        }
    return {
        "version": version,
        "old": shown_path(r.old.path),
        "new": shown_path(r.new.path),
        "hit": r.hit,
        "entries": [
            {
                "breakpoint": shown(e.label),
                "line": e.span.line,
                "column": e.span.column,
                "status": _STATUS.get(e.status, e.status),
                **({"reason": e.status} if e.status in _STATUS else {}),
                "prefix_tokens": _est(e.tokens),
                **({"distance": e.distance} if e.status == "lookback" else {}),
            }
            for e in r.entries
        ],
        "first_difference": first,
        "tokens_written_again": _est(r.lost),
    }
