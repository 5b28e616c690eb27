"""Statements and control flow: assignment, item assignment, if, for, while, try, with.

Branches both run when their condition is unknown, and their bindings are merged; a loop
body runs once per element of a small known list, otherwise once with the loop recorded as
active, so values added on each pass are marked as repeated."""

from __future__ import annotations

import ast
from typing import Any

from cachelint.prompt import Hole
from cachelint.python import growth, guards, strings
from cachelint.python.evaluator_api import EvaluatorAPI
from cachelint.python.frames import ONCE, Flow, Frame, Loop
from cachelint.python.guards import tests_cache_flag
from cachelint.python.inputs import (
    Each,
    Once,
    Root,
    Sym,
    bind_pattern,
    bounded_slice,
    clears,
    each_of,
    loops_of,
    part_of,
    same_part,
    whole_input,
)
from cachelint.python.inputs import key as input_key
from cachelint.python.objects import as_annotated_set
from cachelint.python.operations import (
    Earlier,
    Enumerated,
    entered,
    mark_repeated,
    merge,
    truth,
    unpacked_hole,
    unrepeat,
    unwrap_enumerated,
)
from cachelint.python.placements import Placement, content_owner, marked_blocks
from cachelint.python.syntax import (
    bound_names,
    index_names,
    small_iterable,
)
from cachelint.python.tree import (
    descendants,
    grown_attributes,
    loop_body_facts,
    names_in,
    rebound_in,
)
from cachelint.python.values import (
    Instance,
    LDict,
    LList,
    Loc,
    Ref,
    SetVal,
    Text,
    hole,
    is_known,
    is_marker_key,
)

MAX_UNROLL = 16


class Statements(EvaluatorAPI):
    """Statements and control flow: assignment, item assignment, if, for, while, try, with."""

    # ---- statements -----------------------------------------------------------------------

    def exec_block(self, stmts, frame: Frame) -> None:
        checked, false = len(frame.checked), len(frame.false_keys)
        try:
            for stmt in stmts:
                if self.budget <= 0:
                    return
                self.exec_stmt(stmt, frame)
        finally:
            del frame.checked[checked:]  # `if not x: return` speaks for the rest of its block
            del frame.false_keys[false:]

    def exec_stmt(self, stmt: ast.stmt, frame: Frame) -> None:
        self.tick()
        match stmt:
            case ast.Expr():
                self.eval(stmt.value, frame)
            case ast.Assign():
                value = self.eval(stmt.value, frame)
                for target in stmt.targets:
                    self.assign(target, value, frame, stmt)
            case ast.AnnAssign():
                if stmt.value is not None:
                    value = self.eval(stmt.value, frame)
                    value = as_annotated_set(value, stmt.annotation, frame.loc(stmt.value))
                    self.assign(stmt.target, value, frame, stmt)
            case ast.AugAssign():
                self.exec_augassign(stmt, frame)
            case ast.Return():
                frame.returns.append(self.eval(stmt.value, frame) if stmt.value else None)
                raise Flow("return")
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                ref = Ref("function", stmt.name, frame.module, stmt, closure=frame)
                frame.env[stmt.name] = ref
                self.nested_defs.setdefault(stmt, ref)
            case ast.ClassDef():
                frame.env[stmt.name] = Ref("class", stmt.name, frame.module, stmt)
            case ast.If():
                self.exec_if(stmt, frame)
            case ast.For() | ast.AsyncFor():
                self.exec_for(stmt, frame)
            case ast.While():
                self.exec_while(stmt, frame)
            case ast.With() | ast.AsyncWith():
                for item in stmt.items:
                    value = self.eval(item.context_expr, frame)
                    if item.optional_vars is not None:
                        self.assign(item.optional_vars, entered(value), frame, item.context_expr)
                self.exec_block(stmt.body, frame)
            case ast.Try() | ast.TryStar():
                self._exec_try(stmt, frame)
            case ast.Match():
                subject = self.eval(stmt.subject, frame)
                for case in stmt.cases:
                    bind_pattern(case.pattern, subject, frame.env)
                    self._branch(case.body, frame)
            case ast.Raise():
                raise Flow("raise")
            case ast.Break():
                raise Flow("break")
            case ast.Continue():
                raise Flow("continue")
            case ast.Import() | ast.ImportFrom():
                from cachelint.python.project import import_names

                for local, dotted in import_names(stmt, frame.module.package()).items():
                    frame.env[local] = Ref("lazy", dotted, frame.module)  # resolved when used
            case ast.Global():
                frame.globals_names.update(stmt.names)
            case ast.Delete():
                for target in stmt.targets:
                    self.exec_del(target, frame)

    def _exec_try(self, stmt: ast.Try | ast.TryStar, frame: Frame) -> None:
        try:
            self.exec_block(stmt.body, frame)
        except Flow as f:
            if f.kind != "raise":
                raise
        for h in stmt.handlers:
            self._branch(h.body, frame)
        self.exec_block(stmt.orelse, frame)
        self.exec_block(stmt.finalbody, frame)

    def _branch(self, stmts, frame: Frame) -> bool:
        """Run a branch that may not be taken; True when it always leaves the block (return,
        raise, or break/continue: the code after it still runs on the other path)."""
        saved = dict(frame.env)
        try:
            self.exec_block(stmts, frame)
        except Flow:
            frame.env.clear()
            frame.env.update(saved)
            return True
        return False

    def exec_del(self, target: ast.expr, frame: Frame) -> None:
        if isinstance(target, ast.Subscript) and not isinstance(target.slice, ast.Slice):
            obj = self.eval(target.value, frame)
            key = self.eval(target.slice, frame)
            if is_marker_key(key):
                self.removes_markers = True
                clears(obj)
            if isinstance(obj, LDict) and is_known(key):
                obj.drop(key)
        elif isinstance(target, ast.Tuple):
            for el in target.elts:
                self.exec_del(el, frame)

    def exec_augassign(self, node: ast.AugAssign, frame: Frame) -> None:
        current = self.eval(node.target, frame)
        value = self.eval(node.value, frame)
        if type(node.op) is ast.Add and isinstance(current, LList):
            self.extend(current, value, frame, node.value)
            return
        if type(node.op) is ast.BitOr and isinstance(current, LDict):
            self.merge_into(current, value, frame, node.value)
            return
        result = self.binop(node.op, current, value, frame, node)
        if isinstance(result, str):
            loop = next((lp for lp in frame.loops if lp.unordered is not None), None)
            if loop is not None:
                result = Text([result, loop.unordered])
        self.assign(node.target, result, frame, node)

    def assign(self, target: ast.expr, value: Any, frame: Frame, node) -> None:
        match target:
            case ast.Name():
                name = target.id
                if name in frame.globals_names:
                    self._module_envs.setdefault(id(frame.module), {})[name] = value
                else:
                    frame.env[name] = value
            case ast.Tuple() | ast.List():
                elems = target.elts
                starred = any(type(e) is ast.Starred for e in elems)
                if isinstance(value, tuple | list) and len(value) == len(elems) and not starred:
                    for e, v in zip(elems, value, strict=True):
                        self.assign(e, v, frame, node)
                else:
                    for e in elems:
                        inner = e.value if type(e) is ast.Starred else e
                        self.assign(inner, unpacked_hole(value, frame.loc(e)), frame, node)
            case ast.Attribute():
                obj = self.eval(target.value, frame)
                if isinstance(obj, Instance):
                    if isinstance(value, LList):
                        value.persistent = value.persistent or f"self.{target.attr}"
                        if not frame.once:  # set on this call: no items of earlier calls in it
                            value.opened = True  # type: ignore[attr-defined]
                        self._rebuilt(target, value, node, frame)
                        self._carried_on(value, obj.attrs.get(target.attr), frame)
                    obj.attrs[target.attr] = value
                elif isinstance(obj, Sym | Earlier):
                    self.grows_kept(target, obj, "." + target.attr, node, frame)
            case ast.Subscript():
                obj = self.eval(target.value, frame)
                if type(target.slice) is ast.Slice:
                    return
                key = self.eval(target.slice, frame)
                if isinstance(obj, Sym | Earlier) and is_known(key):
                    self.grows_kept(target, obj, key, node, frame)
                self.set_item(obj, key, value, frame, node, target)
            case ast.Starred():
                self.assign(target.value, LList([hole("unknown", "unpacked items")]), frame, node)

    def set_item(self, obj: Any, key: Any, value: Any, frame: Frame, node, target=None) -> None:
        loc = frame.loc(node)
        if isinstance(obj, LDict) and is_known(key):
            marker = is_marker_key(key)
            again = self.repeats(obj) and not self._same_each_pass(obj, target, frame)
            if marker and again:
                again = self.multiplying(frame, obj.depth) is not None
            elif marker:
                # added to a list earlier in this pass, or the item a loop of this function
                # is at (`for block in blocks: block["cache_control"] = ...`)
                again = (
                    obj.rep_loop is not None
                    and obj.rep_loop in frame.loops
                    and self.multiplying(frame) is obj.rep_loop
                ) or (target is not None and self._marks_each_item(target, frame))
            obj.put(key, value, loc, in_loop=again)
            if marker and obj.kept:  # on what this call appended to a history kept across calls
                obj.turn_keys.add(key)
            if marker:
                self.marker_dicts.append(obj)
                obj.marked_unless = frozenset(frame.false_keys)
                self.bound_marker(obj, key, value, frame)
                if obj.text_from is not None and any(
                    same_part(obj.text_from, c) for c in frame.checked
                ):
                    obj.text_from = None  # marked under `if block.get("text"):`
            if isinstance(obj.open, Sym) and is_known(key):
                self.write_input(obj.open, key, value, loc, frame, copied=True)
        elif isinstance(obj, LList) and isinstance(key, int) and -len(obj) <= key < len(obj):
            replaced = obj[key]
            obj.set(key, value, loc)
            if replaced is not value:  # out of the list: its markers no longer pile up in it
                unrepeat(replaced, id(obj))
        elif isinstance(obj, LDict) and not isinstance(obj.open, Sym):  # a key known at run time
            obj.open = obj.open or hole("unknown", "entries put under keys known at run time", loc)
        elif isinstance(obj, Sym):
            self.write_input(obj, key, value, loc, frame)
        elif is_marker_key(key) and target is not None and self._marks_each_item(target, frame):
            self.lost_markers.append(loc)

    def grows_kept(self, target: ast.expr, obj: Any, step: Any, node, frame: Frame) -> None:
        """Note a write that adds to a part of state kept across calls (growth.py)."""
        if frame.once:
            return
        part = growth.kept_part(obj, step)
        if part is None:
            return
        if type(node) is ast.AugAssign:
            found = (ast.unparse(node.value), False) if type(node.op) is ast.Add else None
        else:
            value = getattr(node, "value", None)
            found = growth.added_to(target, value) if isinstance(value, ast.expr) else None
        if found is None or growth.guarded(target, frame.tests, growth.flags(frame.module.tree)):
            return
        written = ast.unparse(target)
        self.growths.append(
            growth.Growth(frame.loc(node), part, written, *found, run=self.run_serial)
        )

    def write_input(
        self, obj: Sym, key: Any, value: Any, loc: Loc, frame: Frame, copied: bool = False
    ) -> None:
        """obj[key] = value on (a copy of) a part of an input: later reads see the value, and a
        marker written there, or a marked block put there, is a placement."""
        if obj.root is not None and is_known(key):
            obj.root.writes.setdefault(input_key(obj.path), {})[key] = value
        if is_marker_key(key):
            self.place(obj.step(key), "key", value, loc, frame)
            return
        for block in marked_blocks(value):
            mkey = "cachePoint" if "cachePoint" in block else "cache_control"
            self.place(obj.step(key), "block", block, block.locs.get(mkey) or loc, frame)

    def _rebuilt(self, target: ast.Attribute, value: LList, node, frame: Frame) -> None:
        """`self.history = mark(self.history + [msg])`: history kept on the object is rebuilt
        from itself by code that marks the items it adds on each pass: the markers earlier
        calls left stay in it (a `Placement` "rebuilt", decided in marker_rules)."""
        call = getattr(node, "value", None)
        if not isinstance(call, ast.Call) or target.attr not in grown_attributes(frame.module.tree):
            return
        mentions = {
            n.attr
            for n in descendants(call)
            if type(n) is ast.Attribute and type(n.value) is ast.Name and n.value.id == "self"
        }
        if target.attr not in mentions:
            return
        marked = [b for i in value.repeated for b in marked_blocks(value[i])]
        if marked:
            history = Sym("unknown", f"self.{target.attr}", frame.loc(target))
            history.root = Root(f"self.{target.attr}", frame.loc(target), f"self.{target.attr}")
            block = marked[0]
            self.placements.append(
                Placement(frame.loc(node), history, "rebuilt", block, None, None)
            )

    def _carried_on(self, value: LList, old: Any, frame: Frame) -> None:
        """`hist = self.history.copy(); hist.append(msg); self.history = hist`: the copy, new on
        each pass, carries the history on. What was added to it since is added to the history on
        each pass of the loops around the copy, as if appended to the history itself."""
        if value.copied_from is None or value.copied_from[0] is not old:
            return
        start, depth = value.copied_from[1], value.depth
        value.depth = old.depth
        loops = [lp for lp in frame.loops[old.depth : depth] if not lp.bounded()]
        if not loops:
            return
        for i in range(start, len(value)):
            mark_repeated(value[i], id(value), loops[-1], markers=not loops[-1].flagged)
            value.repeated.add(i)

    def place(self, target: Sym, how: str, value: Any, loc: Loc, frame: Frame) -> None:
        each = self.multiplying(frame, of=target)
        self.placements.append(Placement(loc, target, how, value, each))

    def cache_point_appended(self, receiver: ast.expr, lst: Any, point: LDict, frame: Frame):
        """A cachePoint appended to a list (`messages[i]["content"].append(...)`): it marks the
        list's last item; for a message's content, the role of that message says what that
        item can be."""
        owner = content_owner(receiver)
        msg = self.eval(owner, frame) if owner is not None and _plain(owner) else None
        role = None
        if isinstance(msg, LDict):
            role = msg.get("role")
        elif isinstance(msg, Sym):
            role = part_of(msg, "role")
        target = lst.base if isinstance(lst, LList) else lst  # a list that extends an input
        target = target if isinstance(target, Sym) else None
        each = self.multiplying(frame, of=target) if target is not None else None
        loc = point.locs.get("cachePoint") or frame.loc(receiver)
        self.placements.append(Placement(loc, target, "append", point, each, role))

    def _same_each_pass(self, obj: LDict, target: ast.Subscript | None, frame: Frame) -> bool:
        """`system["cache_control"] = ...` in an agent loop sets one key of one dict again and
        again: the target is a name (or `self.system`) that the loops of this function do not
        rebind (`last = m["content"][-1]` does; `messages[-1]` may be another item each pass)."""
        if target is None:
            return False
        loops = [
            (i, loop) for i, loop in enumerate(frame.loops) if i >= obj.depth and not loop.bounded()
        ]
        if any(i < frame.inherited for i, _ in loops):
            return False  # a caller's loop: what the caller passes on each pass is out of sight
        names: set[str] = set()
        node = target.value
        while isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return False
        names.add(node.id)
        return not any(names & rebound_in(loop.node) for _, loop in loops)

    def _marks_each_item(self, target: ast.Subscript, frame: Frame) -> bool:
        """`item[...]["cache_control"] = ...` in an unbounded loop of this function over items."""
        root = target.value
        while isinstance(root, ast.Subscript | ast.Attribute | ast.Call):
            root = root.func if isinstance(root, ast.Call) else root.value
        if not isinstance(root, ast.Name):
            return False
        return any(
            not loop.bounded() and not loop.flagged and root.id in loop.targets
            for loop in frame.loops[frame.inherited :]
        )

    # ---- control flow ---------------------------------------------------------------------

    def exec_if(self, stmt: ast.If, frame: Frame) -> None:
        frame.tests.append(stmt.test)
        try:
            self._exec_if(stmt, frame)
        finally:
            frame.tests.pop()

    def _exec_if(self, stmt: ast.If, frame: Frame) -> None:
        known = self.condition(stmt.test, frame)
        if known is True:
            self._guarded(stmt.test, frame, lambda: self.exec_block(stmt.body, frame))
            return
        if known is False:
            self.exec_block(stmt.orelse, frame)
            return
        before = dict(frame.env)
        n, nf = len(frame.checked), len(frame.false_keys)
        frame.checked.extend(self.non_empty(stmt.test, True, frame))
        frame.false_keys.extend(guards.false_keys(stmt.test, True))
        self._guarded(stmt.test, frame, lambda: self._branch(stmt.body, frame))
        del frame.checked[n:]
        del frame.false_keys[nf:]
        body_env = dict(frame.env)
        body_left = self._left
        frame.env.clear()
        frame.env.update(before)
        else_left = False
        frame.checked.extend(self.non_empty(stmt.test, False, frame))
        frame.false_keys.extend(guards.false_keys(stmt.test, False))
        if len(stmt.orelse) == 1 and type(stmt.orelse[0]) is ast.If:  # elif
            self.exec_if(stmt.orelse[0], frame)
        elif stmt.orelse:
            else_left = self._branch(stmt.orelse, frame)
        if not body_left:
            del frame.checked[n:]  # else the test failed for the rest of the block
            del frame.false_keys[nf:]
        else_env = dict(frame.env)
        if body_left and else_left:
            raise Flow("return")
        merged = else_env if body_left else body_env if else_left else merge(body_env, else_env)
        frame.env.clear()
        frame.env.update(merged)

    _left = False

    def condition(self, test: ast.expr, frame: Frame) -> bool | None:
        """A condition's value, when it is known from locals and literals alone. Attributes
        (`self.enabled`) and calls are never trusted: other code may change them."""
        if type(test) is ast.BoolOp:
            once = False
            known = []
            for v in test.values:
                self._once = False
                known.append(self.condition(v, frame))
                once = once or self._once
            self._once = once and type(test.op) is ast.And
            if type(test.op) is ast.And:
                if False in known:
                    return False
                return True if all(known) else None
            if True in known:
                return True
            return False if all(k is False for k in known) else None
        if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
            inner = self.condition(test.operand, frame)
            self._once = False
            return None if inner is None else not inner
        value = self.eval(test, frame)
        self._once = isinstance(value, Once)
        self.saw_test(test, value, frame)
        _, attrs, calls, _ = names_in(test)
        if attrs or calls:
            return None
        return truth(value)

    def saw_test(self, test: ast.expr, value: Any, frame: Frame) -> None:
        """A condition evaluated on a pass of a loop that reads a cache flag of the loop's own
        item (`part.type == "cache_control"`, `if msg.cache:`): that loop places the markers
        its input asks for, not one per item (see Loop.flagged)."""
        if not frame.loops or not tests_cache_flag(test):
            return
        of = loops_of(value)
        names: set[str] | None = None
        for i, loop in enumerate(frame.loops):
            if any(lp is loop for lp in of):
                loop.flagged = True
            elif i >= frame.inherited:
                if names is None:
                    found, attrs, _, _ = names_in(test)
                    names = found | attrs
                if names & (loop.targets | rebound_in(loop.node)):
                    loop.flagged = True

    def non_empty(self, test: ast.expr, holds: bool, frame: Frame) -> list[Any]:
        """The values a condition shows are not empty where it is `holds` (names and parts
        of inputs; nothing is evaluated that could have an effect)."""
        out = []
        for e in guards.non_empty(test, holds):
            if type(e) is ast.Name:
                out.append(self.lookup_name(e.id, frame, e))
            elif _plain(e):
                saved = self.budget
                out.append(self.eval(e, frame))
                self.budget = min(self.budget, saved)
        return out

    def multiplying(self, frame: Frame, depth: int = 0, of: Any = None) -> Loop | None:
        """The loop on each pass of which a marker placed now is one more: the innermost
        active loop (from `depth` on; with `of`, one whose item it is placed on) that is not
        bounded and does not test a cache flag of its own item."""
        loops = [lp for lp in frame.loops[depth:] if not lp.bounded()]
        if of is not None:
            loops = [lp for lp in loops if any(lp is x for x in loops_of(of, chosen=False))]
        if not loops or loops[-1].flagged:
            return None
        return loops[-1]

    def _guarded(self, test, frame: Frame, run) -> None:
        """Run a branch under a condition (just evaluated by `condition`)."""
        loop = frame.loops[-1] if frame.loops else None
        once, self._once = self._once, False
        if loop is not None:
            loop.guards.append(ONCE if once else test)
        try:
            self._left = run()
        finally:
            if loop is not None:
                loop.guards.pop()

    _once = False  # the last condition holds on at most one pass of a loop (inputs.Once)

    def exec_for(self, stmt: ast.For | ast.AsyncFor, frame: Frame) -> None:
        iterable = self.eval(stmt.iter, frame)
        counters, exits, branches = loop_body_facts(stmt)
        items = None if branches else self.unrollable(iterable)
        if items is not None:
            for item in items:
                self.assign(stmt.target, item, frame, stmt)
                try:
                    self.exec_block(stmt.body, frame)
                except Flow as f:
                    if f.kind == "break":
                        return
                    if f.kind != "continue":
                        raise
            self.exec_block(stmt.orelse, frame)
            return
        loop = Loop(
            stmt,
            exits
            or small_iterable(stmt.iter)
            or bounded_slice(unwrap_enumerated(iterable))
            or getattr(unwrap_enumerated(iterable), "few", False),
            counters,
            frozenset(index_names(stmt.target, stmt.iter)),
            unordered=strings.unordered_hole(unwrap_enumerated(iterable), frame.loc(stmt.iter)),
            targets=frozenset(bound_names(stmt.target)),
            loc=frame.loc(stmt.iter),
            chooser=whole_input(unwrap_enumerated(iterable)),
        )
        element = self.element_of(iterable, stmt.iter, frame, loop)
        self.assign(stmt.target, element, frame, stmt)
        self._run_loop(stmt.body, loop, frame)
        if stmt.orelse:
            self._branch(stmt.orelse, frame)

    def exec_while(self, stmt: ast.While, frame: Frame) -> None:
        test = self.eval(stmt.test, frame)
        counters, _, _ = loop_body_facts(stmt)
        loop = Loop(stmt, False, counters, frozenset(), loc=frame.loc(stmt.test))
        self.saw_test(stmt.test, test, frame)
        loop.guards.append(stmt.test)
        self._run_loop(stmt.body, loop, frame)

    def _run_loop(self, body, loop: Loop, frame: Frame) -> None:
        frame.loops.append(loop)
        saved = dict(frame.env)
        try:
            self.exec_block(body, frame)
        except Flow as f:
            if f.kind in ("return", "raise"):
                frame.env.clear()
                frame.env.update(saved)
        finally:
            frame.loops.pop()

    def unrollable(self, v: Any) -> list | None:
        """The elements of a small, fully known, ordered iterable, to run a loop per element."""
        if isinstance(v, tuple):
            v = list(v)
        if isinstance(v, LList):
            if v.repeated or v.unordered or v.is_open() or len(v) > MAX_UNROLL:
                return None
            return list(v)
        if isinstance(v, list) and len(v) <= MAX_UNROLL:
            return v
        if isinstance(v, LDict) and not v.open and not v.unordered and len(v) <= MAX_UNROLL:
            return list(v.keys())
        return None

    def element_of(self, v: Any, node, frame: Frame, loop: Loop | None = None) -> Any:
        """A representative element of an iterable that is not unrolled (of an input: the
        item `loop` is at)."""
        if isinstance(v, Enumerated):
            return (hole("unknown", "a loop index"), self.element_of(v.inner, node, frame, loop))
        if isinstance(v, Sym):
            return v.step(Each(loop))
        if isinstance(v, SetVal):
            return hole("unknown", "an element of a set", frame.loc(node))
        if isinstance(v, LList):
            known = [x for x in v if not isinstance(x, Hole)]
            if known and all(isinstance(x, LDict) for x in known):
                return known[-1]
            if v.unordered is not None:
                return v.unordered
            for x in v:
                if x is v.base and isinstance(x, Sym):  # the items of an input, then added ones
                    return x.step(Each(loop))
                if isinstance(x, Sym) and x.path and isinstance(x.path[-1], Each):
                    return each_of(x, loop)
                if isinstance(x, Hole):
                    return x
            return known[-1] if known else hole("unknown", "a list element", frame.loc(node))
        if isinstance(v, LDict):
            return next(iter(v), hole("unknown", "a key"))
        if isinstance(v, Hole):
            return v
        return hole("unknown", "a loop element", frame.loc(node))

    def guarded_now(self, frame: Frame) -> bool:
        """Inside loops, all of which are bounded by the guards active right now."""
        loops = frame.loops
        return bool(loops) and all(loop.bounded() for loop in loops)

    def repeats(self, container: Any) -> bool:
        """Whether a value added to container now can be added again without bound."""
        frame = self._frame
        if frame is None:
            return False
        depth = getattr(container, "depth", 0) if container is not None else 0
        return any(not loop.bounded() for loop in frame.loops[depth:])

    _frame: Frame | None = None


def _plain(e: ast.expr) -> bool:
    """A name, attribute, item or `.get()` / `.strip()` of them: safe to evaluate again."""
    while True:
        match e:
            case ast.Name() | ast.Constant():
                return True
            case ast.UnaryOp(operand=ast.Constant()):  # messages[-1]
                return True
            case ast.Attribute():
                e = e.value
            case ast.Subscript():
                if not _plain(e.slice):
                    return False
                e = e.value
            case ast.Call(func=ast.Attribute() as f) if f.attr in _PLAIN_CALLS:
                if not all(_plain(a) for a in e.args):
                    return False
                e = f.value
            case _:
                return False


_PLAIN_CALLS = frozenset({"get", "strip", "rstrip", "lstrip"})
