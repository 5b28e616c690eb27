"""Payload files (`.json`, `.jsonl`, `.ndjson`) -> findings.

Parsing is orjson on bytes; positions are computed only for what is reported (jsonpos). A JSONL
log is read line by line, so memory is bounded by the longest line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import orjson

from cachelint.checks.unparsable_input import unparsable
from cachelint.findings import Finding, Span
from cachelint.fixes import AnchoredEdit
from cachelint.jsonpos import (
    JsonIndex,
    PathNotFound,
    edit_offsets,
    key_end,
    line_col,
    string_offset,
)
from cachelint.payload.detect import to_prompt, unwrap
from cachelint.prompt import Prompt
from cachelint.resolve_issues import finding
from cachelint.rule_api import Context, Issue, TextRange, run_request_checks
from cachelint.session.analyzer import SessionAnalyzer
from cachelint.session.clock import RequestClock, SeenValues, sent_at
from cachelint.snippet import WIDTH, excerpt_in

Selected = Callable[[str], bool]


class JsonDoc:
    """One JSON document (a whole .json file or one JSONL line) and its place in the file."""

    def __init__(self, data: bytes, first_line: int = 1) -> None:
        self.data = data
        self.first_line = first_line
        self._index: JsonIndex | None = None

    @property
    def text(self) -> str:
        return self.index.text

    @property
    def index(self) -> JsonIndex:
        if self._index is None:
            self._index = JsonIndex(self.data.decode("utf-8", errors="replace"))
        return self._index

    def resolve(self, anchor: Any) -> tuple[Span, str | None, int]:
        path, sub = tuple(anchor), None
        if path and isinstance(path[-1], TextRange):
            path, sub = path[:-1], path[-1]
        index = self.index
        text = index.text
        while True:
            try:
                start, vstart, end = index.locate(path)
                break
            except PathNotFound:
                if not path:
                    start = vstart = end = 0
                    break
                path, sub = path[:-1], None
        if sub is not None and text[vstart : vstart + 1] == '"':
            start = string_offset(text, vstart, sub.start)
            end = string_offset(text, vstart, sub.end)
        elif text.find("\n", start, end) >= 0:
            end = key_end(text, start) if text[start : start + 1] == '"' else start + 1
        line, col = index.line_col(start)
        end_line, end_col = index.line_col(end)
        ls = start - col + 1
        le = index.line_end(start, start + WIDTH + 1)  # a long line is not copied whole
        if le == len(text) or text[le] == "\n":  # the line's end (within WIDTH of start)
            while le > ls and text[le - 1] == "\r":
                le -= 1
        snippet, snippet_start = excerpt_in(text, ls, le, col)
        off = self.first_line - 1
        return Span(line + off, col, end_line + off, end_col), snippet, snippet_start

    def edit_span(self, edit: AnchoredEdit) -> Span | None:
        """The span an anchored edit replaces, or None when its anchor is not in the text."""
        try:
            offsets = edit_offsets(self.index, tuple(edit.anchor), edit.part)
        except PathNotFound:
            return None
        (line, col), (end_line, end_col) = map(self.index.line_col, offsets)
        off = self.first_line - 1
        return Span(line + off, col, end_line + off, end_col)


def _decode_error(e: orjson.JSONDecodeError, data: bytes) -> tuple[str, int]:
    msg = e.msg
    if "depth" in msg or "recursion" in msg:
        return "JSON nested deeper than the parser's limit of 1,024 levels", e.pos
    if "UTF-8" in msg or "surrogates" in msg:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as u:
            return f"not valid UTF-8 (byte 0x{data[u.start]:02x} at offset {u.start})", u.start
    return f"invalid JSON: {msg}", e.pos


def _error_span(data: bytes, pos: int, first_line: int) -> tuple[Span, str]:
    pos = min(pos, len(data.rstrip()))  # "unexpected end of data": point at the last content
    head = data[:pos].decode("utf-8", errors="replace")
    line, col = line_col(head, len(head))
    ls = data.rfind(b"\n", 0, pos) + 1
    le = data.find(b"\n", pos)
    snippet = data[ls : le if le >= 0 else len(data)].decode("utf-8", errors="replace")
    line += first_line - 1
    return Span(line, col, line, col + 1), snippet.rstrip("\r")


def _problem(data: bytes) -> str | None:
    if not data.strip():
        return "empty file: expected a JSON request payload"
    if b"\x00" in data[:8192]:
        return "binary file: not JSON text"
    return None


def requests_of(
    obj: Any, root: tuple, log: SeenValues | None = None, where: str = ""
) -> Iterator[tuple[Any, dict, Prompt]]:
    """(log entry, request, prompt) for each request in a document: one, or a list of them.
    `log` remembers the values of earlier requests when the document is part of a log, at
    `where` ("line 3")."""
    items: Iterable[Any] = [(obj, root)]
    if isinstance(obj, list):
        items = [(item, root + (i,)) for i, item in enumerate(obj)]
    for item, path in items:
        found = unwrap(item)
        if found is None:
            continue
        req, inner, headers = found
        prompt = to_prompt(req, path + inner, headers)
        prompt.clock = RequestClock(sent_at(item) or sent_at(req), log, where)
        yield item, req, prompt


def _issues(obj: Any, root: tuple, ctx: Context, selected: Selected) -> Iterator[Issue]:
    for _, _, prompt in requests_of(obj, root):
        yield from run_request_checks(prompt, ctx, selected)


def parse_document(data: bytes, path: str) -> tuple[Any, JsonDoc] | Finding:
    """A whole-file JSON payload and its document, or the CL000 finding that explains why not."""
    problem = _problem(data)
    if problem:
        return unparsable(path, problem)
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return orjson.loads(body), JsonDoc(body)
    except orjson.JSONDecodeError as e:
        msg, pos = _decode_error(e, body)
        span, snippet = _error_span(body, pos, 1)
        return unparsable(path, msg, span, snippet)


def lint_json(data: bytes, path: str, ctx: Context, selected: Selected) -> list[Finding]:
    parsed = parse_document(data, path)
    if isinstance(parsed, Finding):
        return [parsed] if selected("CL000") else []
    obj, doc = parsed
    return [finding(i, path, doc.resolve, doc.edit_span) for i in _issues(obj, (), ctx, selected)]


def _lines(stream: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """Lines of the stream; None for a line longer than limit (skipped without being kept)."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


def lint_jsonl(
    stream: IO[bytes], path: str, ctx: Context, selected: Selected, max_line: int = 64 * 1024 * 1024
) -> list[Finding]:
    """Request rules on each line, and session rules over the lines read as conversations; a
    request rule's cause is reported once per conversation (`session.recurring`)."""
    out: list[Finding] = []
    seen_any = False
    sessions = SessionAnalyzer(ctx)
    seen = SeenValues()
    for n, line in enumerate(_lines(stream, max_line), 1):
        if line is None:
            seen_any = True
            if selected("CL000"):
                out.append(
                    unparsable(
                        path,
                        f"line {n}: longer than the max-file-size limit of "
                        f"{max_line:,} bytes; not checked",
                        Span(n, 1, n, 2),
                    )
                )
            continue
        if n == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip():
            continue
        seen_any = True
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            if selected("CL000"):
                msg, pos = _decode_error(e, line)
                if b"\x00" in line:
                    msg = "binary data: not a JSON line"
                span, snippet = _error_span(line, pos, n)
                out.append(unparsable(path, f"line {n}: {msg}", span, snippet))
            continue
        doc = JsonDoc(line, n)
        resolve = doc.resolve
        for item, req, prompt in requests_of(obj, (), seen, f"line {n}"):
            issues = list(run_request_checks(prompt, ctx, selected))
            out.extend(
                sessions.add(
                    item,
                    req,
                    prompt,
                    issues,
                    path=path,
                    line_no=n,
                    resolve=resolve,
                    selected=selected,
                )
            )
    sessions.finish()
    if not seen_any and selected("CL000"):
        out.append(unparsable(path, "empty file: expected JSON lines, one request per line"))
    return out
