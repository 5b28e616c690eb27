"""Run the session rules over the requests of a log, in order, and build their findings.

`SessionAnalyzer.add` takes one request at a time (a JSONL line, or a file of a folder read as a
log), finds its conversation, compares it with the previous request of that conversation, and
returns findings at once. A cause that recurs on the next requests of the same conversation (a
timestamp that changes on every call) is reported once, at the first request, and its message
counts the repeats. The request rules' findings of each request go through it too, to be
reported once per conversation (`session.recurring`); `finish` completes their counts.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import orjson

from cachelint.findings import Finding
from cachelint.prompt import Prompt
from cachelint.resolve_issues import Resolver, finding
from cachelint.rule_api import SESSION_CHECKS, Context, Issue, session_codes
from cachelint.session import pointer
from cachelint.session.compare import compare
from cachelint.session.conversations import Continuation, Conversations
from cachelint.session.recurring import Causes, Recurring, drift_explained
from cachelint.session.request_print import Digests, RequestPrint, RequestPrinter, draft
from cachelint.session.turn import UNEXPLAINED, Cause, Turn, location
from cachelint.session.usage import usage_of

_CONTEXTS_MAX = 1024


@dataclass(slots=True)
class Run:
    """The last cause reported in a conversation, and how often it recurred since."""

    key: str
    finding: Finding | None  # None when its code is not selected
    base: str = ""
    repeats: int = 0

    def recur(self, line: int, path: str, first_path: str) -> None:
        self.repeats += 1
        if self.finding is None:
            return
        where = location(path, line, first_path)
        n = self.repeats
        next_ = "the next request" if n == 1 else f"the next {n} requests"
        self.finding.message = (
            f"{self.base} (the same change recurs on {next_} of this conversation, through {where})"
        )


class SessionAnalyzer:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.key = pointer.parse(ctx.conversation_key) if ctx.conversation_key else None
        self.printer = RequestPrinter()
        self.digests = Digests()
        self.conversations = Conversations()
        self._contexts: OrderedDict[int, RequestPrint] = OrderedDict()
        self._context_runs: dict[int, Run] = {}
        self._seen = 0
        self.recurring = Recurring()

    def add(
        self,
        line: Any,
        req: dict,
        prompt: Prompt,
        issues: list[Issue],
        *,
        path: str,
        line_no: int,
        resolve: Resolver,
        selected: Callable[[str], bool],
    ) -> list[Finding]:
        """Findings for one request of the log (`line` is the log entry that holds it), with
        `issues`, the request rules' selected issues on it."""
        self._seen += 1
        session = any(selected(c) for c in session_codes())
        dr = draft(
            req,
            prompt,
            path=path,
            line=line_no,
            usage=usage_of(line),
            key=self._key(line, req),
            digests=self.digests,
        )
        found = self.conversations.find(dr)
        out: list[Finding] = []
        if found is None:
            p = self.printer.build(dr)
            conv = None
            if p.messages:  # a request without messages cannot be continued
                conv = self.conversations.start(p, dr.context, self._seen)
            if session:
                out = self._across(p, prompt, resolve, selected)
        else:
            conv, cont = found
            p = self.printer.build(dr, conv.last)
            if session:
                turn = Turn(conv.last, p, prompt, cont, compare(conv.last, p, prompt), self.ctx)
                cause = self._cause(turn, _run_checks(turn))
                shown = cause is None or not _reported(turn, cause, issues)
                if cause is not None and not shown:  # a drift of other text later is another
                    cause.key += " reported"
                out = self._report(conv, cause, p, resolve, selected, shown)
            self.conversations.advance(conv, p, cont.common, dr.context, self._seen)
        self._remember_context(p)
        if conv is not None and conv.causes is None:
            conv.causes = Causes()
        causes = conv.causes if conv is not None else None
        repeated = self.recurring.add(
            causes, issues, prompt, req, path=path, line=line_no, resolve=resolve
        )
        return repeated + out

    def finish(self) -> None:
        """Complete the findings once the whole log is read (the counts of recurring causes)."""
        self.recurring.finish()

    def _key(self, line: Any, req: dict) -> Hashable | None:
        if self.key is None:
            return None
        value = pointer.resolve(line, self.key)
        if value is pointer.MISSING and line is not req:
            value = pointer.resolve(req, self.key)
        if value is pointer.MISSING:
            return None
        return value if isinstance(value, str | int | float | bool) else orjson.dumps(value)

    def _cause(self, turn: Turn, causes: list[Cause]) -> Cause | None:
        """The earliest cause, checked against the usage the response reported."""
        if not causes:
            return None
        cause = min(causes, key=Cause.rank)
        usage = turn.cur.usage
        if usage is None or cause.point == UNEXPLAINED or cause.lost is None:
            return cause
        prev_cached = turn.prev.usage.cached if turn.prev.usage else None
        if prev_cached and turn.prev.writes and cause.lost == turn.prev.writes[-1]:
            expected = prev_cached  # exact: the previous request cached up to its last entry
        else:
            expected = turn.tokens(0, cause.lost).low
        if expected and usage.read >= expected:
            return None  # the response read past the predicted miss: the prediction was wrong
        cause.issue.message += f"; confirmed by usage: {usage.describe()}"
        return cause

    def _report(
        self,
        conv,
        cause: Cause | None,
        p: RequestPrint,
        resolve: Resolver,
        selected: Callable[[str], bool],
        shown: bool = True,
    ) -> list[Finding]:
        """The finding of a new cause; a cause not `shown` (what a request rule reported) is
        followed as any other, so that it is not replaced by a later one."""
        run: Run | None = conv.run
        if cause is None:
            conv.run = None
            return []
        if run is not None and run.key == cause.key:
            run.recur(p.line, p.path, run.finding.path if run.finding else p.path)
            return []
        if not shown or not selected(cause.code):
            conv.run = Run(cause.key, None)
            return []
        f = finding(cause.issue, p.path, resolve)
        conv.run = Run(cause.key, f, f.message)
        return [f]

    # -- across conversations: the same tools in another order ---------------------------------

    def _context_key(self, p: RequestPrint) -> int | None:
        tools = p.blocks[: p.starts["system"]]
        if not tools:
            return None
        system = tuple(b.digest for b in p.blocks[p.starts["system"] : p.starts["messages"]])
        return hash((frozenset(Counter(b.canon for b in tools).items()), system))

    def _remember_context(self, p: RequestPrint) -> None:
        key = self._context_key(p)
        if key is None:
            return
        m = p.starts["messages"]
        writes = sorted({min(w, m - 1) for w in p.writes})
        self._contexts[key] = RequestPrint(
            path=p.path,
            line=p.line,
            model=p.model,
            blocks=p.blocks[:m],
            index=p.index[:m],
            starts=dict(p.starts),
            messages=[],
            message_start=[],
            writes=writes,
            fields=p.fields,
            key=p.key,
            root=p.root,
            digests=p.digests[:m],
            positions=p.positions[:m],
        )
        self._contexts.move_to_end(key)
        if len(self._contexts) > _CONTEXTS_MAX:
            old, _ = self._contexts.popitem(last=False)
            self._context_runs.pop(old, None)

    def _across(
        self, p: RequestPrint, prompt: Prompt, resolve: Resolver, selected: Callable[[str], bool]
    ) -> list[Finding]:
        """A new conversation with the same tools and system as an earlier request, in another
        order: only an order change is reported across conversations, since anything else may
        differ between independent conversations by design."""
        key = self._context_key(p)
        prev = self._contexts.get(key) if key is not None else None
        if prev is None or prev.key != p.key:
            return []
        turn = Turn(prev, p, prompt, Continuation("context", 0), compare(prev, p, prompt), self.ctx)
        first = turn.comparison.first
        causes = [
            c
            for c in _run_checks(turn)
            if c.code == "CL303" and first is not None and c.point <= first.point
        ]
        assert key is not None  # prev was found by it
        holder = _Holder(self._context_runs.get(key))
        out = self._report(holder, self._cause(turn, causes), p, resolve, selected)
        if holder.run is None:
            self._context_runs.pop(key, None)
        else:
            self._context_runs[key] = holder.run
        return out


@dataclass(slots=True)
class _Holder:
    run: Run | None


def _reported(turn: Turn, cause: Cause, issues: list[Issue]) -> bool:
    """Is the cause a drift of a tools or system block that only changed inside values the
    request rules report on this request (CL301's timestamp), so that it is already reported?"""
    d = cause.point
    if cause.code != "CL401" or d >= min(len(turn.cur.blocks), len(turn.prev.blocks)):
        return False
    new, old = turn.cur.blocks[d], turn.prev.blocks[d]
    if new.section not in ("tools", "system") or new.label != old.label:
        return False
    return drift_explained(turn.prompt.blocks[turn.cur.index[d]], old.text, issues)


def _run_checks(turn: Turn) -> list[Cause]:
    causes: list[Cause] = []
    for r in SESSION_CHECKS:
        causes.extend(r.check(turn, turn.ctx))
    return causes
