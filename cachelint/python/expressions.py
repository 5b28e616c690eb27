"""Expressions: literals, f-strings, operators, containers, comprehensions, attributes
and subscripts."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from cachelint.payload.markers import is_http_header, looks_like_marker
from cachelint.prompt import Hole
from cachelint.python import frameworks, names, strings
from cachelint.python.evaluator_api import EvaluatorAPI
from cachelint.python.frames import Flow, Frame, Loop
from cachelint.python.inputs import (
    Each,
    Once,
    Sym,
    bounded_slice,
    caller_given,
    note_comparison,
    part_of,
    same_part,
    sliced,
)
from cachelint.python.objects import live_hole, live_state, object_member
from cachelint.python.operations import (
    Earlier,
    as_hole_keep,
    at_use,
    choose,
    copied_here,
    external_hole,
    hole_of,
    mark_repeated,
    number,
    open_history,
    set_items,
    truth,
    unwrap_enumerated,
)
from cachelint.python.syntax import bound_names, index_names, small_iterable
from cachelint.python.tree import names_in
from cachelint.python.values import (
    MAX_SIZE,
    TOO_LARGE,
    Choice,
    Client,
    Instance,
    LDict,
    LList,
    Ref,
    SetVal,
    Text,
    as_hole,
    capped,
    copy_value,
    hole,
    is_known,
    is_marker_key,
    size_of,
)

MAX_EXPR_DEPTH = 150
_MARKER_FIELDS = frozenset({"type", "ttl", "scope"})


class Expressions(EvaluatorAPI):
    """Expressions: literals, f-strings, operators, containers, comprehensions, attributes"""

    # ---- expressions ----------------------------------------------------------------------

    def eval(self, node: ast.expr | None, frame: Frame) -> Any:
        if node is None:
            return None
        if not self.tick() or self._expr_depth > MAX_EXPR_DEPTH:
            return hole("unknown", "a value too complex to evaluate")
        outer = self._frame
        self._frame = frame
        self._expr_depth += 1
        try:
            return self._eval(node, frame)
        except Flow:
            raise
        except RecursionError:
            return hole("unknown", "a value too complex to evaluate")
        except Exception as e:  # only this expression is lost, not the request around it
            return self.recover(e)
        finally:
            self._expr_depth -= 1
            self._frame = outer

    _expr_depth = 0

    def _eval(self, node, frame: Frame) -> Any:
        t = type(node)
        if t is ast.Name:
            return self.eval_name(node, frame)
        if t is ast.Constant:
            v = node.value
            if isinstance(v, complex) or v is Ellipsis:
                return hole("unknown", "a number" if isinstance(v, complex) else "...")
            return v
        method = _BY_TYPE.get(t)
        if method is not None:
            return method(self, node, frame)
        return hole("unknown", "an expression", frame.loc(node))

    def _tuple(self, node: ast.Tuple, frame: Frame) -> Any:
        out: list[Any] = []
        for el in node.elts:
            if type(el) is ast.Starred:
                v = self.eval(el.value, frame)
                out.extend(capped(v) if isinstance(v, list | tuple) else [v])
            else:
                out.append(self.eval(el, frame))
        return tuple(capped(out))

    def _set(self, node: ast.Set, frame: Frame) -> SetVal:
        items = [self.eval(el.value if type(el) is ast.Starred else el, frame) for el in node.elts]
        return SetVal(capped(items), frame.loc(node))

    def _binop(self, node: ast.BinOp, frame: Frame) -> Any:
        left = self.eval(node.left, frame)
        right = self.eval(node.right, frame)
        return self.binop(node.op, left, right, frame, node)

    def _boolop(self, node: ast.BoolOp, frame: Frame) -> Any:
        is_or = type(node.op) is ast.Or
        left = self.eval(node.values[0], frame)
        for operand in node.values[1:]:
            known = truth(left)
            if known is not None and known == is_or:
                return left  # short-circuit: `x or y` with x true, `x and y` with x false
            right = self.eval(operand, frame)
            if known is not None:
                left = right
            elif is_or:
                # a volatile value with a default for when it is empty stays volatile
                if (
                    not isinstance(right, Hole)
                    and not _repair(left, right)
                    and not _is_volatile(left)
                ):
                    left = right
            elif isinstance(left, Once) or isinstance(right, Once):
                left = Once("unknown", "a condition that holds on one pass")
            elif isinstance(left, Sym) or isinstance(right, Sym):  # keeps what it tests
                left = (left if isinstance(left, Sym) else right).step("and", "a condition")
            else:
                left = hole("unknown", "a condition")
        return left

    def _unaryop(self, node: ast.UnaryOp, frame: Frame) -> Any:
        v = self.eval(node.operand, frame)
        if type(node.op) is ast.USub and isinstance(v, int | float):
            return -v
        if type(node.op) is ast.Not and is_known(v):
            return not v
        return hole("unknown", "an expression")

    def _compare(self, node: ast.Compare, frame: Frame) -> Hole:
        left = self.eval(node.left, frame)
        rights = [self.eval(c, frame) for c in node.comparators]
        indices = {n for lp in frame.loops[frame.inherited :] for n in lp.index_names}
        if indices and indices & names_in(node)[3]:
            return Once("unknown", "a test of a loop index")  # i == len(items) - 1
        subject = (
            left if isinstance(left, Sym) else next((r for r in rights if isinstance(r, Sym)), None)
        )
        if subject is None:
            return hole("unknown", "a comparison")
        if len(rights) == 1:
            note_comparison(left, node.ops[0], rights[0])
        # what was compared, so a condition on an item's own flag is told from a fixed one
        return subject.step("==", "a comparison")

    def _ifexp(self, node: ast.IfExp, frame: Frame) -> Any:
        known = self.condition(node.test, frame)
        if known is False:
            return self.eval(node.orelse, frame)
        body: list[Any] = []
        self._guarded(node.test, frame, lambda: body.append(self.eval(node.body, frame)))
        if known is True:
            return body[0]
        orelse = self.eval(node.orelse, frame)
        first = body[0]
        both = (first, orelse)
        if all(is_known(v) and isinstance(v, str) for v in both) and first != orelse:
            return Choice(first, both, ast.unparse(node.test))  # `"1h" if long else "5m"`
        clients = isinstance(first, Client) and isinstance(orelse, Client)
        if clients and first.platform != orelse.platform:  # the first one, when the test holds
            return Client(first.kind, first.platform, ast.unparse(node.test))
        return choose(first, orelse)

    def _named(self, node: ast.NamedExpr, frame: Frame) -> Any:
        v = self.eval(node.value, frame)
        self.assign(node.target, v, frame, node)
        return v

    def _lambda(self, node: ast.Lambda, frame: Frame) -> Ref:
        return Ref("lambda", "lambda", frame.module, node, closure=frame)

    def eval_name(self, node: ast.Name, frame: Frame) -> Any:
        value = self.lookup_name(node.id, frame, node)
        if isinstance(value, LList) and value.persistent and not frame.once:
            open_history(value)
        return value

    def eval_fstring(self, node: ast.JoinedStr, frame: Frame) -> str:
        parts: list[Any] = []
        for p in node.values:
            if type(p) is ast.Constant:
                parts.append(p.value)
            elif type(p) is ast.FormattedValue:
                value = at_use(self.eval(p.value, frame), frame.loc(p.value))
                spec = ""
                if p.format_spec is not None:
                    spec_parts = [
                        s.value if type(s) is ast.Constant else None
                        for s in p.format_spec.values  # type: ignore[attr-defined]
                    ]
                    spec = "" if None in spec_parts else "".join(spec_parts)  # type: ignore[arg-type]
                conversion = chr(p.conversion) if p.conversion > 0 else None
                if conversion == "r" and live_state(value):  # f"{tool!r}"
                    value, conversion = live_hole(value, "repr()", frame.loc(p), frame.once), None
                parts.append((value, spec, conversion))
        return strings.formatted(parts)

    def eval_list(self, node: ast.List, frame: Frame) -> LList:
        out = LList(loc=frame.loc(node))
        out.depth = len(frame.loops)
        for el in node.elts:
            if type(el) is ast.Starred:
                self.extend(out, self.eval(el.value, frame), frame, el.value)
            else:
                out.add(self.eval(el, frame), frame.loc(el))
        # `[system, user]`: a loop over it makes at most 4 passes, whatever the items are
        out.few = len(node.elts) <= 4 and not any(type(e) is ast.Starred for e in node.elts)
        return out

    def eval_dict(self, node: ast.Dict, frame: Frame) -> LDict:
        out = self.new_dict(frame, node)
        lookalike: str | None = None  # a misspelled marker key, or the HTTP Cache-Control header
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:  # **other
                self.merge_into(out, self.eval(value_node, frame), frame, value_node)
                continue
            key = self.eval(key_node, frame)
            value = self.eval(value_node, frame)
            if is_known(key):
                out.put(key, value, frame.loc(key_node))
                if is_marker_key(key):
                    self.marker_dicts.append(out)
                    out.marked_unless = frozenset(frame.false_keys)
                    self.bound_marker(out, key, value, frame)
                elif isinstance(key, str) and looks_like_marker(key):
                    if not is_http_header(key):
                        lookalike = "key"
                    elif lookalike is None:
                        lookalike = "http"
            else:
                out.open = out.open or as_hole(key)
        if lookalike == "key" or (lookalike == "http" and "type" in out):
            self.marker_dicts.append(out)
        self.note_text(out, frame)
        if set(out) <= _MARKER_FIELDS and (out.get("type") == "ephemeral" or "ttl" in out):
            self.marker_values.append(out)  # looks like a cache_control value
        return out

    def note_text(self, block: LDict, frame: Frame) -> None:
        """A text block whose text is (a part of) an input that no condition in force here has
        checked for emptiness: whether that text can be empty is decided once the whole file
        is evaluated (from what the code compares about the input anywhere)."""
        text = block.get("text")
        if not isinstance(text, Sym) or block.get("type", "text") != "text":
            return
        if not any(same_part(text, c) for c in frame.checked):
            block.text_from = text

    def new_dict(self, frame: Frame, node) -> LDict:
        d = LDict(loc=frame.loc(node))
        d.depth = len(frame.loops)
        d.bounded_in = frozenset(id(lp) for lp in frame.loops if lp.bounded())
        d.made_in = tuple(frame.loops)
        return d

    def bound_marker(self, d: LDict, key: Any, value: Any, frame: Frame) -> None:
        """A marker set on d now: the loops bounded by the guards in force here (or where its
        value was made, in a helper) do not repeat it (`if i == len(items) - 1:`)."""
        bounded = {id(lp) for lp in frame.loops if lp.bounded()}
        bounded |= getattr(value, "bounded_in", frozenset())
        d.bounded_loops[key] = frozenset(bounded)
        if frame.loops and all(id(lp) in bounded for lp in frame.loops):
            d.bounded_keys.add(key)

    def merge_into(self, target: LDict, value: Any, frame: Frame, node) -> None:
        if isinstance(value, LDict):
            for k, v in value.items():
                target.put(k, v, value.locs.get(k) or frame.loc(node))
                if k in value.loop_keys:
                    target.loop_keys[k] = value.loop_keys[k]
                if k in value.bounded_keys:
                    target.bounded_keys.add(k)
                if k in value.bounded_loops:
                    target.bounded_loops[k] = value.bounded_loops[k]
                if is_marker_key(k):
                    self.marker_dicts.append(target)
            target.open = target.open or value.open
            target.unordered = target.unordered or value.unordered
            target.turn_keys |= value.turn_keys
        elif isinstance(value, dict):
            for k, v in value.items():
                target.put(k, v, frame.loc(node))
        elif value is not None:
            target.open = target.open or as_hole(value)

    def extend(self, target: LList, value: Any, frame: Frame, node) -> None:
        self._loop_order(target)
        if target.size + size_of(value) > MAX_SIZE:  # `s.extend(s)` 50 times: stop at once
            target.add(hole("unknown", TOO_LARGE), frame.loc(node))
            return
        rep = self.repeats(target)
        if rep:
            self.repeated_in(value, target)
        if value is target:  # `s.extend(s)` adds the items it had
            value = copy_value(value, False)
        if isinstance(value, LList):
            for i, x in enumerate(value):
                target.add(x, value.loc_at(i) or frame.loc(node), rep or i in value.repeated)
            target.unordered = target.unordered or value.unordered
        elif isinstance(value, list | tuple):
            for x in value:
                target.add(x, frame.loc(node), rep)
        elif isinstance(value, SetVal):
            for x in value.items:
                target.add(x, frame.loc(node), rep)
            target.unordered = target.unordered or strings.unordered_hole(value)
        else:
            target.add(as_hole(value, "items only known at run time"), frame.loc(node), rep)
        if target.persistent and not frame.once:  # once: set up before the first turn
            self._keep(value)

    def repeated_in(self, value: Any, target: LList) -> None:
        """value is added to target on each pass of a loop: the markers it carries are one
        more per pass, unless the pass tests a cache flag of its own item."""
        frame = self._frame
        loops = [lp for lp in frame.loops[target.depth :] if not lp.bounded()] if frame else []
        if loops:
            mark_repeated(value, id(target), loops[-1], markers=not loops[-1].flagged)

    def _loop_order(self, target: Any) -> None:
        """Items added to target inside a loop over an unordered iterable come in any order."""
        frame = self._frame
        if frame is None or target.unordered is not None:
            return
        depth = getattr(target, "depth", 0)
        for loop in frame.loops[depth:]:
            if loop.unordered is not None:
                target.unordered = loop.unordered
                return

    def append(self, target: LList, value: Any, frame: Frame, node, at: int | None = None):
        self._loop_order(target)
        rep = self.repeats(target)
        if rep:
            self.repeated_in(value, target)
        target.add(value, frame.loc(node), rep, at)
        if target.persistent and not frame.once:  # once: set up before the first turn
            self._keep(value)

    def _keep(self, value: Any, depth: int = 0, seen: set[int] | None = None) -> None:
        """value is appended to a history kept across calls: its markers stay there."""
        if depth > 16 or not isinstance(value, LDict | LList):
            return
        seen = set() if seen is None else seen
        if id(value) in seen:
            return
        seen.add(id(value))
        value.kept = True
        if isinstance(value, LDict):
            value.turn_keys |= {k for k in value if is_marker_key(k)}
        for v in value.values() if isinstance(value, LDict) else value:
            self._keep(v, depth + 1, seen)

    def eval_comprehension(self, node, frame: Frame) -> Any:
        if type(node) is ast.DictComp:
            result: Any = self.new_dict(frame, node)
        elif type(node) is ast.SetComp:
            result = SetVal([], frame.loc(node))
        else:
            result = LList(loc=frame.loc(node))
            result.depth = len(frame.loops)
        inner = Frame(
            frame.module,
            {},
            frame,
            frame.via,
            frame.once,
            frame.self_obj,
            list(frame.loops),
            call_stack=frame.call_stack,
        )
        outer = self._frame
        self._frame = inner
        try:
            self._comp_for(node.generators, 0, node, result, inner, False)
        finally:
            self._frame = outer
        return result

    def _comp_for(self, gens: list[ast.comprehension], i: int, node, result, frame, unordered):
        comp = gens[i]
        iterable = self.eval(comp.iter, frame)
        unordered = unordered or strings.unordered_hole(iterable, frame.loc(comp.iter))
        items = self.unrollable(iterable)
        loop = None
        if items is None:
            loop = Loop(
                comp,
                small_iterable(comp.iter) or bounded_slice(unwrap_enumerated(iterable)),
                frozenset(),
                frozenset(index_names(comp.target, comp.iter)),
                unordered=unordered,
                targets=frozenset(bound_names(comp.target)),
                loc=frame.loc(comp.iter),
            )
        runs = items if items is not None else [self.element_of(iterable, comp.iter, frame, loop)]
        if loop is not None:
            frame.loops.append(loop)
        try:
            for item in runs:
                self.assign(comp.target, item, frame, comp)
                for cond in comp.ifs:
                    self.saw_test(cond, self.eval(cond, frame), frame)
                    if loop is not None:
                        loop.guards.append(cond)
                    if isinstance(result, LList) and result.selected is None:
                        result.selected = self._volatile_test(cond, frame)
                if i + 1 < len(gens):
                    self._comp_for(gens, i + 1, node, result, frame, unordered)
                else:
                    self._comp_emit(node, result, frame, unordered)
                if loop is not None:
                    del loop.guards[len(loop.guards) - len(comp.ifs) :]
        finally:
            if loop is not None:
                frame.loops.pop()

    def _volatile_test(self, cond: ast.expr, frame: Frame) -> Hole | None:
        """A filter testing a value that changes between requests (`if t not in loaded`, with
        `loaded` from the conversation state): which items pass changes with it."""
        for n in ast.walk(cond):
            if type(n) is not ast.Name:
                continue
            found, value = frame.lookup(n.id)
            if isinstance(value, SetVal | LList):
                value = next((x for x in _items(value) if _is_volatile(x)), None)
            if found and _is_volatile(value):
                return hole(
                    "volatile",
                    f"the items chosen by a test of {value.description}",
                    frame.loc(cond),
                )
        return None

    def _comp_emit(self, node, result, frame: Frame, unordered) -> None:
        if type(node) is ast.DictComp:
            key = self.eval(node.key, frame)
            value = self.eval(node.value, frame)
            if is_known(key):
                result.put(key, value, frame.loc(node.value), self.repeats(result))
            else:
                result.open = result.open or as_hole(key)
            if self.repeats(result):
                result.open = result.open or hole("unknown", "keys added in a loop")
            result.unordered = result.unordered or unordered
        elif type(node) is ast.SetComp:
            result.items.append(self.eval(node.elt, frame))
        else:
            self.append(result, self.eval(node.elt, frame), frame, node.elt)
            result.unordered = result.unordered or unordered

    def binop(self, op, left: Any, right: Any, frame: Frame, node) -> Any:
        if type(op) is ast.Add:
            if isinstance(left, str) and isinstance(right, str):
                if type(node) is ast.BinOp:
                    left = at_use(left, frame.loc(node.left))
                    right = at_use(right, frame.loc(node.right))
                return strings.concat(left, right)
            if isinstance(left, LList | list | tuple) and isinstance(right, LList | list | tuple):
                if size_of(left) + size_of(right) > MAX_SIZE:  # before anything is copied
                    return hole("unknown", TOO_LARGE, frame.loc(node))
                if isinstance(left, tuple) and isinstance(right, tuple):
                    return left + right
                out = LList(loc=frame.loc(node))
                out.depth = len(frame.loops)
                self.extend(out, left, frame, node)
                self.extend(out, right, frame, node)
                return out
            if isinstance(left, LList) and isinstance(right, Hole):
                out = copy_value(left, False)
                out.add(right, frame.loc(node))
                return out
            if isinstance(right, LList) and isinstance(left, Hole):
                out = LList([left], [frame.loc(node)], frame.loc(node))
                if isinstance(left, Sym):  # history + [message]: the history's items first
                    out.base = left
                self.extend(out, right, frame, node)
                return out
            if isinstance(left, int | float) and isinstance(right, int | float):
                return number(op, left, right)
            if isinstance(left, str) or isinstance(right, str):
                return Text([strings.to_str(left), strings.to_str(right)])
            return hole_of(left, right)
        if type(op) is ast.Mult:
            if isinstance(left, str):
                return strings.repeat(left, right)
            if isinstance(right, str):
                return strings.repeat(right, left)
            if isinstance(left, int | float) and isinstance(right, int | float):
                return number(op, left, right)
            return hole_of(left, right)
        if type(op) is ast.Mod and isinstance(left, str):
            return strings.percent(left, right)
        if type(op) is ast.BitOr:
            if isinstance(left, LDict) and isinstance(right, LDict):
                out = copy_value(left, False)
                self.merge_into(out, right, frame, node)
                return out
            if isinstance(left, SetVal) or isinstance(right, SetVal):
                return SetVal(capped(set_items(left) + set_items(right)), frame.loc(node))
        if type(op) in (ast.Sub, ast.BitAnd) and (
            isinstance(left, SetVal) or isinstance(right, SetVal)
        ):
            return SetVal(set_items(left), frame.loc(node))
        if isinstance(left, int | float) and isinstance(right, int | float):
            return number(op, left, right)
        return hole_of(left, right)

    def eval_attribute(self, node: ast.Attribute, frame: Frame) -> Any:
        obj = self.eval(node.value, frame)
        attr = node.attr
        if isinstance(obj, Instance):
            return self.instance_attr(obj, attr, frame, node)
        if isinstance(obj, Ref):
            if obj.kind == "module":
                return self.module_attr(obj, attr)
            if obj.kind == "external":
                return Ref("external", f"{obj.name}.{attr}")
            if obj.kind == "class":
                return self.instance_attr(Instance(obj), attr, frame, node)
            return hole("unknown", attr, frame.loc(node))
        if isinstance(obj, Sym):
            member = object_member(self, obj, attr, frame, node)
            return member if member is not None else part_of(obj, "." + attr)
        if isinstance(obj, Hole):
            if obj.origin == "stable" or obj.origin == "request":
                return obj
            if obj.origin == "volatile" and attr in ("year", "month", "day"):
                # a part of the date: the same all day (the date alone is not volatile)
                return hole("stable", f"{obj.description}.{attr}", frame.loc(node))
            if obj.origin == "volatile" or obj.unordered:  # `(await s.list_tools()).tools`
                return obj
            return hole("unknown", f"{obj.description}.{attr}", obj.anchor or frame.loc(node))
        if isinstance(obj, Client):
            return obj
        if isinstance(obj, frameworks.Configured) and obj.role == "model-request":
            return frameworks.request_attr(obj, attr, frame.loc(node))
        return hole("unknown", attr, frame.loc(node))

    def eval_subscript(self, node: ast.Subscript, frame: Frame) -> Any:
        obj = self.eval(node.value, frame)
        sl = node.slice
        if type(sl) is ast.Tuple:
            return hole("unknown", "a subscript", frame.loc(node))
        if type(sl) is ast.Slice:
            lo = self.eval(sl.lower, frame)
            hi = self.eval(sl.upper, frame)
            if isinstance(obj, LList) and sl.lower is None and sl.upper is None:
                return copied_here(obj, False, frame)  # `blocks[:]`, of an open list too
            if isinstance(obj, LList) and not obj.is_open():
                out = LList(loc=obj.loc)
                out.depth = len(frame.loops)
                s = slice(lo if isinstance(lo, int) else None, hi if isinstance(hi, int) else None)
                for i in range(len(obj))[s]:
                    out.add(obj[i], obj.loc_at(i), i in obj.repeated)
                out.unordered = obj.unordered
                return out
            if isinstance(obj, str) and not isinstance(obj, Text):
                return obj[
                    lo if isinstance(lo, int) else None : hi if isinstance(hi, int) else None
                ]
            if isinstance(obj, Sym):
                return sliced(obj, sl)
            return as_hole_keep(obj)
        key = self.eval(sl, frame)
        return self.get_item(obj, key, frame, node)

    def input_item(self, obj: Sym, key: Any, frame: Frame) -> Any:
        """obj[key] for a part of an input: what the code wrote there, or the part itself (an
        index only known at run time stands for whichever item the innermost loop is at)."""
        if not is_known(key) or isinstance(key, bool | float) or key is None:
            loop = frame.loops[-1] if frame.loops else None
            chosen = (caller_given(key) and key.root is not obj.root) or (
                loop is not None and loop.chooser not in (None, obj.root)
            )
            return part_of(obj, Each(loop, chosen))
        return part_of(obj, key)

    def get_item(self, obj: Any, key: Any, frame: Frame, node) -> Any:
        if isinstance(obj, Sym):
            item = self.input_item(obj, key, frame)
            if isinstance(item, Sym) and item.unordered and not unordered_key(key):
                # one entry looked up: it comes where the code asks for it (by sorted keys)
                return replace(item, unordered=False)
            return item
        if isinstance(obj, LDict):
            if is_known(key) and key in obj:
                return obj[key]
            if isinstance(obj.open, Sym):  # dict(message): the keys it was not given are its
                return self.input_item(obj.open, key, frame)
            values = list(obj.values())
            if not is_known(key) and values and all(isinstance(v, LDict) for v in values):
                return values[-1]  # stands for whichever entry the key selects
            return obj.open or hole("unknown", f"[{key!r}]", frame.loc(node))
        if isinstance(obj, LList) and isinstance(key, int) and not isinstance(key, bool):
            if key < 0 and -key <= len(obj) and not any(isinstance(x, Hole) for x in obj[key:]):
                return obj[key]
            if 0 <= key < len(obj) and not any(isinstance(x, Hole) for x in obj[: key + 1]):
                return obj[key]
            if isinstance(obj.base, Sym):  # input + [new items]: an item of the input
                tail = len(obj) - 1
                return self.input_item(obj.base, key + tail if key < 0 else key, frame)
            if key >= 0 and obj and isinstance(obj[0], Earlier):  # history[0]: earlier calls left
                return obj[0]
            return hole("unknown", "a list element", frame.loc(node))
        if isinstance(obj, LList) and isinstance(obj.base, Sym) and not is_known(key):
            return self.input_item(obj.base, key, frame)
        if isinstance(obj, LList) and not is_known(key):
            known = [x for x in obj if not isinstance(x, Hole)]
            if known and all(isinstance(x, LDict) for x in known):
                return known[-1]  # stands for whichever item the index selects
        if isinstance(obj, tuple | list) and isinstance(key, int):
            try:
                return obj[key]
            except IndexError:
                return hole("unknown", "an element")
        if isinstance(obj, str) and not isinstance(obj, Text) and isinstance(key, int):
            try:
                return obj[key]
            except IndexError:
                return hole("unknown", "a character")
        if isinstance(obj, Ref) and obj.kind == "external":
            desc = names.lookup(names.STABLE, obj.name)
            if desc:
                return hole("stable", desc, frame.loc(node))
            return external_hole(obj.name, frame.loc(node))
        return as_hole_keep(obj, frame.loc(node))


_Handler = Callable[["Expressions", Any, Frame], Any]
_Node = TypeVar("_Node", bound=ast.expr)


def _on(
    kind: type[_Node], run: Callable[[Expressions, _Node, Frame], Any]
) -> tuple[type, _Handler]:
    """A row of the dispatch table; the handler is checked against the node type it gets."""
    return kind, run


_BY_TYPE: dict[type, _Handler] = dict(
    [
        _on(ast.Call, lambda self, node, frame: self.eval_call(node, frame)),
        _on(ast.Attribute, lambda self, node, frame: self.eval_attribute(node, frame)),
        _on(ast.Subscript, lambda self, node, frame: self.eval_subscript(node, frame)),
        _on(ast.Dict, lambda self, node, frame: self.eval_dict(node, frame)),
        _on(ast.List, lambda self, node, frame: self.eval_list(node, frame)),
        _on(ast.Tuple, lambda self, node, frame: self._tuple(node, frame)),
        _on(ast.Set, lambda self, node, frame: self._set(node, frame)),
        _on(ast.JoinedStr, lambda self, node, frame: self.eval_fstring(node, frame)),
        _on(ast.ListComp, lambda self, node, frame: self.eval_comprehension(node, frame)),
        _on(ast.GeneratorExp, lambda self, node, frame: self.eval_comprehension(node, frame)),
        _on(ast.SetComp, lambda self, node, frame: self.eval_comprehension(node, frame)),
        _on(ast.DictComp, lambda self, node, frame: self.eval_comprehension(node, frame)),
        _on(ast.BinOp, lambda self, node, frame: self._binop(node, frame)),
        _on(ast.BoolOp, lambda self, node, frame: self._boolop(node, frame)),
        _on(ast.UnaryOp, lambda self, node, frame: self._unaryop(node, frame)),
        _on(ast.Compare, lambda self, node, frame: self._compare(node, frame)),
        _on(ast.IfExp, lambda self, node, frame: self._ifexp(node, frame)),
        _on(ast.Await, lambda self, node, frame: self.eval(node.value, frame)),
        _on(ast.NamedExpr, lambda self, node, frame: self._named(node, frame)),
        _on(ast.Lambda, lambda self, node, frame: self._lambda(node, frame)),
    ]
)


def _repair(left: Any, right: Any) -> bool:
    """`call.get("id") or f"tool_{uuid4().hex}"`: a volatile stand-in for a field of the data
    that is normally there; the value sent is the field (a whole parameter, as in
    `prompt or default_prompt`, often is None, and then the fallback is what is sent)."""
    if not (isinstance(left, Sym) and left.path):
        return False
    return isinstance(right, Text) and any(h.origin == "volatile" for h in right.holes())


def _items(value: Any) -> list[Any]:
    return value.items if isinstance(value, SetVal) else list(value)


def _is_volatile(value: Any) -> bool:
    return isinstance(value, Hole) and value.origin == "volatile"


def unordered_key(key: Any) -> bool:
    """A key drawn from iterating something in run-time order (`for name in registry:`)."""
    return isinstance(key, Hole) and key.unordered
