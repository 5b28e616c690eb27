"""Python files -> findings: parse, evaluate the requests the file builds, run the request rules,
add the source-level rules, resolve locations and apply suppression comments."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cachelint.checks.deprecated_caching_api import OLD_BETA, deprecated_api
from cachelint.checks.unparsable_input import unparsable
from cachelint.checks.unused_suppression import unused_suppression
from cachelint.findings import Finding, Span
from cachelint.fix_python.plan import Planner, deprecated_fix
from cachelint.payload import anthropic, converse
from cachelint.payload.markers import is_http_cache_value, looks_like_marker
from cachelint.prompt import Prompt
from cachelint.python import growth, marker_rules, suppression
from cachelint.python.betas import imported_betas
from cachelint.python.calls import RequestSite
from cachelint.python.evaluate import Evaluator
from cachelint.python.project import ModuleInfo, Project, SourceError, decode, parse
from cachelint.python.prompts import known_at, locate, normalise, to_prompt, walk
from cachelint.python.reach import mark_reaching
from cachelint.python.scan import Scan, scan
from cachelint.python.values import MAX_SIZE, TOO_LARGE, LDict, LList, Loc, hole, tree_size
from cachelint.resolve_issues import finding
from cachelint.rule_api import (
    Context,
    Issue,
    lone_block_codes,
    marker_value_codes,
    run_request_checks,
)

Selected = Callable[[str], bool]
# What a marker-carrying dict must be to get the block rules out of sight of its request: a
# content block of a known type, or a tool (an input schema, or a server tool's versioned type).
# Other dicts with a cache_control key (routes, CDN rules, storage metadata) are not prompts.
_BLOCK_TYPES = frozenset(
    {
        "text",
        "image",
        "document",
        "search_result",
        "tool_use",
        "tool_result",
        "thinking",
        "redacted_thinking",
        "server_tool_use",
        "web_search_tool_result",
        "web_fetch_tool_result",
        "code_execution_tool_result",
        "bash_code_execution_tool_result",
        "text_editor_code_execution_tool_result",
        "mcp_tool_use",
        "mcp_tool_result",
        "container_upload",
        "image_url",
        "input_audio",
        "file",
    }
)
_TOOL_TYPE = re.compile(r"[a-z_]+_\d{8}$|mcp_toolset$")


def lint_python(
    data: bytes,
    display: str,
    path: Path | None,
    ctx: Context,
    selected: Selected,
    project: Project,
    volatile_names: list[str] | None = None,
    timeout: float | None = None,
) -> list[Finding]:
    """Findings for one Python file. Code too deep for Python's recursion limit, or whose
    evaluation outlasts `timeout` seconds, gets a CL000 saying the analysis stopped (and
    `project.stopped` says why: such a result is not worth caching). A bug met while
    evaluating it gets a CL000 too, and `project.error` says what it was."""
    project.stopped = project.error = None
    try:
        text = decode(data)
        tree = parse(text)
    except SourceError as e:
        if not selected("CL000"):
            return []
        span = Span(e.line, e.column, e.line, e.column + 1)
        lines = data.decode("utf-8", errors="replace").splitlines()
        snippet = lines[e.line - 1] if 0 < e.line <= len(lines) else None
        return [unparsable(display, e.message, span, snippet)]
    module = project.module_for(text, tree, path, display)
    sup = suppression.Suppressions()
    try:
        issues = list(_issues(module, ctx, selected, project, volatile_names or [], timeout))
        if issues or selected(suppression.UNUSED):  # tokenised only when the comments matter
            sup = suppression.parse(module.text)
        found = _findings(issues, module, display, sup) if issues else []
    except RecursionError:
        project.stopped = _TOO_DEEP
        found = []
    if selected(suppression.UNUSED) and not project.stopped:  # a stop leaves findings unknown
        found += _unused(sup, selected, module, display)
    if project.stopped and selected("CL000"):
        found.append(
            unparsable(
                display,
                f"analysis stopped: {project.stopped}; findings for this file may be incomplete",
            )
        )
    if project.error and selected("CL000"):
        found.append(
            unparsable(
                display,
                f"internal error while evaluating this file ({project.error}); findings for "
                f"this file may be incomplete; please report it",
            )
        )
    return found


_TOO_DEEP = "the code is nested too deeply for Python's recursion limit"


def _issues(
    module: ModuleInfo,
    ctx: Context,
    selected: Selected,
    project: Project,
    volatile_names: list[str],
    timeout: float | None = None,
) -> Iterator[tuple[Issue, Callable[[Any], Loc]]]:
    found = scan(module.tree)
    for node, what in found.deprecated:
        if selected("CL501"):
            yield _deprecated(node, what), lambda a: a
    if found.beta_outside and selected("CL501"):
        for node, where in imported_betas(found.beta_outside, module, project):
            issue = _deprecated(node, f"the {OLD_BETA} beta")
            issue.message += f" ({where})"
            yield issue, lambda a: a
    reaches = mark_reaching(found, module, project)
    hooks = any(f.relevant for f in found.functions)  # e.g. agent middleware (frameworks.py)
    if not found.calls and not found.has_markers and not reaches and not hooks:
        return
    ev = evaluate(module, found, project, volatile_names, timeout)
    if ev.timed_out:
        project.stopped = f"evaluation took longer than {timeout:g} s (python-timeout)"
    consumed: set[int] = set()
    for site in ev.requests:
        if not _here(site.call, module):
            continue
        _shrink(site.request)
        try:  # a failure on one request loses only that request's findings
            yield from _site_issues(site, ev.removes_markers, consumed, ctx, selected)
            if selected("CL301"):
                for issue in growth.issues(site):
                    yield issue, lambda a: a
        except RecursionError:
            project.stopped = _TOO_DEEP
        except Exception as e:
            ev.recover(e)
    yield from _standalone(ev.marker_dicts, consumed, module, ctx, selected)
    yield from _marker_values(ev, consumed, module, ctx, selected)
    if selected("CL105"):
        for loc in _unique(ev.lost_markers):
            if _here(loc, module):
                yield _lost_marker(loc), lambda a: a
    if selected("CL104") or selected("CL105"):
        try:
            for issue in marker_rules.issues(ev, consumed, lambda loc: _here(loc, module)):
                if selected(issue.code):
                    yield issue, lambda a: a
        except RecursionError:
            project.stopped = _TOO_DEEP
        except Exception as e:
            ev.recover(e)
    if ev.out_of_memory:
        project.stopped = "cachelint ran out of memory evaluating it"
    if ev.errors:
        project.error = ev.errors[0]


def _shrink(req: LDict) -> None:
    """A request bigger than MAX_SIZE (its parts grew after they were put into it, so they
    were not measured as they grew) has its biggest parameters made unknown until it fits."""
    if tree_size(req) <= MAX_SIZE:
        return
    by_size = sorted(req, key=lambda k: tree_size(req[k]), reverse=True)
    for key in by_size:
        req[key] = hole("unknown", TOO_LARGE)
        if tree_size(req) <= MAX_SIZE:
            return


def _site_issues(
    site: RequestSite, removes_markers: bool, consumed: set[int], ctx: Context, selected: Selected
) -> list[tuple[Issue, Callable[[Any], Loc]]]:
    """The request rules' issues for one evaluated request; `consumed` gets its markers."""
    prompt = to_prompt(site, removes_markers)
    consumed.update(id(m.value) for m in prompt.markers)
    if prompt.automatic is not None:
        consumed.add(id(prompt.automatic.value))
    for m in prompt.markers:
        steps = list(walk(site.request, m.anchor))
        if steps:
            consumed.add(id(steps[-1][0]))
    root, call = site.request, site.call

    def resolve(anchor: Any) -> Loc:
        return locate(root, anchor, call)

    return [
        (issue, resolve)
        for issue in run_request_checks(prompt, ctx, selected)
        if _about_known_values(issue, root)
    ]


def _strange_field(issue: Issue) -> bool:
    """An extra marker field that misspells no known one, in a dict whose request is out of
    sight: test data for code that strips it (a sanitiser) as often as a defect."""
    return issue.code == "CL103" and issue.message.startswith("unknown ") and issue.fix is None


def _about_known_values(issue: Issue, root: Any) -> bool:
    """Marker value rules speak only about values that are known (not `ttl=ttl_setting`)."""
    if issue.code not in marker_value_codes() or issue.run_time:
        return True
    return known_at(root, issue.anchor) and all(known_at(root, a) for _, a in issue.notes)


def evaluate(
    module: ModuleInfo,
    found: Scan,
    project: Project,
    volatile_names: list[str],
    timeout: float | None = None,
) -> Evaluator:
    """Run the module, then its entry points, then whatever builds requests and was not
    reached: functions only called from elsewhere, nested callbacks and thread targets."""
    ev = Evaluator(project, volatile_names, timeout=timeout)
    _safely(ev, ev.run_module, module)
    entries = found.entries()
    for fn in entries:
        _safely(ev, ev.run_function, module, fn.node, fn.cls)
    for fn in found.functions:
        if fn.relevant and fn.node not in ev.ran:
            _safely(ev, ev.run_function, module, fn.node, fn.cls)
    for fn in found.marking():
        if fn not in entries:
            # its summary: where it places markers for any input it could be given, not only
            # for what its callers here pass (placements.py)
            _safely(ev, ev.run_function, module, fn.node, fn.cls)
    for call, inner in found.nested.items():
        if call not in ev.seen_calls:
            _safely(ev, ev.run_nested, inner)
    return ev


def _safely(ev: Evaluator, run: Callable[..., None], *args: Any) -> None:
    """Evaluate one scope. A failure outside any expression loses what the scope had still to
    build; the requests it built are kept (see Evaluator.recover)."""
    try:
        run(*args)
    except RecursionError:
        pass
    except Exception as e:
        ev.recover(e)


def _here(loc: Loc | None, module: ModuleInfo) -> bool:
    while loc is not None:
        if loc.module is module:
            return True
        loc = loc.via
    return False


def _unique(locs: list[Loc]) -> list[Loc]:
    seen: set[int] = set()
    out = []
    for loc in locs:
        if id(loc.node) not in seen:
            seen.add(id(loc.node))
            out.append(loc)
    return out


def _standalone(
    dicts: list[LDict], consumed: set[int], module: ModuleInfo, ctx: Context, selected: Selected
) -> Iterator[tuple[Issue, Callable[[Any], Loc]]]:
    """Block-level rules on marker-carrying dicts whose request is out of sight."""
    lone_block = lone_block_codes()
    if not any(selected(c) for c in lone_block):
        return
    seen_nodes: set[int] = set()
    for d in dicts:
        if id(d) in consumed or d.loc is None or not _here(d.loc, module):
            continue
        key = next((k for k in d if isinstance(k, str) and looks_like_marker(k)), None)
        key = (
            "cachePoint" if "cachePoint" in d else "cache_control" if "cache_control" in d else key
        )
        mloc = d.locs.get(key)
        if mloc is None or id(mloc.node) in seen_nodes or is_http_cache_value(d.get(key)):
            continue
        seen_nodes.add(id(mloc.node))
        prompt, root = _mini_prompt(d)
        if prompt is None:
            continue
        consumed.update(id(m.value) for m in prompt.markers)

        def resolve(anchor: Any, root=root, d=d) -> Loc:
            return locate(root, anchor, d.loc)

        for issue in run_request_checks(prompt, ctx, selected, lone_block):
            if _about_known_values(issue, root) and not _strange_field(issue):
                yield issue, resolve


def _marker_values(
    ev: Evaluator, consumed: set[int], module: ModuleInfo, ctx: Context, selected: Selected
) -> Iterator[tuple[Issue, Callable[[Any], Loc]]]:
    """CL103 on dicts such as CACHE = {"type": "ephemeral", "ttl": "24h"} used out of sight."""
    if not selected("CL103"):
        return
    seen: set[int] = set()
    for v in ev.marker_values:
        if id(v) in consumed or v.loc is None or not _here(v.loc, module) or id(v.loc.node) in seen:
            continue
        if "type" not in v or (v["type"] != "ephemeral" and not isinstance(v.get("ttl"), str)):
            continue  # {"ttl": "5m"}, {"ttl": 3600}: settings of some kind, not a marker value
        seen.add(id(v.loc.node))
        if v["type"] == "default":  # the body of a Converse cachePoint
            block = LDict([("cachePoint", v, v.loc)])
        else:
            block = LDict(
                [("type", "text", None), ("text", "x", None), ("cache_control", v, v.loc)]
            )
        prompt, root = _mini_prompt(block)
        if prompt is None:
            continue

        def resolve(anchor: Any, root=root, v=v) -> Loc:
            return locate(root, anchor, v.loc)

        for issue in run_request_checks(prompt, ctx, selected, frozenset({"CL103"})):
            if _about_known_values(issue, root):
                yield issue, resolve


def _mini_prompt(d: LDict) -> tuple[Prompt | None, LDict]:
    """A one-block request around a marker-carrying dict, by what the dict looks like."""
    if tree_size(d) > MAX_SIZE:
        return None, d
    normalise(d)
    if "cachePoint" in d:
        if len(d) != 1:
            return None, d
        content = LList([{"text": "x"}, d])
        root = LDict([("system", content, None)])
        return converse.to_prompt(root, (), None), root
    if "role" in d or "messages" in d or "model" in d:
        return None, d  # a message or a request: its dialect and route are unknown
    kind = d.get("type")
    if (
        "input_schema" in d
        or kind == "custom"
        or (isinstance(kind, str) and _TOOL_TYPE.match(kind))
    ):
        root = LDict([("tools", LList([d]), None)])
    elif isinstance(kind, str) and kind in _BLOCK_TYPES:
        msg = LDict([("role", "user", None), ("content", LList([d]), None)])
        root = LDict([("messages", LList([msg]), None)])
    else:
        return None, d
    prompt = anthropic.to_prompt(root, (), None)
    prompt.rendered = False
    return prompt, root


def _deprecated(node: ast.AST, what: str) -> Issue:
    issue = deprecated_api(Loc(None, node), what)
    issue.fix = deprecated_fix(node, what)
    return issue


def _lost_marker(loc: Loc) -> Issue:
    return Issue(
        "CL105",
        loc,
        "a cache marker is set on every pass of this loop: with more than 4 items the request "
        "carries more than 4 breakpoints and the API rejects it",
    )


def _findings(
    issues: list[tuple[Issue, Callable[[Any], Loc]]],
    module: ModuleInfo,
    display: str,
    sup: suppression.Suppressions,
) -> list[Finding]:
    resolved: list[tuple[Issue, Loc, list[tuple[str, Loc]], Callable[[Any], Loc]]] = []
    planner = Planner(module)
    for issue, resolve in issues:
        origin = resolve(issue.anchor)
        loc = _in_module(origin, module)
        if loc is not origin and origin.module is not None and origin.module.path is not None:
            issue.message += f" (built in {_where(origin)})"
        notes = []
        for msg, a in issue.notes:
            at = resolve(a)
            near = _in_module(at, module)
            if near is not at and at.module is not None and at.module.path is not None:
                msg += f" (in {_where(at)})"  # the breakpoint an adapter places, say
            notes.append((msg, near))
        if issue.fix is not None and loc is not origin:
            issue.fix = None  # made elsewhere: the literals to edit are not in this file
        resolved.append((issue, loc, notes, resolve))
    positions = module.positions
    out: list[Finding] = []
    seen: set[tuple] = set()
    for issue, loc, notes, resolve in resolved:
        span = _span(loc, module)
        if sup.suppressed(issue.code, [span.line, *(_span(nl, module).line for _, nl in notes)]):
            continue
        # markers that pile up at one place are one finding, however many ways it was seen
        key = (issue.code, span, "" if issue.code == "CL105" else issue.message)
        if key in seen:
            continue
        seen.add(key)
        note_spans = {id(nl.node): _span(nl, module) for _, nl in notes}
        issue.notes = [(m, nl) for m, nl in notes if note_spans[id(nl.node)] != span]
        issue.anchor = loc

        def resolve_span(anchor: Any) -> tuple[Span, str | None, int]:
            s = _span(anchor, module)
            return s, positions.line_text(s.line), 1

        f = finding(issue, display, resolve_span)
        if issue.fix is not None:
            f.fix = planner.fix(issue.fix, resolve)
        out.append(f)
    return out


def _unused(
    sup: suppression.Suppressions, selected: Selected, module: ModuleInfo, display: str
) -> list[Finding]:
    """CL001 for the suppression comments that suppressed nothing."""

    def resolve(span: Span) -> tuple[Span, str | None, int]:
        return span, module.positions.line_text(span.line), 1

    return [
        finding(unused_suppression(u.line, u.column, u.end_column, u.message), display, resolve)
        for u in sup.unused(selected)
    ]


def _where(loc: Loc) -> str:
    """file:line of a location in another module."""
    return f"{loc.module.display}:{loc.module.positions.span(loc.node).line}"


def _in_module(loc: Loc, module: ModuleInfo) -> Loc:
    """The location in the checked module: a node there, or the call site that led elsewhere."""
    if loc.module is None or loc.module is module:
        return loc
    cur = loc.via
    while cur is not None:
        if cur.module is module:
            return cur
        cur = cur.via
    return Loc(module, module.tree)


def _span(loc: Loc, module: ModuleInfo) -> Span:
    if loc.node is module.tree:
        return Span(1, 1, 1, 2)
    return module.positions.span(loc.node)
