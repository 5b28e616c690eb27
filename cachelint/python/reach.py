"""Which functions of a module lead to a request or a marker through other project modules.

A prompt module, an agent class and a provider adapter often live apart: the agent calls
`self.adapter.send(self.system, ...)` and only the adapter's module sends the request or places
the marker. The scan of one module sees only its own calls; this summary adds the functions that
call a reaching function, method or class of an imported project module (followed over a few
hops, each module summarised once per run), so that they are evaluated as entry points and the
values they pass are followed into the other module.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from cachelint.python.scan import Scan, scan

if TYPE_CHECKING:
    from cachelint.python.project import ModuleInfo, Project

MAX_HOPS = 3  # imports followed from the checked module towards a request


def mark_reaching(found: Scan, module: ModuleInfo, project: Project) -> bool:
    """Mark the functions of `found` (the checked module's scan) that call, through imported
    project modules, something that sends a request or places a marker. True if any does."""
    names = _imported_reaching(module, project, MAX_HOPS)
    hit = False
    for f in found.functions:
        if not f.relevant and f.calls & names:
            f.relevant = hit = True
    return hit


def _imported_reaching(module: ModuleInfo, project: Project, hops: int) -> set[str]:
    """The names by which `module` calls reaching things of the project modules it imports:
    the imported names themselves, and the reaching methods of imported classes and modules."""
    out: set[str] = set()
    if hops <= 0:
        return out
    for local, target in module.imports.items():
        found = project.resolve(target, module)
        if found is None or found[0] is module:
            continue
        other, rest = found
        reaching = _reaching(other, project, hops - 1)
        if not reaching:
            continue
        head = rest.split(".")[0] if rest else ""
        if not head:  # the module itself: `adapters.send(...)`
            out |= reaching
        elif head in reaching:
            out.add(local)
            cls = other.classes.get(head)
            if cls is not None:
                out |= _methods(cls) & reaching
    return out


def _reaching(module: ModuleInfo, project: Project, hops: int) -> set[str]:
    """Names of the module's functions, classes and methods that send a request or place a
    marker, themselves, through a function of the module or through an imported module
    (within `hops` imports). A function of (module, hops) alone, whatever was asked before:
    each step spends a hop, so import cycles end, and the shared scan is never changed; a
    file's findings do not depend on which files the run checked first."""
    memo = project.reaching
    key = (module.path, hops)
    if key in memo:
        return memo[key]
    found = project.scans.get(module.path)
    if found is None:
        found = project.scans[module.path] = scan(module.tree)
    names = _imported_reaching(module, project, hops)
    out: set[str] = set()
    entries = {id(f) for f in found.marking()} | {id(f) for f in found.entries()}
    calling = {id(f) for f in found.functions if f.relevant or f.calls & names}
    relevant = found._with_callers(calling)
    for f in found.functions:
        if id(f) in relevant or id(f) in entries:
            out.add(f.node.name)
            if f.cls is not None:
                out.add(f.cls.name)
    memo[key] = out
    return out


def _methods(cls: ast.ClassDef) -> set[str]:
    return {s.name for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
