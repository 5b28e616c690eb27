"""Statements and control flow: assignment, item assignment, if, for, while, try, with.

Branches both run when their condition is unknown, and their bindings are merged; a loop
body runs once per element of a small known list, otherwise once with the loop recorded as
active, so values added on each pass are marked as repeated."""

from __future__ import annotations

from typing import Any

import libcst as cst

from cachelint.prompt import Hole
from cachelint.python import strings
from cachelint.python.frames import Flow, Frame, Loop
from cachelint.python.operations import (
    Enumerated,
    entered,
    merge,
    truth,
    unpacked_hole,
    unwrap_enumerated,
)
from cachelint.python.syntax import (
    bound_names,
    index_names,
    small_iterable,
)
from cachelint.python.tree import loop_body_facts, names_in, rebound_in
from cachelint.python.values import (
    Instance,
    LDict,
    LList,
    Ref,
    SetVal,
    Text,
    hole,
    is_known,
    is_marker_key,
)

MAX_UNROLL = 16


class Statements:
    """Statements and control flow: assignment, item assignment, if, for, while, try, with."""

    # ---- statements -----------------------------------------------------------------------

    def exec_block(self, stmts, frame: Frame) -> None:
        for stmt in stmts:
            if self.budget <= 0:
                return
            self.exec_stmt(stmt, frame)

    def exec_stmt(self, stmt: cst.CSTNode, frame: Frame) -> None:
        self.tick()
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.exec_small(small, frame)
        elif isinstance(stmt, cst.FunctionDef):
            ref = Ref("function", stmt.name.value, frame.module, stmt, closure=frame)
            frame.env[stmt.name.value] = ref
            self.nested_defs.setdefault(stmt, ref)
        elif isinstance(stmt, cst.ClassDef):
            frame.env[stmt.name.value] = Ref("class", stmt.name.value, frame.module, stmt)
        elif isinstance(stmt, cst.If):
            self.exec_if(stmt, frame)
        elif isinstance(stmt, cst.For):
            self.exec_for(stmt, frame)
        elif isinstance(stmt, cst.While):
            self.exec_while(stmt, frame)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                value = self.eval(item.item, frame)
                if item.asname is not None:
                    self.assign(item.asname.name, entered(value), frame, item)
            self.exec_block(stmt.body.body, frame)
        elif isinstance(stmt, cst.Try | cst.TryStar):
            self._exec_try(stmt, frame)
        elif isinstance(stmt, cst.Match):
            self.eval(stmt.subject, frame)
            for case in stmt.cases:
                self._branch(case.body.body, frame)

    def _exec_try(self, stmt, frame: Frame) -> None:
        try:
            self.exec_block(stmt.body.body, frame)
        except Flow as f:
            if f.kind != "raise":
                raise
        for h in stmt.handlers:
            self._branch(h.body.body, frame)
        if stmt.orelse is not None:
            self.exec_block(stmt.orelse.body.body, frame)
        if stmt.finalbody is not None:
            self.exec_block(stmt.finalbody.body.body, frame)

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

    def exec_small(self, node: cst.CSTNode, frame: Frame) -> None:
        if isinstance(node, cst.Expr):
            self.eval(node.value, frame)
        elif isinstance(node, cst.Assign):
            value = self.eval(node.value, frame)
            for t in node.targets:
                self.assign(t.target, value, frame, node)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.eval(node.value, frame), frame, node)
        elif isinstance(node, cst.AugAssign):
            self.exec_augassign(node, frame)
        elif isinstance(node, cst.Return):
            frame.returns.append(self.eval(node.value, frame) if node.value else None)
            raise Flow("return")
        elif isinstance(node, cst.Raise):
            raise Flow("raise")
        elif isinstance(node, cst.Break):
            raise Flow("break")
        elif isinstance(node, cst.Continue):
            raise Flow("continue")
        elif isinstance(node, cst.Import | cst.ImportFrom):
            from cachelint.python.project import import_names

            for local, target in import_names(node, frame.module.package()).items():
                frame.env[local] = Ref("lazy", target, frame.module)  # resolved when used
        elif isinstance(node, cst.Global):
            frame.globals_names.update(n.name.value for n in node.names)
        elif isinstance(node, cst.Del):
            self.exec_del(node.target, frame)

    def exec_del(self, target: cst.BaseExpression, frame: Frame) -> None:
        if isinstance(target, cst.Subscript) and len(target.slice) == 1:
            obj = self.eval(target.value, frame)
            idx = target.slice[0].slice
            if isinstance(idx, cst.Index):
                key = self.eval(idx.value, frame)
                if is_marker_key(key):
                    self.removes_markers = True
                if isinstance(obj, LDict) and is_known(key):
                    obj.drop(key)
        elif isinstance(target, cst.Tuple):
            for el in target.elements:
                self.exec_del(el.value, frame)

    def exec_augassign(self, node: cst.AugAssign, frame: Frame) -> None:
        current = self.eval(node.target, frame)
        value = self.eval(node.value, frame)
        if isinstance(node.operator, cst.AddAssign) and isinstance(current, LList):
            self.extend(current, value, frame, node.value)
            return
        if isinstance(node.operator, cst.BitOrAssign) and isinstance(current, LDict):
            self.merge_into(current, value, frame, node.value)
            return
        result = self.binop(node.operator, current, value, frame, node)
        if isinstance(result, str):
            loop = next((lp for lp in frame.loops if lp.unordered is not None), None)
            if loop is not None:
                result = Text([result, loop.unordered])
        self.assign(node.target, result, frame, node)

    def assign(self, target: cst.BaseExpression, value: Any, frame: Frame, node) -> None:
        if isinstance(target, cst.Name):
            name = target.value
            if name in frame.globals_names:
                self._module_envs.setdefault(id(frame.module), {})[name] = value
            else:
                frame.env[name] = value
        elif isinstance(target, cst.Tuple | cst.List):
            elems = [e.value for e in target.elements]
            if isinstance(value, tuple | list) and len(value) == len(elems):
                for t, v in zip(elems, value, strict=True):
                    self.assign(t, v, frame, node)
            else:
                for t in elems:
                    inner = t.value if isinstance(t, cst.StarredElement) else t
                    self.assign(inner, unpacked_hole(value, frame.loc(t)), frame, node)
        elif isinstance(target, cst.Attribute):
            obj = self.eval(target.value, frame)
            if isinstance(obj, Instance):
                if isinstance(value, LList):
                    value.persistent = value.persistent or f"self.{target.attr.value}"
                obj.attrs[target.attr.value] = value
        elif isinstance(target, cst.Subscript) and len(target.slice) == 1:
            obj = self.eval(target.value, frame)
            sl = target.slice[0].slice
            if not isinstance(sl, cst.Index):
                return
            key = self.eval(sl.value, frame)
            self.set_item(obj, key, value, frame, node, target)
        elif isinstance(target, cst.StarredElement):
            self.assign(target.value, LList([hole("unknown", "unpacked items")]), frame, node)

    def set_item(self, obj: Any, key: Any, value: Any, frame: Frame, node, target=None) -> None:
        loc = frame.loc(node)
        if isinstance(obj, LDict) and is_known(key):
            again = self.repeats(obj) and not self._same_each_pass(obj, target, frame)
            obj.put(key, value, loc, in_loop=again)
            if is_marker_key(key):
                self.marker_dicts.append(obj)
        elif isinstance(obj, LList) and isinstance(key, int) and -len(obj) <= key < len(obj):
            obj[key] = value
            obj.locs[key] = loc
        elif is_marker_key(key) and target is not None and self._marks_each_item(target, frame):
            self.lost_markers.append(loc)

    def _same_each_pass(self, obj: LDict, target: cst.Subscript | None, frame: Frame) -> bool:
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
        while isinstance(node, cst.Attribute):
            names.add(node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name):
            return False
        names.add(node.value)
        return not any(names & rebound_in(loop.node) for _, loop in loops)

    def _marks_each_item(self, target: cst.Subscript, frame: Frame) -> bool:
        """`item[...]["cache_control"] = ...` in an unbounded loop of this function over items."""
        root = target.value
        while isinstance(root, cst.Subscript | cst.Attribute | cst.Call):
            root = root.func if isinstance(root, cst.Call) else root.value
        if not isinstance(root, cst.Name):
            return False
        return any(
            not loop.bounded() and root.value in (loop.targets | loop.counters)
            for loop in frame.loops[frame.inherited :]
        )

    # ---- control flow ---------------------------------------------------------------------

    def exec_if(self, stmt: cst.If, frame: Frame) -> None:
        known = self.condition(stmt.test, frame)
        if known is True:
            self._guarded(stmt.test, frame, lambda: self.exec_block(stmt.body.body, frame))
            return
        if known is False:
            orelse = stmt.orelse
            if isinstance(orelse, cst.If):
                self.exec_if(orelse, frame)
            elif orelse is not None:
                self.exec_block(orelse.body.body, frame)
            return
        before = dict(frame.env)
        self._guarded(stmt.test, frame, lambda: self._branch(stmt.body.body, frame))
        body_env = dict(frame.env)
        body_left = self._left
        frame.env.clear()
        frame.env.update(before)
        else_left = False
        if stmt.orelse is not None:
            orelse = stmt.orelse
            if isinstance(orelse, cst.If):
                self.exec_if(orelse, frame)
            else:
                else_left = self._branch(orelse.body.body, frame)
        else_env = dict(frame.env)
        if body_left and else_left:
            raise Flow("return")
        merged = else_env if body_left else body_env if else_left else merge(body_env, else_env)
        frame.env.clear()
        frame.env.update(merged)

    _left = False

    def condition(self, test: cst.BaseExpression, frame: Frame) -> bool | None:
        """A condition's value, when it is known from locals and literals alone. Attributes
        (`self.enabled`) and calls are never trusted: other code may change them."""
        if isinstance(test, cst.BooleanOperation):
            left = self.condition(test.left, frame)
            right = self.condition(test.right, frame)
            if isinstance(test.operator, cst.And):
                if left is False or right is False:
                    return False
                return True if left and right else None
            if left is True or right is True:
                return True
            return False if left is False and right is False else None
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self.condition(test.expression, frame)
            return None if inner is None else not inner
        value = self.eval(test, frame)
        _, attrs, calls, _ = names_in(test)
        if attrs or calls:
            return None
        return truth(value)

    def _guarded(self, test, frame: Frame, run) -> None:
        loop = frame.loops[-1] if frame.loops else None
        if loop is not None:
            loop.guards.append(test)
        try:
            self._left = run()
        finally:
            if loop is not None:
                loop.guards.pop()

    def exec_for(self, stmt: cst.For, frame: Frame) -> None:
        iterable = self.eval(stmt.iter, frame)
        counters, exits, branches = loop_body_facts(stmt.body)
        items = None if branches else self.unrollable(iterable)
        if items is not None:
            for item in items:
                self.assign(stmt.target, item, frame, stmt)
                try:
                    self.exec_block(stmt.body.body, frame)
                except Flow as f:
                    if f.kind == "break":
                        return
                    if f.kind != "continue":
                        raise
            if stmt.orelse is not None:
                self.exec_block(stmt.orelse.body.body, frame)
            return
        element = self.element_of(iterable, stmt.iter, frame)
        loop = Loop(
            stmt,
            exits or small_iterable(stmt.iter),
            counters,
            frozenset(index_names(stmt.target, stmt.iter)),
            unordered=strings.unordered_hole(unwrap_enumerated(iterable), frame.loc(stmt.iter)),
            targets=frozenset(bound_names(stmt.target)),
        )
        self.assign(stmt.target, element, frame, stmt)
        self._run_loop(stmt.body.body, loop, frame)
        if stmt.orelse is not None:
            self._branch(stmt.orelse.body.body, frame)

    def exec_while(self, stmt: cst.While, frame: Frame) -> None:
        self.eval(stmt.test, frame)
        counters, _, _ = loop_body_facts(stmt.body)
        loop = Loop(stmt, False, counters, frozenset())
        loop.guards.append(stmt.test)
        self._run_loop(stmt.body.body, loop, frame)

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

    def element_of(self, v: Any, node, frame: Frame) -> Any:
        """A representative element of an iterable that is not unrolled."""
        if isinstance(v, Enumerated):
            return (hole("unknown", "a loop index"), self.element_of(v.inner, node, frame))
        if isinstance(v, SetVal):
            return hole("unknown", "an element of a set", frame.loc(node))
        if isinstance(v, LList):
            known = [x for x in v if not isinstance(x, Hole)]
            if known and all(isinstance(x, LDict) for x in known):
                return known[-1]
            if v.unordered is not None:
                return v.unordered
            for x in v:
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
