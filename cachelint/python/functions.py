"""Calls: project functions and methods, classes and instances, external functions, and
the calls that send requests."""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Any

from cachelint.prompt import Hole
from cachelint.python import builtins as bi
from cachelint.python import frameworks
from cachelint.python.calls import RequestSite, chain, classify
from cachelint.python.evaluator_api import EvaluatorAPI
from cachelint.python.frames import Flow, Frame
from cachelint.python.inputs import Root, Sym
from cachelint.python.objects import (
    annotated_class,
    as_annotated_set,
    declared_fields,
    inherited,
    memoised,
    object_member,
)
from cachelint.python.operations import (
    open_history,
    parameter,
    pick_return,
)
from cachelint.python.syntax import (
    decorated_once,
    find_method,
    has_decorator,
    is_static,
)
from cachelint.python.templated import render_instructor
from cachelint.python.tree import is_generator
from cachelint.python.values import (
    Client,
    Instance,
    LDict,
    LList,
    Ref,
    derived,
    hole,
    is_marker_key,
)

MAX_CALL_DEPTH = 8
_RESPONSE = "an API response"
_NO_VALUE_CALLS = frozenset(
    {"isinstance", "issubclass", "hasattr", "callable", "type", "id", "cast", "TypeVar"}
)


class Functions(EvaluatorAPI):
    """Calls: project functions and methods, classes and instances, external functions, and"""

    # ---- functions ------------------------------------------------------------------------

    def call_function(
        self,
        ref: Ref,
        args: list[Any],
        kwargs: dict[str, Any],
        caller: Frame,
        site: ast.AST | None,
        entry: bool = False,
    ) -> Any:
        node: ast.FunctionDef | ast.AsyncFunctionDef = ref.node
        self.ran.add(node)
        if self._depth >= MAX_CALL_DEPTH or node in caller.call_stack or self.budget <= 0:
            return hole("unknown", f"the result of {ref.name}()")
        via = caller.via
        if site is not None and ref.module is not caller.module:
            via = caller.loc(site)
        once = (
            caller.once
            or decorated_once(node, ref.module)
            or node.name == "__init__"
            or memoised(node)
        )
        frame = Frame(
            ref.module,
            {},
            ref.closure,
            via,
            once,
            loops=list(caller.loops) if not entry else [],
            call_stack=(*caller.call_stack, node),
        )
        frame.inherited = len(frame.loops)
        frame.checked = list(caller.checked)  # a helper called under `if text:` sees it too
        if ref.closure is None:
            frame.parent = Frame(ref.module, self.module_env(ref.module), once=True)
        self.bind_params(node, args, kwargs, frame, defaults=not entry)
        self._depth += 1
        outer = self._frame
        self._frame = frame
        try:
            self.exec_block(node.body, frame)
        except Flow:
            pass
        except RecursionError:
            pass
        finally:
            self._depth -= 1
            self._frame = outer
        if type(node) is ast.FunctionDef and is_generator(node):
            return LList([hole("unknown", f"items yielded by {ref.name}()")])
        return pick_return(frame.returns, ref.name)

    def bind_params(self, node, args, kwargs, frame: Frame, defaults=True):
        """Bind arguments; a function evaluated on its own (an entry point) is called from
        elsewhere with unknown arguments, so its defaults are only one possibility."""
        p: ast.arguments = node.args
        positional = [*p.posonlyargs, *p.args]
        # defaults belong to the last positional parameters
        pos_defaults = [None] * (len(positional) - len(p.defaults)) + list(p.defaults)
        args = list(args)
        for i, param in enumerate(positional):
            name = param.arg
            if i < len(args):
                frame.env[name] = args[i]
            elif name in kwargs:
                frame.env[name] = kwargs.pop(name)
            elif pos_defaults[i] is not None and defaults:
                frame.env[name] = self.eval(pos_defaults[i], frame.parent or frame)
            else:
                frame.env[name] = self.typed(parameter(node, name, frame.loc(param)), param, frame)
        for param, default in zip(p.kwonlyargs, p.kw_defaults, strict=True):
            name = param.arg
            if name in kwargs:
                frame.env[name] = kwargs.pop(name)
            elif default is not None and defaults:
                frame.env[name] = self.eval(default, frame.parent or frame)
            else:
                frame.env[name] = self.typed(parameter(node, name, frame.loc(param)), param, frame)
        if p.vararg is not None:
            rest = args[len(positional) :]
            frame.env[p.vararg.arg] = LList(rest or [hole("request", "*args")])
        if p.kwarg is not None:
            d = LDict()
            for k, v in kwargs.items():
                d.put(k, v, None)
            if not kwargs:
                d.open = hole("request", "**kwargs")
            frame.env[p.kwarg.arg] = d

    def typed(self, value: Any, param: ast.arg, frame: Frame) -> Any:
        """A parameter nobody passes, with the project class its annotation names."""
        if param.annotation is not None and isinstance(value, Sym) and value.root is not None:
            value.root.cls = annotated_class(self, param.annotation, frame.parent or frame)
            return as_annotated_set(value, param.annotation, value.anchor)
        return value

    def instantiate(self, ref: Ref, args, kwargs, caller: Frame) -> Instance:
        inst = Instance(ref)
        init = find_method(ref.node, "__init__")
        if init is None and inherited(self, ref, "__init__") is None:
            # the __init__ a dataclass, attrs, pydantic or NamedTuple class is given: the
            # values passed are its fields (made here, not kept across calls)
            fields = declared_fields(ref.node)
            for name, value in zip(fields, args, strict=False):
                inst.attrs[name] = value
            for name, value in kwargs.items():
                if name in fields:
                    inst.attrs[name] = value
        if init is not None:
            self.call_function(
                Ref("function", "__init__", ref.module, init, bound=inst),
                [inst, *args],
                kwargs,
                caller,
                None,
            )
        return inst

    def instance_attr(self, inst: Instance, attr: str, frame: Frame, node) -> Any:
        if attr in inst.attrs:
            value = inst.attrs[attr]
            if isinstance(value, LList) and value.persistent and not frame.once:
                open_history(value)
            if isinstance(value, Sym) and value.unordered and not value.path:
                return replace(value, anchor=frame.loc(node))  # reported where it is read
            return value
        cls: ast.ClassDef = inst.cls.node
        owner = inherited(self, inst.cls, attr)  # the class or the project base defining it
        fn = find_method(owner.node, attr) if owner is not None else None
        if owner is not None and fn is not None:
            ref = Ref("function", attr, owner.module, fn, bound=inst)
            if has_decorator(fn, ("property", "cached_property", "functools.cached_property")):
                return self.call_function(ref, [inst], {}, frame, node)
            return ref
        for stmt in cls.body:
            if type(stmt) is ast.Assign or type(stmt) is ast.AnnAssign:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(type(t) is ast.Name and t.id == attr for t in targets):
                    if stmt.value is None:
                        continue
                    cls_frame = Frame(
                        inst.cls.module,
                        {},
                        once=True,
                        parent=Frame(inst.cls.module, self.module_env(inst.cls.module)),
                    )
                    return self.eval(stmt.value, cls_frame)
        # set out of sight (a dataclass field, a framework): an input kept across calls
        name = f"self.{attr}"
        value = Sym("unknown", name, frame.loc(node), root=Root(name, frame.loc(node), name))
        inst.attrs[attr] = value
        return value

    def eval_call(self, node: ast.Call, frame: Frame) -> Any:
        func = node.func
        if type(func) is ast.Name and func.id in _NO_VALUE_CALLS:
            found, _ = frame.lookup(func.id)
            if not found:  # type checks and casts: their type arguments need no evaluation
                if func.id == "cast" and len(node.args) == 2:
                    return self.eval(node.args[1], frame)
                return hole("unknown", f"{func.id}()", frame.loc(node))
        parts = chain(node.func)
        canonical = self.canonical(node.func, frame)
        api = classify(parts, canonical)
        if api is not None and self.request_call(node, api, frame):
            return hole("unknown", _RESPONSE, frame.loc(node))
        args, kwargs = self.eval_args(node, frame)
        if type(func) is ast.Attribute:
            method = func.attr
            if method in ("pop", "discard", "remove") and args and is_marker_key(args[0]):
                self.removes_markers = True
            receiver = self.eval(func.value, frame)
            if isinstance(receiver, frameworks.Configured) and receiver.role == "model-request":
                return frameworks.request_method(self, receiver, method, kwargs, frame, node)
            handled, result = bi.call_method(self, receiver, method, args, kwargs, frame, node)
            if handled:
                return result
            if isinstance(receiver, Ref) and receiver.kind == "external":
                return bi.call_external(
                    self, f"{receiver.name}.{method}", args, kwargs, frame, node
                )
            if isinstance(receiver, Ref) and receiver.kind == "module":
                fn = self.module_attr(receiver, method)
                return self.call_value(fn, args, kwargs, frame, node)
            member = object_member(self, receiver, method, frame, node)
            if member is not None:
                receiver = receiver.root.obj
            if isinstance(receiver, Instance):
                fn = (
                    member
                    if member is not None
                    else self.instance_attr(receiver, method, frame, node)
                )
                if isinstance(fn, Ref) and fn.kind == "function" and not is_static(fn.node):
                    return self.call_value(fn, [receiver, *args], kwargs, frame, node)
                return self.call_value(fn, args, kwargs, frame, node)
            if isinstance(receiver, Ref) and receiver.kind == "class":
                fn = find_method(receiver.node, method)
                if fn is not None:
                    static = is_static(fn)
                    pre = [] if static else [receiver]
                    ref = Ref("function", method, receiver.module, fn)
                    return self.call_function(ref, [*pre, *args], kwargs, frame, node)
            return bi.method_on_unknown(self, receiver, method, args, kwargs, frame, node)
        return self.call_value(self.eval(func, frame), args, kwargs, frame, node)

    def call_value(self, func: Any, args, kwargs, frame: Frame, node) -> Any:
        if isinstance(func, Ref):
            if func.kind == "function":
                return self.call_function(func, args, dict(kwargs), frame, node)
            if func.kind == "class":
                return self.instantiate(func, args, dict(kwargs), frame)
            if func.kind == "external":
                return bi.call_external(self, func.name, args, kwargs, frame, node)
            if func.kind == "lambda":
                return self.call_lambda(func, args, frame)
        base = func if isinstance(func, Hole) else hole("unknown", "a call", frame.loc(node))
        return derived(args, kwargs, base)

    def call_lambda(self, ref: Ref, args, frame: Frame) -> Any:
        node: ast.Lambda = ref.node
        inner = Frame(
            ref.module,
            {},
            ref.closure,
            frame.via,
            frame.once,
            loops=list(frame.loops),
            call_stack=frame.call_stack,
        )
        for i, p in enumerate([*node.args.posonlyargs, *node.args.args]):
            inner.env[p.arg] = args[i] if i < len(args) else hole("unknown", p.arg)
        return self.eval(node.body, inner)

    def eval_args(self, node: ast.Call, frame: Frame) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for a in node.args:
            if type(a) is ast.Starred:
                v = self.eval(a.value, frame)
                args.extend(v if isinstance(v, list | tuple) else [v])
            else:
                args.append(self.eval(a, frame))
        for k in node.keywords:
            v = self.eval(k.value, frame)
            if k.arg is not None:
                kwargs[k.arg] = v
            elif isinstance(v, dict):
                kwargs.update({key: x for key, x in v.items() if isinstance(key, str)})
        return args, kwargs

    def request_call(self, node: ast.Call, api, frame: Frame) -> list[RequestSite]:
        """Evaluate a request call's arguments into a partly known request."""
        req = self.new_dict(frame, node)
        req.depth = 0
        positional: list[Any] = []
        for a in node.args:
            if type(a) is ast.Starred:
                self.eval(a.value, frame)
            else:
                positional.append((self.eval(a, frame), a))
        for k in node.keywords:
            value = self.eval(k.value, frame)
            if k.arg is not None:
                req.put(k.arg, value, frame.loc(k.value))
            else:
                self.merge_into(req, value, frame, k.value)
        render_instructor(req)
        receiver = node.func.value if type(node.func) is ast.Attribute else None
        client = self.client_of(receiver, frame)
        sites = bi.build_site(self, api, node, req, positional, client, frame)
        if sites:
            for s in sites:
                s.grown = [g for g in self.growths if g.run == self.run_serial]
            self.requests.extend(sites)
            self.seen_calls.add(node)
        return sites

    def client_of(self, receiver, frame: Frame) -> Client | None:
        """The client object a call chain starts from, when it can be told."""
        node = receiver
        while type(node) is ast.Attribute and node.attr in (
            "messages",
            "beta",
            "prompt_caching",
            "batches",
            "completions",
            "chat",
            "with_options",
            "with_raw_response",
            "with_streaming_response",
        ):
            node = node.value
        if node is None:
            return None
        if type(node) is ast.Call:
            node = node.func
        saved = self.budget
        value = self.eval(node, frame)
        self.budget = min(self.budget, saved)
        return value if isinstance(value, Client) else None
