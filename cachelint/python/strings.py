"""String building on partly known values: str(), f-string pieces, %, .format, .join, methods."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

import orjson

from cachelint.prompt import Hole
from cachelint.python import names
from cachelint.python.values import (
    MAX_SIZE,
    PLACEHOLDER,
    TOO_LARGE,
    Json,
    LDict,
    LList,
    SetVal,
    Text,
    as_hole,
    hole,
    is_known,
    size_of,
    tree_size,
)


def too_large() -> str:
    return Text([hole("unknown", TOO_LARGE)])


def fully_known(v: Any, depth: int = 0, seen: set[int] | None = None) -> bool:
    """Whether a value is known all through (a value shared by several containers is looked
    at once)."""
    if depth > 32:
        return False
    if is_known(v):
        return True
    if not isinstance(v, list | tuple | dict):
        return False
    if seen is None:
        seen = set()
    elif id(v) in seen:
        return True
    if isinstance(v, LList | list | tuple):
        if isinstance(v, LList) and (v.repeated or v.unordered):
            return False
        known = all(fully_known(x, depth + 1, seen) for x in v)
    elif isinstance(v, LDict | dict):
        if isinstance(v, LDict) and (v.open or v.unordered):
            return False
        known = all(isinstance(k, str) and fully_known(x, depth + 1, seen) for k, x in v.items())
    else:
        return False
    if known:
        seen.add(id(v))
    return known


def _materialised(v: Any) -> bool:
    """Whether a fully known value can be written out as text within MAX_SIZE."""
    return tree_size(v) <= MAX_SIZE


def plain(v: Any) -> Any:
    """A fully known value as plain Python data."""
    if isinstance(v, list | tuple):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def unordered_hole(v: Any, where: Any = None) -> Hole | None:
    """The unordered hole of a value built from a set or an unsorted listing, if any; `where`
    (the iteration that makes the order matter) becomes its location for sets."""
    if isinstance(v, SetVal):
        if v.items and all(isinstance(x, int) and not isinstance(x, bool) for x in v.items):
            return None  # small ints iterate in a fixed order
        return hole("unknown", names.SET_ORDER, where or v.loc, unordered=True)
    if isinstance(v, LList | LDict):
        return v.unordered
    if isinstance(v, Hole) and v.unordered:
        return v
    if isinstance(v, Json) and not v.sort_keys:
        return unordered_hole(v.value, where)
    return None


def to_str(v: Any, what: str = "a value only known at run time") -> str:
    """str(v): known text, or a Text with the holes it depends on."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool | int | float) or v is None:
        try:
            return str(v)
        except ValueError:  # an int of more digits than Python converts
            return Text([hole("unknown", "a number")])
    if isinstance(v, Hole):
        return Text([v])
    if isinstance(v, Json):
        u = unordered_hole(v)
        if u is not None and v.loc is not None and _only_keys_unordered(v.value, 0):
            u = hole(u.origin, u.description, v.loc, unordered=True)  # sort_keys=True fixes it
        if fully_known(v.value) and u is None:
            if not _materialised(v.value):
                return too_large()
            try:
                out = orjson.dumps(
                    plain(v.value), option=orjson.OPT_SORT_KEYS if v.sort_keys else 0
                ).decode()
            except TypeError:
                pass
            else:
                return _fits(out)
        return Text(
            [u or _first_hole(v.value) or hole("unknown", "JSON of a value only known at run time")]
        )
    if fully_known(v):
        return _fits(str(plain(v))) if _materialised(v) else too_large()
    u = unordered_hole(v)
    return Text([u or _first_hole(v) or hole("unknown", what)])


def _only_keys_unordered(v: Any, depth: int) -> bool:
    """Whether only the key order of dicts in v varies (what json.dumps(sort_keys=True) fixes)."""
    if depth > 32 or isinstance(v, SetVal | Json) or (isinstance(v, Hole) and v.unordered):
        return False
    if isinstance(v, LList | list | tuple):
        if isinstance(v, LList) and v.unordered:
            return False
        return all(_only_keys_unordered(x, depth + 1) for x in v)
    if isinstance(v, dict):
        return all(_only_keys_unordered(x, depth + 1) for x in v.values())
    return not (isinstance(v, Text) and any(h.unordered for h in v.holes()))


def _fits(s: str) -> str:
    """s, or unknown when it is longer than MAX_SIZE (for a result at most a few times as
    long as what it was made of: repr, JSON, case changes)."""
    return s if len(s) <= MAX_SIZE else too_large()


def _first_hole(v: Any, depth: int = 0, seen: set[int] | None = None) -> Hole | None:
    if depth > 16:
        return None
    if isinstance(v, Hole):
        return v
    if isinstance(v, Text):
        return as_hole(v)
    if isinstance(v, LList | list | tuple | dict):
        seen = set() if seen is None else seen
        if id(v) in seen:
            return None
        seen.add(id(v))
        for x in v.values() if isinstance(v, dict) else v:
            h = _first_hole(x, depth + 1, seen)
            if h is not None:
                return h
    return None


def concat(a: str, b: str) -> str:
    return Text([a, b])


def repeat(s: str, n: Any) -> str:
    if not isinstance(n, int) or isinstance(n, bool):
        return Text([as_hole(s) if isinstance(s, Text) else hole("unknown", "a repeated string")])
    if size_of(s) * max(n, 0) > MAX_SIZE:
        return too_large()
    if isinstance(s, Text):
        return Text(list(s.parts) * max(n, 0))
    return s * n


def apply(fn: Callable[[str], Any], s: str) -> Any:
    """Apply a str -> str function to a partly known string, keeping its holes in place."""
    if not isinstance(s, Text):
        try:
            out = fn(s)
        except Exception:
            return hole("unknown", "a string operation")
        return _fits(out) if isinstance(out, str) else out
    try:
        out = fn(str(s))
    except Exception:
        return Text([as_hole(s)])
    if isinstance(out, str) and len(out) > MAX_SIZE:
        return too_large()
    holes = s.holes()
    if isinstance(out, str) and out.count(PLACEHOLDER) == len(holes):
        pieces = out.split(PLACEHOLDER)
        parts: list[str | Hole] = [pieces[0]]
        for h, p in zip(holes, pieces[1:], strict=True):
            parts += [h, p]
        return Text(parts)
    if isinstance(out, str):
        return Text([out.replace(PLACEHOLDER, ""), *holes])
    return Text([as_hole(s)])


def join(sep: str, items: Any) -> str:
    """sep.join(items) for a known or partly known iterable."""
    u = unordered_hole(items)
    if isinstance(items, SetVal):
        seq = list(items.items)
    elif isinstance(items, LList | list | tuple):
        seq = list(items)
    else:
        return Text(
            [as_hole(items) if isinstance(items, Hole) else hole("unknown", "a joined list")]
        )
    if len(sep) * len(seq) + sum(map(size_of, seq)) > MAX_SIZE:
        return too_large()
    parts: list[Any] = []
    for i, x in enumerate(seq):
        if i:
            parts.append(sep)
        parts.append(to_str(x))
    if isinstance(items, LList) and items.repeated:
        parts.append(hole("unknown", "items added in a loop"))
    if isinstance(items, LList) and items.selected is not None:
        parts.append(items.selected)
    if u is not None:
        parts.append(u)
    return Text(parts)


def fmt_value(v: Any, spec: str, conversion: str | None) -> str:
    """format(v, spec) after the conversion ("r", "a"); with conversion "%", spec is a
    %-conversion such as "%-8s"."""
    if is_known(v):
        if conversion == "%":
            spec = _PERCENT_KEY.sub("", spec, count=1)
        if widest(spec) > MAX_SIZE:  # '{:>1000000000}': measured before it is padded
            return too_large()
        if conversion == "%":
            return _fits(_pct(spec, v))
        try:
            if conversion == "r":
                v = repr(v)
            elif conversion == "a":
                v = ascii(v)
            return _fits(format(v, spec) if spec else str(v))
        except (ValueError, TypeError, OverflowError):  # OverflowError: f"{2**40:c}"
            return to_str(v)
    return to_str(v)


def widest(spec: str) -> int:
    """The largest width or precision in a format spec ('>20', '.3f', '%-8s')."""
    return max(map(int, re.findall(r"\d+", spec)), default=0)


def formatted(pieces: list) -> str:
    """The text of literal strings and (value, spec, conversion) fields, unknown when it would
    be longer than MAX_SIZE (a value used by ten fields counts ten times)."""
    total = 0
    parts: list[Any] = []
    for p in pieces:
        if isinstance(p, str):
            total += len(p)
            parts.append(p)
            continue
        value, spec, conversion = p
        total += size_of(value) + widest(spec)
        if total > MAX_SIZE:
            return too_large()
        parts.append(fmt_value(value, spec, conversion))
    return Text(parts)


def str_format(
    template: str, args: list[Any], kwargs: dict[str, Any], rest: Hole | None = None
) -> str:
    """template.format(*args, **kwargs); `rest` stands for the names of a mapping only known at
    run time (format_map)."""
    if isinstance(template, Text):
        return unknown_text(template, [*args, *kwargs.values(), rest])
    pieces: list[Any] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return Text([hole("unknown", "a malformed format string")])
    for literal, field, spec, conv in parsed:
        pieces.append(literal)
        if field is None:
            continue
        m = re.match(r"[^.\[]*", field)
        head = m.group() if m else field
        if head == "":
            value = args[auto] if auto < len(args) else hole("unknown", "a format argument")
            auto += 1
        elif head.isdigit():
            i = int(head)
            value = args[i] if i < len(args) else hole("unknown", "a format argument")
        else:
            value = kwargs.get(head, rest or hole("unknown", f"format argument '{head}'"))
        if len(head) != len(field):  # attribute or index access: only its holes are known
            value = as_hole(value) if not is_known(value) else hole("unknown", "a format field")
        pieces.append((value, spec or "", conv))
    return formatted(pieces)


_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<conv>[diouxXeEfFgGcrsab%])"
)


def percent(template: str, arg: Any) -> str:
    """template % arg."""
    if isinstance(template, Text):
        return unknown_text(template, [arg])
    specs = list(_PERCENT.finditer(template))
    if fully_known(arg) and "*" not in "".join(m.group() for m in specs):
        widths = sum(widest(_PERCENT_KEY.sub("", m.group(), count=1)) for m in specs)
        bound = len(template) + tree_size(arg) + widths
        if bound > MAX_SIZE:  # each value at most once, each width at most once
            return too_large()
        try:
            return template % (tuple(plain(arg)) if isinstance(arg, tuple) else plain(arg))
        except (TypeError, ValueError, KeyError, OverflowError):  # OverflowError: "%c" % 2**40
            return Text([hole("unknown", "a %-formatted string")])
    seq = list(arg) if isinstance(arg, tuple) else [arg]
    pieces: list[Any] = []
    pos, i = 0, 0
    for m in specs:
        pieces.append(template[pos : m.start()])
        pos = m.end()
        if m.group("conv") == "%":
            pieces.append("%")
            continue
        if m.group("key") is not None and isinstance(arg, dict):
            value = arg.get(m.group("key"), hole("unknown", "a format argument"))
        else:
            value = seq[i] if i < len(seq) else hole("unknown", "a format argument")
            i += 1
        pieces.append((value, m.group(), "%") if is_known(value) else (value, "", None))
    pieces.append(template[pos:])
    return formatted(pieces)


_PERCENT_KEY = re.compile(r"\([^)]*\)")


def fields(args: list[Any], kwargs: dict[str, Any]) -> tuple[dict[str, Any], Hole | None]:
    """The names a template is filled with: a mapping given first, then keywords over it, and
    the hole standing for the names of a mapping only known at run time."""
    named: dict[str, Any] = {}
    rest: Hole | None = None
    if args:
        if isinstance(args[0], dict):
            named.update((k, v) for k, v in args[0].items() if isinstance(k, str))
            rest = args[0].open if isinstance(args[0], LDict) else None
        elif not is_known(args[0]):
            rest = as_hole(args[0], "a mapping only known at run time")
    named.update(kwargs)
    return named, rest


def unknown_text(template: Any, values: list[Any], what: str = "a template") -> str:
    """A template whose text is not known, filled with values: unknown text that still varies
    with every volatile value or request data put into it."""
    base = as_hole(template) if isinstance(template, Hole | Text) else hole("unknown", what)
    varying: list[Hole] = []
    for v in values:
        _varying(v, varying, 0)
    return Text([base, *(h for h in varying if h is not base)])


def _varying(v: Any, out: list[Hole], depth: int) -> None:
    """Collect the volatile and request holes in v."""
    if depth > 8 or len(out) > 16:
        return
    if isinstance(v, Hole):
        if v.origin in ("volatile", "request") and v not in out:
            out.append(v)
    elif isinstance(v, Text):
        for h in v.holes():
            _varying(h, out, depth)
    elif isinstance(v, Json):
        _varying(v.value, out, depth + 1)
    elif isinstance(v, list | tuple | dict | SetVal):
        if isinstance(v, LDict) and v.open is not None:
            _varying(v.open, out, depth)
        items = v.values() if isinstance(v, dict) else v.items if isinstance(v, SetVal) else v
        for x in items:
            _varying(x, out, depth + 1)


def substitute(template: Any, args: list[Any], kwargs: dict[str, Any], safe: bool) -> str:
    """string.Template(template).substitute(...) (safe_substitute when `safe`)."""
    named, rest = fields(args, kwargs)
    if not isinstance(template, str) or isinstance(template, Text):
        return unknown_text(template, [*named.values(), rest])
    pieces: list[Any] = []
    pos = 0
    for m in string.Template.pattern.finditer(template):
        pieces.append(template[pos : m.start()])
        pos = m.end()
        name = m.group("named") or m.group("braced")
        if m.group("escaped") is not None:
            pieces.append(m.group("escaped"))
        elif name in named or (name is not None and rest is not None):
            pieces.append((named.get(name, rest), "", None))
        elif safe:
            pieces.append(m.group())
        else:  # raises at run time: a missing name, or a bad placeholder
            return Text([hole("unknown", "a template missing a name")])
    pieces.append(template[pos:])
    return formatted(pieces)


# a Jinja raw block, comment, expression or statement; a "-" inside its delimiters strips the
# whitespace on that side
_JINJA = re.compile(
    r"\{%[-+]?\s*raw\s*[-+]?%\}(?P<raw>.*?)\{%[-+]?\s*endraw\s*-?%\}"
    r"|\{#.*?#\}|\{\{[-+]?(?P<expr>.*?)-?\}\}|\{%[-+]?(?P<stmt>.*?)-?%\}",
    re.S,
)
_JINJA_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
# a name read from the context: not an attribute, a filter or a test
_JINJA_NAME = re.compile(r"(?P<after>[.|]\s*|\bis\s+(?:not\s+)?)?\b(?P<name>[A-Za-z_]\w*)")
_JINJA_WORDS = frozenset(
    {
        *("and", "or", "not", "in", "is", "if", "else", "elif", "for", "recursive", "loop"),
        *("true", "false", "none", "True", "False", "None", "set", "with", "without"),
        *("context", "ignore", "missing", "import", "include", "extends", "from", "as"),
        *("macro", "call", "filter", "block", "scoped", "required"),
    }
)
# statements that change nothing by themselves (closing tags, an else, a named block)
_JINJA_PLAIN = re.compile(r"(end\w*|else|block\s+\w+(\s+scoped)?(\s+required)?)")


def render(template: Any, args: list[Any], kwargs: dict[str, Any], what: str) -> str:
    """A Jinja template's render(...): its text with the values it prints in place, and where
    it computes (filters, tests, statements) the volatile or request data of the names it reads,
    then an unknown part."""
    named, rest = fields(args, kwargs)
    if not isinstance(template, str) or isinstance(template, Text):
        return unknown_text(template, [*named.values(), rest], what)

    def lookup(name: str) -> Any:
        return named.get(name, rest or hole("unknown", f"template variable '{name}'"))

    pieces: list[Any] = []
    pos, strip_next = 0, False
    for m in _JINJA.finditer(template):
        literal = template[pos : m.start()]
        pos = m.end()
        if strip_next:
            literal = literal.lstrip()
        if m.group()[2] == "-":
            literal = literal.rstrip()
        pieces.append(literal)
        strip_next = m.group()[-3] == "-"
        if m.group("raw") is not None:
            pieces.append(m.group("raw"))
        elif m.group("expr") is not None:
            expr = m.group("expr").strip()
            if re.fullmatch(r"[A-Za-z_]\w*", expr) and expr not in _JINJA_WORDS:
                pieces.append((lookup(expr), "", None))
            else:
                pieces.append(_computed(expr, lookup, "a template expression"))
        elif m.group("stmt") is not None and not _JINJA_PLAIN.fullmatch(m.group("stmt").strip()):
            pieces.append(_computed(m.group("stmt"), lookup, "a template statement"))
    pieces.append(template[pos:].lstrip() if strip_next else template[pos:])
    return formatted(pieces)


def _computed(code: str, lookup: Callable[[str], Any], what: str) -> tuple[Any, str, None]:
    """A format piece for Jinja code: the volatile and request data of the names it reads, and
    an unknown part for what it makes of them."""
    varying: list[Hole] = []
    for m in _JINJA_NAME.finditer(_JINJA_STRING.sub("", code)):
        if m.group("after") is None and m.group("name") not in _JINJA_WORDS:
            _varying(lookup(m.group("name")), varying, 0)
    return Text([*varying, hole("unknown", what)]), "", None


def _pct(spec: str, value: Any) -> str:
    try:
        return spec % (value,)
    except (TypeError, ValueError, OverflowError):
        return str(value)


STR_METHODS: dict[str, Callable[..., Any]] = {
    "strip": str.strip,
    "lstrip": str.lstrip,
    "rstrip": str.rstrip,
    "lower": str.lower,
    "upper": str.upper,
    "title": str.title,
    "capitalize": str.capitalize,
    "casefold": str.casefold,
    "replace": str.replace,
    "removeprefix": str.removeprefix,
    "removesuffix": str.removesuffix,
    "expandtabs": str.expandtabs,
    "center": str.center,
    "ljust": str.ljust,
    "rjust": str.rjust,
    "zfill": str.zfill,
}
