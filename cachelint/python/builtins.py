"""What known functions and methods do to abstract values: builtins, str/list/dict/set methods,
json, copy, textwrap, clocks and randomness, file reads, directory listings, SDK clients."""

from __future__ import annotations

import ast
import contextlib
import textwrap
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cachelint.prompt import Hole
from cachelint.python import frameworks, names, strings
from cachelint.python.calls import CLIENTS, REQUEST_PATHS, Api, RequestSite
from cachelint.python.frames import Flow
from cachelint.python.inputs import OPAQUE, Each, Sym, clears, copy_of
from cachelint.python.objects import LIVE_STATE_METHODS, live_hole, live_state
from cachelint.python.operations import Enumerated, at_use, copied_here, open_history
from cachelint.python.project import dotted
from cachelint.python.values import (
    MAX_SIZE,
    NODE,
    TOO_LARGE,
    Client,
    Json,
    LDict,
    LList,
    Ref,
    SetVal,
    Template,
    Text,
    as_hole,
    capped,
    copy_value,
    derived,
    hole,
    is_known,
    is_marker_key,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from cachelint.python.evaluator_api import EvaluatorAPI
    from cachelint.python.frames import Frame

BUILTINS = frozenset(
    {
        "str",
        "repr",
        "len",
        "list",
        "tuple",
        "dict",
        "set",
        "frozenset",
        "sorted",
        "reversed",
        "enumerate",
        "zip",
        "range",
        "int",
        "float",
        "bool",
        "print",
        "isinstance",
        "min",
        "max",
        "sum",
        "map",
        "filter",
        "open",
        "any",
        "all",
        "getattr",
        "hasattr",
        "id",
        "hash",
        "type",
        "iter",
        "next",
        "format",
        "round",
        "abs",
        "super",
        "object",
        "vars",
        "callable",
    }
)


def _unordered_list(desc: str, loc) -> LList:
    h = hole("unknown", desc, loc, unordered=True)
    out = LList([h], [loc], loc)
    out.unordered = h
    return out


def call_external(ev: EvaluatorAPI, name: str, args, kwargs, frame: Frame, node) -> Any:
    """A call to a function outside the project, by canonical dotted name."""
    loc = frame.loc(node)
    if name in BUILTINS:
        return _builtin(ev, name, args, kwargs, frame, node)
    desc = names.lookup(ev.volatile, name)
    if desc:
        return _volatile(desc, loc, frame)
    if name in names.DAILY:
        return hole("stable", names.DAILY[name], loc)
    if name in names.CLOCK_WITHOUT_ARGS:
        clock_args = args[1:] if name == "time.strftime" else args
        if not clock_args and not kwargs and names.CLOCK_WITHOUT_ARGS[name]:
            if name == "time.strftime" and _date_only(args[0] if args else None):
                return hole("stable", "today's date (time.strftime(), changes once a day)", loc)
            return _volatile(names.CLOCK_WITHOUT_ARGS[name], loc, frame)
        return derived(args, kwargs, hole("unknown", f"{name}()", loc))
    if name in names.SUBPROCESS_CALLS and args and _is_clock_command(args[0]):
        return _volatile("the output of the `date` command", loc, frame)
    if name in CLIENTS:
        kind, platform = CLIENTS[name]
        return Client(kind, platform)
    framework_object = frameworks.construct(ev, name, args, kwargs, frame, node)
    if framework_object is not None:
        return framework_object
    if not args and kwargs and _typed_dict(name):
        out = ev.new_dict(frame, node)  # SDK request types are TypedDicts: plain dicts
        for i, (k, v) in enumerate(kwargs.items()):
            kw = node.keywords[i] if i < len(node.keywords) else None
            out.put(k, v, frame.loc(kw.value) if kw is not None else loc)
            if is_marker_key(k):
                ev.marker_dicts.append(out)
                ev.bound_marker(out, k, v, frame)
        ev.note_text(out, frame)
        return out
    if name in names.TEMPLATES:
        text = args[0] if args else kwargs.get("source", kwargs.get("template"))
        return Template(names.TEMPLATES[name], text)
    if name == "asyncio.gather":  # the results in the order of the awaitables given
        return LList(args, loc=loc)
    if name in ("json.dumps", "orjson.dumps", "ujson.dumps"):
        sort = kwargs.get("sort_keys") is True or (name == "orjson.dumps" and "option" in kwargs)
        return Json(args[0] if args else None, loc, sort)
    if name in ("json.loads", "orjson.loads") and args and isinstance(args[0], Json):
        return args[0].value
    if name in ("copy.copy", "copy.deepcopy") and args:
        if isinstance(args[0], Sym):
            return copy_of(args[0], deep=name == "copy.deepcopy")
        return copied_here(args[0], name == "copy.deepcopy", frame)
    if name in ("textwrap.dedent", "inspect.cleandoc") and args and isinstance(args[0], str):
        fn: Callable[[str], str]
        if name == "textwrap.dedent":
            fn = textwrap.dedent
        else:
            import inspect  # a slow import, for a rare call

            fn = inspect.cleandoc
        return strings.apply(fn, args[0])
    if name == "textwrap.indent" and len(args) >= 2 and isinstance(args[0], str):
        prefix = args[1] if isinstance(args[1], str) and not isinstance(args[1], Text) else "  "
        if len(args[0]) + (args[0].count("\n") + 1) * len(prefix) > MAX_SIZE:
            return strings.too_large()
        return strings.apply(lambda s: textwrap.indent(s, prefix), args[0])
    if name in ("pathlib.Path", "pathlib.PurePath", "os.path.join", "os.path.dirname"):
        return hole("stable", "a file path", loc)
    desc = names.lookup(names.UNORDERED_CALLS, name)
    if desc:
        return _unordered_list(desc, loc)
    desc = names.lookup(names.STABLE, name)
    if desc:
        return hole("stable", desc, loc)
    if name.endswith((".read_text", ".read_bytes")):
        return hole("stable", "a file's contents", loc)
    return derived(args, kwargs, hole("unknown", f"the result of {name}()", loc))


def _typed_dict(name: str) -> bool:
    """SDK parameter types (anthropic.types.TextBlockParam, openai ...Param): TypedDicts."""
    last = name.rpartition(".")[2]
    return last.endswith("Param") or name.startswith(("anthropic.types.", "openai.types."))


def _volatile(desc: str, loc, frame: Frame) -> Hole:
    if frame.once:  # computed once per process (module level, cached function, __init__)
        return hole("stable", f"{desc}, computed once", loc)
    return hole("volatile", desc, loc)


def _is_clock_command(v: Any) -> bool:
    if isinstance(v, str) and not isinstance(v, Text):
        return v.split()[:1] and v.split()[0] in names.CLOCK_COMMANDS  # type: ignore[return-value]
    if isinstance(v, list | tuple) and v and isinstance(v[0], str):
        return v[0] in names.CLOCK_COMMANDS
    return False


def _builtin(ev: EvaluatorAPI, name: str, args, kwargs, frame: Frame, node) -> Any:
    loc = frame.loc(node)
    first = args[0] if args else None
    if isinstance(first, Sym) and name in _SAME_ITEMS:  # the input's items, in a new list
        if name in ("list", "tuple", "dict"):
            return copy_of(first, deep=False)
        return replace(first, unordered=False) if name == "sorted" else first

    if name in ("str", "format"):
        if not args:
            return ""
        return strings.to_str(first)
    if name == "repr" and live_state(first):
        return live_hole(first, "repr()", loc, frame.once)
    if name == "repr":
        return strings.fmt_value(first, "", "r") if is_known(first) else strings.to_str(first)
    if name in ("list", "tuple"):
        out = LList(loc=loc)
        out.depth = len(frame.loops)
        if args:
            ev.extend(out, _iterable(first), frame, node)
            out.unordered = out.unordered or strings.unordered_hole(first)
        return tuple(out) if name == "tuple" and not out.unordered and not out.is_open() else out
    if name == "dict":
        d = ev.new_dict(frame, node)
        if args:
            if isinstance(first, LDict):
                ev.merge_into(d, first, frame, node)
            else:
                d.open = as_hole(first) if not isinstance(first, list) else None
                d.unordered = strings.unordered_hole(first)
        for k, v in kwargs.items():
            d.put(k, v, loc)
        return d
    if name in ("set", "frozenset"):
        return SetVal(capped(_iterable(first)) if args else [], loc)
    if name == "sorted":
        out = LList(loc=loc)
        out.depth = len(frame.loops)
        items = _iterable(first)
        known = list(items)
        if all(is_known(x) for x in known) and "key" not in kwargs:
            with contextlib.suppress(TypeError):
                known = sorted(known, reverse=kwargs.get("reverse") is True)
        for x in known:
            if isinstance(x, Hole) and x.unordered:  # sorted(listed.tools, key=...): in order now
                x = replace(x, unordered=False)
            out.add(x, loc)
        return out
    if name == "reversed":
        items = _iterable(first)
        out = LList(loc=loc)
        for x in reversed(list(items)):
            out.add(x, loc)
        out.unordered = strings.unordered_hole(first)
        return out
    if name == "enumerate":
        unrolled = ev.unrollable(first)
        if unrolled is not None:
            return [(i, x) for i, x in enumerate(unrolled)]
        return Enumerated(first)
    if name == "range":
        if len(args) == 1 and isinstance(first, int) and 0 <= first <= 16:
            return list(range(first))
        return LList([hole("unknown", "a range")])
    if name == "open":
        return hole("stable", "a file's contents", loc)
    if name in ("map", "filter"):
        it = args[1] if len(args) > 1 else None
        out = (
            _unordered_list("items", loc)
            if strings.unordered_hole(it)
            else LList([hole("unknown", "mapped items", loc)])
        )
        if strings.unordered_hole(it):
            out.unordered = strings.unordered_hole(it)
        return out
    if (
        name == "len"
        and isinstance(first, list | tuple | str)
        and not isinstance(first, Text | LList)
    ):
        return len(first)
    if name in ("int", "float", "bool") and is_known(first):
        try:
            return {"int": int, "float": float, "bool": bool}[name](first)
        except (TypeError, ValueError):
            pass
    if name == "zip":
        return LList([hole("unknown", "zipped items", loc)])
    return derived(args, kwargs, hole("unknown", f"{name}()", loc))


_SAME_ITEMS = frozenset({"list", "tuple", "dict", "reversed", "sorted"})


def _iterable(v: Any) -> list:
    if isinstance(v, SetVal):
        return list(v.items)
    if isinstance(v, LDict):
        return list(v.keys())
    if isinstance(v, list | tuple):
        return list(v)
    if isinstance(v, str) and not isinstance(v, Text):
        return list(v) if len(v) * NODE <= MAX_SIZE else [hole("unknown", TOO_LARGE)]
    if isinstance(v, Sym):
        return [v.step(Each(None))]  # stands for each of the input's items
    return [as_hole(v, "items only known at run time") if not isinstance(v, Hole) else v]


def call_method(ev: EvaluatorAPI, recv: Any, method: str, args, kwargs, frame: Frame, node):
    """(handled, result) for a method of a str, list, dict, set or JSON value."""
    loc = frame.loc(node)
    if isinstance(recv, str):
        if method in ("format", "format_map", "join"):
            args = [at_use(a, loc) for a in args]
            kwargs = {k: at_use(v, loc) for k, v in kwargs.items()}
        return True, _str_method(recv, method, args, kwargs, loc)
    if isinstance(recv, Template):
        return _template_method(recv, method, args, kwargs, loc)
    if isinstance(recv, LList):
        if method in ("append", "extend", "insert") and not frame.once:
            _module_history(ev, recv, node.func.value, frame)
        return _list_method(ev, recv, method, args, frame, node)
    if isinstance(recv, LDict):
        return _dict_method(ev, recv, method, args, kwargs, frame, node)
    if isinstance(recv, SetVal):
        if method in ("add",) and args:
            recv.items.append(args[0])
            return True, None
        if method in ("update",) and args:
            recv.items[:] = capped(recv.items + _iterable(args[0]))
            return True, None
        if method in ("union", "intersection", "difference", "symmetric_difference", "copy"):
            items = list(recv.items) + [x for a in args for x in _iterable(a)]
            return True, SetVal(capped(items), recv.loc)
        return False, None
    if isinstance(recv, Hole) and method in ("append", "extend", "insert"):
        # a list passed in (or otherwise unknown): record what is added, and that it persists
        target = node.func.value
        if isinstance(recv, Sym):
            _added_to_input(recv)
        lst = LList([recv], [loc], loc)
        if isinstance(recv, Sym):
            lst.base = recv
        if recv.origin == "request" and isinstance(target, ast.Name):
            lst.persistent = f"parameter '{target.id}'"
        ev.assign(target, lst, frame, node) if isinstance(target, ast.Name) else None
        return _list_method(ev, lst, method, args, frame, node)
    return False, None


def _template_method(t: Template, method: str, args, kwargs, loc) -> tuple[bool, Any]:
    """A Jinja environment making a template, or a template filled with names."""
    if t.engine == "environment" and method == "from_string":
        return True, Template("jinja", args[0] if args else kwargs.get("source"))
    if t.engine == "environment" and method in names.LOADED_TEMPLATES:
        name = args[0] if args else kwargs.get("name")
        what = f"the template {name!r}" if is_known(name) else "a template from a loader"
        return True, Template("jinja", hole("unknown", what, loc), what)
    if method not in names.RENDERS.get(t.engine, ()):
        return False, None
    args = [at_use(a, loc) for a in args]
    kwargs = {k: at_use(v, loc) for k, v in kwargs.items()}
    if t.engine == "string":
        return True, strings.substitute(t.text, args, kwargs, method == "safe_substitute")
    return True, strings.render(t.text, args, kwargs, t.what)


def _added_to_input(recv: Sym) -> None:
    """Items appended to an input list: it grows."""
    if recv.root is not None:
        recv.root.grows = True


def _is_cache_point(v: Any) -> bool:
    return isinstance(v, LDict) and "cachePoint" in v and len(v) == 1


def _module_history(ev: EvaluatorAPI, lst: LList, target: ast.expr, frame: Frame) -> None:
    """A module-level list that functions append to outlives every call: a history."""
    if lst.persistent or not isinstance(target, ast.Name):
        return
    owner: Frame | None = frame
    while owner is not None and target.id not in owner.env:
        owner = owner.parent
    if owner is None or owner.env is ev.module_env(frame.module):
        lst.persistent = f"module variable '{target.id}'"
        open_history(lst)


def _str_method(s: str, method: str, args, kwargs, loc) -> Any:
    if method == "format":
        return strings.str_format(s, list(args), dict(kwargs))
    if method == "join" and args:
        return strings.join(s, args[0])
    if method == "format_map" and args:
        return strings.str_format(s, [], *strings.fields(args, {}))
    fn = strings.STR_METHODS.get(method)
    if fn is not None:
        if not all(is_known(a) for a in args):
            return Text([as_hole(s) if isinstance(s, Text) else s, *_holes(args)])
        if _grown(s, method, args) > MAX_SIZE:  # 'x'.center(10**9): measured first
            return strings.too_large()
        return strings.apply(lambda x: fn(x, *args), s)
    if method in ("encode", "decode"):
        return s
    if method in ("split", "splitlines", "rsplit"):
        if not isinstance(s, Text) and all(is_known(a) for a in args):
            return _split(s, method, args)
        return LList([as_hole(s)])
    if isinstance(s, Text):
        return as_hole(s)
    return hole("unknown", f"str.{method}()", loc)


def _grown(s: str, method: str, args) -> int:
    """An upper bound of len(s.method(*args)) for the str methods of STR_METHODS."""
    width = args[0] if args and type(args[0]) is int else 0
    if method in ("center", "ljust", "rjust", "zfill"):
        return max(len(s), width)
    if method == "expandtabs":
        return len(s) + s.count("\t") * (width if args else 8)
    if method == "replace" and len(args) >= 2 and isinstance(args[0], str):
        old, new = args[0], args[1]
        count = s.count(old) if old else len(s) + 1
        if len(args) > 2 and type(args[2]) is int and args[2] >= 0:
            count = min(count, args[2])
        return len(s) + count * max(0, len(str(new)) - len(old))
    if method in ("strip", "lstrip", "rstrip", "removeprefix", "removesuffix") or s.isascii():
        return len(s)
    return 3 * len(s)  # a case change can make one character three ('ΐ'.upper())


_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _split(s: str, method: str, args) -> LList:
    """s.split(*args), s.rsplit(*args), s.splitlines(*args), with as many pieces as fit in
    MAX_SIZE (counted before splitting), then an unknown one for the rest."""
    most = MAX_SIZE // NODE
    if method == "splitlines":
        if sum(map(s.count, _LINE_BREAKS)) >= most:
            return LList([hole("unknown", TOO_LARGE)])
        try:
            return LList(s.splitlines(*args))
        except TypeError:
            return LList([hole("unknown", "split lines")])
    sep = args[0] if args else None
    limit = args[1] if len(args) > 1 and type(args[1]) is int else -1
    cap = most if limit < 0 else min(limit, most)
    try:
        pieces = getattr(s, method)(sep, cap)
    except (TypeError, ValueError):  # an empty or non-string separator
        return LList([hole("unknown", "split items")])
    if len(pieces) > cap and (limit < 0 or cap < limit):  # more pieces than were split off
        return LList([hole("unknown", TOO_LARGE)])
    return LList(pieces)


def _holes(args) -> list[Hole]:
    return [as_hole(a) for a in args if not is_known(a)]


def _arg(call: ast.Call, i: int) -> ast.expr:
    """The expression of the i-th positional argument (a `*items` argument stands for its
    items)."""
    a = call.args[i] if i < len(call.args) else call
    return a.value if type(a) is ast.Starred else a


def _list_method(ev: EvaluatorAPI, lst: LList, method: str, args, frame: Frame, node):
    if method == "append" and args:
        if _is_cache_point(args[0]):
            ev.cache_point_appended(node.func.value, lst, args[0], frame)
        ev.append(lst, args[0], frame, _arg(node, 0))
        return True, None
    if method == "extend" and args:
        ev.extend(lst, args[0], frame, _arg(node, 0))
        return True, None
    if method == "insert" and len(args) == 2:
        at = args[0] if isinstance(args[0], int) else None
        if at is None:
            lst.add(hole("unknown", "an inserted item"), frame.loc(node))
        else:
            ev.append(lst, args[1], frame, _arg(node, 1), at=at)
        return True, None
    if method == "copy":
        return True, copied_here(lst, False, frame)
    if method == "pop":
        if lst and not isinstance(lst[-1], Hole) and not args:
            return True, lst.pop_last()
        return True, hole("unknown", "a popped item")
    if method == "sort":
        lst.unordered = None
        return True, None
    if method == "reverse":
        lst.reverse()
        lst.locs.reverse()
        return True, None
    if method == "clear":
        lst.clear_all()
        return True, None
    return False, None


def _dict_method(ev: EvaluatorAPI, d: LDict, method: str, args, kwargs, frame: Frame, node):
    loc = frame.loc(node)
    if method == "get":
        key = args[0] if args else None
        if is_known(key) and key in d:
            return True, d[key]
        if isinstance(d.open, Sym):
            return True, ev.input_item(d.open, key, frame)
        if not is_known(key):  # `d.get(provider)`: whichever entry, or the default
            return True, hole("unknown", "a value looked up by a key known at run time", loc)
        default = args[1] if len(args) > 1 else None
        return True, d.open or default if d.open else default
    if method == "update":
        if args:
            ev.merge_into(d, args[0], frame, _arg(node, 0))
        for k, v in kwargs.items():
            d.put(k, v, loc, ev.repeats(d))
            if is_marker_key(k):
                ev.marker_dicts.append(d)
        return True, None
    if method == "setdefault" and args and is_known(args[0]):
        if args[0] not in d:
            d.put(args[0], args[1] if len(args) > 1 else None, loc, ev.repeats(d))
            if is_marker_key(args[0]):
                ev.marker_dicts.append(d)
        return True, d[args[0]]
    if method == "copy":
        return True, copy_value(d, False)
    if method == "pop" and args:
        if is_marker_key(args[0]):
            ev.removes_markers = True
            clears(d)
        if is_known(args[0]) and args[0] in d:
            return True, d.drop(args[0])
        return True, args[1] if len(args) > 1 else hole("unknown", "a popped value")
    if method == "keys":
        out = LList(list(d.keys()))
        out.unordered = d.unordered
        return True, out
    if method == "values":
        out = LList(list(d.values()), [d.locs.get(k) for k in d])
        out.unordered = d.unordered
        if d.open is not None:  # entries put under keys only known at run time
            out.add(hole("unknown", "a value put under a key known at run time"), None, True)
        return True, out
    if method == "items":
        out = LList([(k, v) for k, v in d.items()], [d.locs.get(k) for k in d])
        out.unordered = d.unordered
        return True, out
    return False, None


def _date_only(fmt: Any) -> bool:
    """A strftime format known to keep the date and drop the time of day."""
    return isinstance(fmt, str) and not isinstance(fmt, Text) and not names.TIME_OF_DAY.search(fmt)


def _clock(recv: Any) -> bool:
    """The current time as a datetime (or a string of it), not an id or a random value."""
    return (
        isinstance(recv, Hole)
        and recv.origin == "volatile"
        and recv.description.startswith(names.CURRENT_TIME)
    )


def method_on_unknown(
    ev: EvaluatorAPI, recv: Any, method: str, args, kwargs, frame: Frame, node
) -> Any:
    """A method of something only known by where it comes from: keep that origin."""
    loc = frame.loc(node)
    if method in names.RENDERS["unknown"] and isinstance(recv, Hole):
        # a template only known at run time, filled with names: what is put into it varies
        filled = strings.unknown_text(recv, [at_use(v, loc) for v in [*args, *kwargs.values()]])
        if isinstance(filled, Text) and len(filled.holes()) > 1:
            if isinstance(recv, Sym):
                return Text(
                    [_input_method(ev, recv, method, args, frame, loc), *filled.holes()[1:]]
                )
            return filled
    if names.RETRIEVAL.search(method):
        found = _retrieved(method, [*args, *kwargs.values()], loc)
        if found is not None:
            return found
    if method in names.SERVER_ORDER and isinstance(recv, Hole) and _mcp(recv, node):
        return hole("unknown", names.SERVER_ORDER[method], loc, unordered=True)
    if method in names.SCHEMA_METHODS and isinstance(recv, Sym) and not args:
        return hole("stable", f"the JSON schema of a model class (.{method}())", loc)
    if isinstance(recv, Sym) and method in LIVE_STATE_METHODS and live_state(recv):
        return live_hole(recv, f"{method}()", loc, frame.once)
    if isinstance(recv, Sym):
        return _input_method(ev, recv, method, args, frame, loc)
    if _clock(recv) and (
        method in names.DAILY_METHODS or (method == "strftime" and args and _date_only(args[0]))
    ):
        return hole("stable", f"today's date (.{method}() of {recv.description})", loc)
    if method in names.UNORDERED_METHODS and isinstance(recv, Hole):
        return _unordered_list(names.UNORDERED_METHODS[method], loc)
    if method in names.STABLE_METHODS:
        if isinstance(recv, Hole) and recv.origin in ("volatile", "request"):
            return recv
        return hole("stable", "a file's contents" if "read" in method else method, loc)
    if isinstance(recv, Hole) and recv.origin in ("volatile", "request", "stable"):
        return recv
    if isinstance(recv, Client):
        return hole("unknown", f"{method}()", loc)
    return derived(args, {}, hole("unknown", f"the result of .{method}()", loc))


def _retrieved(method: str, given: list, loc) -> Hole | None:
    """What a search or lookup returns for request data (`store.search(query=question)`,
    `memory.profile(user_id)`): data of this request or user, not a stable text."""
    for v in given:
        h = as_hole(v) if isinstance(v, Hole | Text) else None
        if h is not None and h.origin == "request":
            return hole("request", f"what .{method}() retrieves for {h.description}", loc)
    return None


def _mcp(recv: Hole, node: Any) -> bool:
    """A receiver named like an MCP session, client or server (`session.list_tools()`, `s` of
    `for s in mcp_servers`), not a project's own tool registry."""
    func = getattr(node, "func", None)
    said = dotted(func.value) if isinstance(func, ast.Attribute) else ""
    if isinstance(recv, Sym) and recv.root is not None:
        said += " " + recv.root.name
    return names.MCP_NAMES.search(said) is not None


_COPIES = {"copy": False, "model_copy": None, "deepcopy": True}
_BODY_READS = frozenset({"json", "get_json"})
_STRIPS = frozenset({"strip", "rstrip", "lstrip"})


def _input_method(ev: EvaluatorAPI, recv: Sym, method: str, args, frame: Frame, loc) -> Any:
    """A method of (a part of) an input: `.get(key)` is its part, a copy is a copy, a split
    gives pieces that can be empty, and a lambda given to it (`.filter(lambda m: ...)`) is
    run on one of its items, for what it checks."""
    if method == "get" and args:
        return ev.input_item(recv, args[0], frame)
    if method in ("pop", "discard", "remove") and args and is_marker_key(args[0]):
        clears(recv)
    if method in _COPIES:
        deep = _COPIES[method]
        return copy_of(recv, deep=bool(deep) if deep is not None else _deep_kw(frame, loc))
    if method in ("split", "rsplit", "partition", "rpartition"):
        what = "a piece of a string cut at a separator, empty when the separator is at its edge"
        split = recv.step(f".{method}(...)")
        pieces = 3 if "partition" in method else 2 if len(args) > 1 and args[1] == 1 else 1
        out = LList([split.step(i, empty=what) for i in range(pieces)])
        if pieces == 1:
            out[0] = split.step(Each(None), empty=what)
        return out
    if method in _STRIPS:
        return recv.step(f".{method}()", empty=recv.empty)
    if method in _BODY_READS:  # `await request.json()`: the body a client sent
        return recv.step(f".{method}()")
    for a in args:
        if isinstance(a, Ref) and a.kind == "lambda":
            with contextlib.suppress(Flow, RecursionError):
                ev.call_lambda(a, [recv.step(Each(None))], frame)
    if recv.origin == "unknown" and not (recv.unordered and method in _VIEWS):
        return recv.step(OPAQUE, f"the result of .{method}()")
    return recv.step(OPAQUE)  # a view of a registry in run-time order says why (objects.py)


_VIEWS = frozenset({"values", "items", "keys", "copy"})


def _deep_kw(frame: Frame, loc) -> bool:
    """model_copy(deep=True)."""
    node = loc.node if loc is not None else None
    for kw in getattr(node, "keywords", ()):
        if kw.arg == "deep" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
            return True
    return False


# ---- request sites ----------------------------------------------------------------------


def build_site(
    ev: EvaluatorAPI, api: Api, node: ast.Call, req: LDict, positional, client, frame: Frame
) -> list[RequestSite]:
    """The requests a recognised call sends (a batch sends several)."""
    loc = frame.loc(node)
    platform = client.platform if client is not None and client.kind != "http" else api.platform
    headers = req.get("extra_headers")
    if api.kind == "messages":
        if client is not None and client.kind not in ("anthropic",):
            return []
        if "messages" not in req and "system" not in req and req.open is None:
            return []
        if platform == "bedrock":  # the SDK's Bedrock client sends an InvokeModel body
            platform = "bedrock-legacy"
        when = client.when if client is not None else ""
        return [RequestSite(api.__class__(api.kind, platform), loc, req, headers, when=when)]
    if api.kind == "batches":
        out = []
        for item in _iterable(req.get("requests")):
            params = item.get("params") if isinstance(item, LDict) else None
            if isinstance(params, LDict):
                out.append(RequestSite(Api("messages", platform), loc, params, headers))
        return out
    if api.kind in ("chat", "litellm"):
        if api.kind == "litellm":
            for i, key in enumerate(("model", "messages")):
                if i < len(positional) and key not in req:
                    value, vnode = positional[i]
                    req.put(key, value, frame.loc(vnode))
            frameworks.inject_litellm(req)
        if "messages" not in req:
            return []
        return [RequestSite(api, loc, req, headers)]
    if api.kind == "converse":
        if "messages" not in req and "system" not in req:
            return []
        return [RequestSite(api, loc, req)]
    if api.kind == "invoke":
        body = req.get("body")
        if isinstance(body, Json) and isinstance(body.value, LDict):
            inner = copy_value(body.value, False)
            model = req.get("modelId")
            if "model" not in inner and isinstance(model, str):
                inner.put("model", model, req.locs.get("modelId"))
            return [RequestSite(api, loc, inner)]
        return []
    if api.kind == "http":
        return _http_site(req, positional, loc)
    return []


def _http_site(req: LDict, positional, loc) -> list[RequestSite]:
    url = req.get("url")
    if url is None and positional:
        first = positional[0][0]
        url = (
            positional[1][0]
            if isinstance(first, str)
            and first.upper() in ("POST", "GET", "PUT")
            and len(positional) > 1
            else first
        )
    body = req.get("json")
    if body is None:
        raw = req.get("data", req.get("content"))
        body = raw.value if isinstance(raw, Json) else None
    if not isinstance(body, LDict):
        return []
    url_text = str(url) if isinstance(url, str) else ""
    by_url = any(p in url_text for p in REQUEST_PATHS)
    by_shape = "messages" in body and ("model" in body or "max_tokens" in body or "system" in body)
    if not (by_url or by_shape):
        return []
    platform = "gateway" if "chat/completions" in url_text else None
    return [RequestSite(Api("http", platform), loc, body, req.get("headers"), url)]
