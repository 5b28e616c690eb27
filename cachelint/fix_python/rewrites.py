"""The node rewrites of Python fixes, on libcst trees, keeping comments and formatting.

Each rewrite takes the node found where ast put it and the tree's parent links, and returns the
node to replace and its replacement (often a parent: removing an item rewrites its list), or
None when it does not apply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import libcst as cst

Parents = Mapping[cst.CSTNode, cst.CSTNode]
Rewrite = Callable[[cst.CSTNode, tuple[str, ...], Parents], tuple[cst.CSTNode, Any] | None]

# Arguments and header keys left out when removing the beta leaves them empty.
_EMPTIED_ARGS = frozenset({"betas", "extra_headers", "headers", "default_headers"})
_EMPTIED_KEYS = frozenset({"anthropic-beta", "anthropic_beta"}) | _EMPTIED_ARGS


def _quoted(node: cst.SimpleString, value: str) -> cst.SimpleString | None:
    """A string literal of `value` written with the node's prefix and quotes (None when it
    would need escapes: the values written here never do)."""
    quote = node.quote
    if "\\" in value or quote[0] in value or "\n" in value:
        return None
    return node.with_changes(value=f"{node.prefix}{quote}{value}{quote}")


def string(node, args, parents):
    if type(node) is not cst.SimpleString or "f" in node.prefix.lower():
        return None
    new = _quoted(node, args[0])
    return (node, new) if new is not None else None


def beta_item(node, args, parents):
    """The beta removed from a comma-separated header value, keeping the others as written."""
    if type(node) is not cst.SimpleString:
        return None
    parts = node.evaluated_value.split(",")
    kept = [p for p in parts if p.strip() != args[0]]
    if len(kept) == len(parts) or not kept:
        return None
    if kept[0] != parts[0]:  # the first item went: the next one loses its leading space
        kept[0] = kept[0].lstrip()
    new = _quoted(node, ",".join(kept))
    return (node, new) if new is not None else None


def keyword(node, args, parents):
    arg = parents.get(node)
    if type(arg) is not cst.Arg or arg.keyword is None:
        return None
    return arg, arg.with_changes(keyword=cst.Name(args[0]))


def name(node, args, parents):
    if type(node) is cst.Name:
        return node, node.with_changes(value=args[0])
    if type(node) is cst.ImportAlias and type(node.name) is cst.Name:
        return node, node.with_changes(name=node.name.with_changes(value=args[0]))
    return None


def module(node, args, parents):
    if type(node) is not cst.ImportFrom:
        return None
    return node, node.with_changes(module=cst.parse_expression(args[0]))


def unwrap(node, args, parents):
    """`client.beta.prompt_caching` -> `client`."""
    if type(node) is not cst.Attribute or type(node.value) is not cst.Attribute:
        return None
    base = node.value.value
    return node, base.with_changes(lpar=node.lpar, rpar=node.rpar) if not base.lpar else base


def sorted_(node, args, parents):
    """The iterable wrapped in sorted(...), with key=lambda ARG: EXPR when given."""
    if not isinstance(node, cst.BaseExpression):
        return None
    inner = node.with_changes(lpar=[], rpar=[])
    call_args = [cst.Arg(inner)]
    if args:
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        call_args = [
            cst.Arg(inner, comma=comma),
            _keyword_arg("key", f"lambda {args[0]}: {args[1]}"),
        ]
    wrapped = cst.Call(cst.Name("sorted"), call_args, lpar=node.lpar, rpar=node.rpar)
    return node, wrapped


def _keyword_arg(name: str, value: str) -> cst.Arg:
    """`name=value`, spelled as PEP 8 has it."""
    tight = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    return cst.Arg(cst.parse_expression(value), keyword=cst.Name(name), equal=tight)


def remove(node, args, parents):
    """The item removed from its list, tuple, set, dict or call; with "cascade", a list or
    header dict left empty goes too, from the argument or header that holds it."""
    item = parents.get(node)
    if type(item) is cst.DictElement and item.key is not node and args[:1] != ("cascade",):
        return None
    if type(item) not in (cst.Element, cst.DictElement, cst.Arg):
        return None
    seq = parents.get(item)
    if seq is None:
        return None
    field = "args" if type(seq) is cst.Call else "elements"
    items = list(getattr(seq, field))
    i = next((k for k, x in enumerate(items) if x is item), None)
    if i is None:
        return None
    if i == len(items) - 1 and i > 0:
        items[i - 1] = items[i - 1].with_changes(comma=item.comma)
    del items[i]
    if not items and args[:1] == ("cascade",) and (up := _holder(seq, parents)) is not None:
        return remove(up, args, parents)
    if not items and type(seq) is cst.Tuple and not seq.lpar:
        return None  # `x = "beta",`: nothing left to write
    changes: dict[str, Any] = {field: items}
    if not items:  # `f(\n    x=1\n)` -> `f()`, not `f(\n    )`
        changes.update(_closed(seq))
    return seq, seq.with_changes(**changes)


def _closed(seq: cst.CSTNode) -> dict[str, Any]:
    """What makes an emptied call, list, tuple, set or dict a pair of brackets."""
    none = cst.SimpleWhitespace("")
    if type(seq) is cst.Call:
        return {"whitespace_before_args": none}
    if type(seq) in (cst.List, cst.Set, cst.Dict):
        opening, closing = (
            ("lbrace", "rbrace") if type(seq) is not cst.List else ("lbracket", "rbracket")
        )
        left, right = getattr(seq, opening), getattr(seq, closing)
        return {
            opening: left.with_changes(whitespace_after=none),
            closing: right.with_changes(whitespace_before=none),
        }
    return {}


def _holder(seq: cst.CSTNode, parents: Parents) -> cst.CSTNode | None:
    """The node standing for an emptied list or dict in its own container: the argument
    value of betas= or a header argument, or the value of such a key or an anthropic-beta key."""
    up = parents.get(seq)
    if type(up) is cst.Arg and up.keyword is not None and up.keyword.value in _EMPTIED_ARGS:
        return seq
    if type(up) is cst.DictElement and up.value is seq:  # {"extra_headers": {...}} too
        key = up.key
        if type(key) is cst.SimpleString and key.evaluated_value.lower() in _EMPTIED_KEYS:
            return key
    return None


def statement(node, args, parents):
    """The statement removed (`pass` when it was the only one of its block)."""
    small = parents.get(node) if not isinstance(node, cst.BaseSmallStatement) else node
    line = parents.get(small) if small is not None else None
    if type(line) is not cst.SimpleStatementLine or len(line.body) != 1:
        return None
    block = parents.get(line)
    if isinstance(block, cst.IndentedBlock | cst.Module) and len(block.body) == 1:
        return line, line.with_changes(body=[cst.Pass()])
    return line, cst.RemovalSentinel.REMOVE


def add_keyword(node, args, parents):
    """A keyword argument added at the end of a call, in the call's layout."""
    if type(node) is not cst.Call or args[0] in {a.keyword.value for a in node.args if a.keyword}:
        return None
    items = list(node.args)
    new = _keyword_arg(args[0], args[1])
    if items:
        last = items[-1]
        if last.star:
            return None
        if type(last.comma) is cst.Comma:  # a trailing comma: the new argument keeps it
            between = node.whitespace_before_args
            if type(between) is not cst.ParenthesizedWhitespace:
                between = cst.SimpleWhitespace(" ")
            new = new.with_changes(comma=last.comma)
            items[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=between))
        else:
            space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            items[-1] = last.with_changes(comma=space)
    return node, node.with_changes(args=[*items, new])


def split(node, args, parents):
    """CL301/CL304: an f-string cut before its first replacement field into a plain string of
    its literal start (`args[0]`, checked) and an f-string of the rest: for a block dict, two
    blocks in its list, the marker on the first; for system=, a list of two text blocks with
    the marker `args[1]` on the first, laid out from the argument's indent `args[2]`."""
    stable_text, marker, indent = args
    if marker:
        text = node
    elif type(node) is cst.Dict:
        text = next((e.value for e in node.elements if _key(e) == "text"), None)
    else:
        return None
    halves = _halves(text, stable_text) if type(text) is cst.FormattedString else None
    if halves is None:
        return None
    stable, rest = halves
    if marker:
        arg = parents.get(node)
        if type(arg) is not cst.Arg or arg.keyword is None or arg.keyword.value != "system":
            return None
        code = cst.Module([]).code_for_node
        blocks = [
            f'{{"type": "text", "text": {code(stable)}, "cache_control": {marker}}}',
            f'{{"type": "text", "text": {code(rest)}}}',
        ]
        indent = indent[len(_block_indent(node, parents)) :]  # libcst writes the block's too
        inner = indent + "    "
        listed = "".join(f"\n{inner}{b}," for b in blocks)
        return node, cst.parse_expression(f"[{listed}\n{indent}]")
    element = parents.get(node)
    seq = parents.get(element) if type(element) is cst.Element else None
    if type(seq) is not cst.List:
        return None
    first = _with_text(node, stable)
    second = _with_text(node, rest)
    kept = [e for e in second.elements if _key(e) != "cache_control"]
    if len(kept) == len(second.elements):
        return None
    if _key(second.elements[-1]) == "cache_control":
        kept[-1] = kept[-1].with_changes(comma=second.elements[-1].comma)
    second = second.with_changes(elements=kept)
    between = seq.lbracket.whitespace_after
    if type(between) is not cst.ParenthesizedWhitespace:
        between = cst.SimpleWhitespace(" ")
    comma = cst.Comma(whitespace_after=between)
    items = []
    for e in seq.elements:
        if e is element:
            items += [e.with_changes(value=first, comma=comma), e.with_changes(value=second)]
        else:
            items.append(e)
    return seq, seq.with_changes(elements=items)


def _block_indent(node: cst.CSTNode, parents: Parents) -> str:
    """The indentation libcst writes before each line of the node's statement."""
    blocks, up = [], parents.get(node)
    while up is not None and type(up) is not cst.Module:
        if type(up) is cst.IndentedBlock:
            blocks.append(up.indent)
        up = parents.get(up)
    default = up.default_indent if type(up) is cst.Module else "    "
    return "".join(default if i is None else i for i in blocks)


def _key(element: Any) -> str | None:
    key = getattr(element, "key", None)
    value = key.evaluated_value if type(key) is cst.SimpleString else None
    return value if isinstance(value, str) else None  # a bytes key is no marker key


def _with_text(block: cst.Dict, text: cst.BaseExpression) -> cst.Dict:
    return block.with_changes(
        elements=[e.with_changes(value=text) if _key(e) == "text" else e for e in block.elements]
    )


def _halves(
    fstring: cst.FormattedString, stable: str
) -> tuple[cst.SimpleString, cst.FormattedString] | None:
    """The plain string of the f-string's literal start (None unless it reads `stable`) and
    the f-string of the rest, in the same prefix and quotes."""
    parts = fstring.parts
    if len(parts) < 2 or type(parts[0]) is not cst.FormattedStringText:
        return None
    if type(parts[1]) is not cst.FormattedStringExpression:
        return None
    prefix = fstring.prefix.replace("f", "").replace("F", "")
    literal = parts[0].value.replace("{{", "{").replace("}}", "}")
    plain = cst.SimpleString(f"{prefix}{fstring.quote}{literal}{fstring.quote}")
    if plain.evaluated_value != stable:
        return None
    return plain, fstring.with_changes(parts=parts[1:], lpar=[], rpar=[])


REWRITES: dict[str, Rewrite] = {
    "string": string,
    "beta_item": beta_item,
    "keyword": keyword,
    "name": name,
    "module": module,
    "unwrap": unwrap,
    "sorted": sorted_,
    "remove": remove,
    "statement": statement,
    "add_keyword": add_keyword,
    "split": split,
}
