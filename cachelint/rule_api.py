"""What a rule is written against: the `Issue` it reports, the `Context` it reads, and the
registries its checks join at definition (`@request_check`, `@session_check`, `@source_rule`).

The rules themselves live in `cachelint.checks`, one module per rule (or per family of codes one
check reports); sources and the session analyzer run them through the registries here, so that
nothing lists rule codes by hand. This module imports no other part of cachelint at run time:
checks, sessions and sources all import it, and it imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from cachelint.count_tokens import TokenCounter
    from cachelint.findings import Severity
    from cachelint.fixes import PlannedFix
    from cachelint.models import ModelTable
    from cachelint.prompt import Prompt
    from cachelint.tokens import Estimator


@dataclass(slots=True)
class Issue:
    """A finding before its anchor is resolved to a span by the source."""

    code: str
    anchor: Any
    message: str
    help: str | None = None  # defaults to the rule page's fix
    notes: list[tuple[str, Any]] = field(default_factory=list)  # (message, anchor)
    severity: Severity | None = None  # defaults to the rule page's severity
    fix: PlannedFix | None = None  # resolved by the source into the finding's Fix
    run_time: bool = False  # about a value only known at run time, on purpose (Python source)


@dataclass
class Context:
    models: ModelTable
    estimator: Estimator
    default_model: str | None = None
    platform: str | None = None  # from config; overrides what the payload suggests
    counter: TokenCounter | None = None  # exact counts, only with --count-tokens
    conversation_key: str | None = None  # JSON pointer grouping log lines into conversations


@dataclass(frozen=True, slots=True)
class TextRange:
    """Last element of a payload anchor: code-point offsets inside the decoded string."""

    start: int
    end: int


Selected = Callable[[str], bool]
# A request rule: over one prompt, yielding issues.
RequestCheck = Callable[["Prompt", Context], Iterable[Issue]]
# A session rule: over one step of a conversation (`cachelint.session.turn.Turn`), yielding
# `Cause`s; the session analyzer reports the earliest cause of each step.
SessionCheck = Callable[[Any, Context], Iterable[Any]]


@dataclass(frozen=True, slots=True)
class Registered:
    """A check and the codes it reports."""

    codes: frozenset[str]
    check: Callable[..., Any]
    # the check also applies to a lone marked block whose request is out of sight (Python source)
    lone_block: bool = False
    # the check speaks about marker values: in Python source only about values known there
    marker_values: bool = False


REQUEST_CHECKS: list[Registered] = []
SESSION_CHECKS: list[Registered] = []
# Codes a source reports itself (unparsable input, suppression comments, deprecated APIs), each
# with the function that makes its issue or finding.
SOURCE_RULES: list[Registered] = []


def request_check(
    *codes: str, lone_block: bool = False, marker_values: bool = False
) -> Callable[[RequestCheck], RequestCheck]:
    """Register a request rule reporting `codes`."""

    def register(fn: RequestCheck) -> RequestCheck:
        REQUEST_CHECKS.append(Registered(frozenset(codes), fn, lone_block, marker_values))
        return fn

    return register


def session_check(*codes: str) -> Callable[[SessionCheck], SessionCheck]:
    """Register a session rule whose causes have `codes`."""

    def register(fn: SessionCheck) -> SessionCheck:
        SESSION_CHECKS.append(Registered(frozenset(codes), fn))
        return fn

    return register


F = TypeVar("F", bound=Callable[..., Any])


def source_rule(*codes: str) -> Callable[[F], F]:
    """Register the function that makes the issues (or findings) of `codes`, reported by a
    source itself rather than by a check over a prompt."""

    def register(fn: F) -> F:
        SOURCE_RULES.append(Registered(frozenset(codes), fn))
        return fn

    return register


def _codes(registry: list[Registered], keep: Callable[[Registered], bool] = bool) -> frozenset:
    return frozenset(c for r in registry if keep(r) for c in r.codes)


def registered_codes() -> frozenset[str]:
    """Every code some check or source reports."""
    return _codes(REQUEST_CHECKS) | _codes(SESSION_CHECKS) | _codes(SOURCE_RULES)


def session_codes() -> frozenset[str]:
    return _codes(SESSION_CHECKS)


def lone_block_codes() -> frozenset[str]:
    return _codes(REQUEST_CHECKS, lambda r: r.lone_block)


def marker_value_codes() -> frozenset[str]:
    return _codes(REQUEST_CHECKS, lambda r: r.marker_values)


def run_request_checks(
    prompt: Prompt, ctx: Context, selected: Selected, only: frozenset[str] | None = None
) -> Iterator[Issue]:
    """The selected issues of the request rules on one prompt (of the rules among `only`)."""
    for r in REQUEST_CHECKS:
        if only is not None and not r.codes & only:
            continue
        if any(selected(c) for c in r.codes):
            for issue in r.check(prompt, ctx):
                if selected(issue.code) and (only is None or issue.code in only):
                    yield issue


class RegistryError(Exception):
    """A rule page without a check, or a check reporting a code without a page."""


def verify(page_codes: Iterable[str]) -> None:
    """Every rule page has a check and every registered code a page: a page without a check
    would never run, a code without a page could never be selected."""
    pages, registered = frozenset(page_codes), registered_codes()
    problems = [
        f"rules/{c}-*.md has no check: register one for {c} in a module of cachelint/checks/"
        for c in sorted(pages - registered)
    ] + [
        f"{c} is reported by a check but has no page: add rules/{c}-<name>.md"
        for c in sorted(registered - pages)
    ]
    if problems:
        raise RegistryError("; ".join(problems) + " (see CONTRIBUTING.md)")
