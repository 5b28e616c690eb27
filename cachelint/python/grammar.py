"""Python syntax newer than the CPython that runs cachelint, read by rewriting it into that
CPython's grammar with every line kept where it is (findings point into the file as written).

- Python 3.12: type parameters (PEP 695, `def f[T](...)`, `class C[T]:`, and 3.13's defaults),
  `type X = ...` statements, and f-strings that reuse their own quotes inside a replacement
  field (PEP 701, `f"{d["key"]}"`);
- Python 3.14: `except A, B:` without parentheses (PEP 758) and template strings (PEP 750,
  `t"..."`, read as the f-string they are built like).

Columns stay the same, except the name of a `type` statement (moved to where `type` was) and the
columns after `except` on a PEP 758 line (one to the right). What cannot be rewritten safely
(a backslash or a comment inside a replacement field, a quote that no other quote can replace)
stays a syntax error.
"""

from __future__ import annotations

import ast
import re
import warnings
from functools import cache

_MAX_NESTING = 8  # f-strings inside f-strings: CPython's own limit is lower

# `except A, B:` without `as`: dotted names and commas only
_PEP758_CLAUSE = re.compile(
    r"^(?P<head>[ \t]*except\*?[ \t]+)(?P<types>[\w.]+(?:[ \t]*,[ \t]*[\w.]+)+)(?P<tail>[ \t]*:)",
    re.MULTILINE,
)
# found in the text with strings and comments blanked out
_GENERIC_HEAD = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w+[ \t]*(?=\[)", re.M)
_TYPE_STATEMENT = re.compile(r"^(?P<indent>[ \t]*)type[ \t]+(?P<name>\w+)[ \t]*(?=[\[=])", re.M)
_STRING_START = re.compile(r"(?i:[rbuft]{0,2})('''|\"\"\"|'|\")")
_OPEN, _CLOSE = "([{", ")]}"
# where a scan of code can have something to do: a string (after a prefix that starts a token),
# a comment, a bracket, and the ends of a replacement field
_CODE_STOP = re.compile(r"""[#\\\n'"()\[\]{}:!]|(?<!\w)(?i:[rbuft]{1,2})(?=['"])""")
_NOT_NEWLINE = re.compile(r"[^\n]")


class _Unreadable(Exception):
    """A construct that has no rewrite into the older grammar."""


class _Broken(_Unreadable):
    """Source that no grammar reads (a string that does not end)."""


def read_newer(text: str) -> tuple[ast.Module | None, bool]:
    """The tree of `text` read with its newer syntax rewritten (None when that does not make
    it parse), and whether it has newer syntax at all (for the message of a syntax error)."""
    try:
        fixed = rewrite(text)
    except _Broken:
        return None, False
    except (_Unreadable, RecursionError):
        return None, True  # a replacement field that an older Python cannot read
    if fixed == text:
        return None, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(fixed), True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None, True


def rewrite(text: str) -> str:
    """`text` in the older grammar, line for line. The statements to rewrite are found in the
    text with strings and comments blanked out, so nothing inside a string changes but its
    quotes, prefix and escapes. Raises _Unreadable."""
    chars, code = _Strings(text).scan()
    _blank_type_parameters(chars, code)
    for m in _TYPE_STATEMENT.finditer(code):
        chars[m.start() : m.end()] = f"{m['indent']}{m['name']}".ljust(len(m[0]))
    for m in reversed(list(_PEP758_CLAUSE.finditer(code))):  # from the end: it adds columns
        start, end = m.span("types")
        chars[start:end] = ["(", *chars[start:end], ")"]
    return "".join(chars)


def _blank_type_parameters(chars: list[str], code: str) -> None:
    """Blank the `[...]` after `def name` / `class name` / `type name`; a line break inside
    becomes a backslash continuation, so lines stay where they are."""
    heads = [m.end() for m in _GENERIC_HEAD.finditer(code)]
    heads += [m.end() for m in _TYPE_STATEMENT.finditer(code) if code[m.end()] == "["]
    for start in heads:
        end = _matching(code, start)
        if end is None:
            continue
        for i in range(start, end + 1):
            if chars[i] == "\n":
                if i == start or chars[i - 1] == "\n":
                    return  # an empty line inside: no continuation keeps it
                chars[i - 1] = "\\"
            elif chars[i] != "\\":
                chars[i] = " "


def _matching(code: str, start: int) -> int | None:
    """Index of the bracket closing the one at `start` (strings and comments already blank)."""
    depth = 0
    for i in range(start, len(code)):
        c = code[i]
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return None


class _Strings:
    """One pass over the source: string literals and comments found (blanked in the text that
    `scan` gives, for the searches above), strings nested in f-strings given the quote the
    older grammar needs, escapes in replacement fields blanked, `t` prefixes read as `f`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.chars = list(text)
        self.spans: list[tuple[int, int]] = []  # strings and comments of the module's own code

    def scan(self) -> tuple[list[str], str]:
        """The rewritten characters, and the text with strings and comments blanked out."""
        self._code(0, None, ())
        text, pieces, at = self.text, [], 0
        for start, end in self.spans:
            pieces += [text[at:start], _NOT_NEWLINE.sub(" ", text[start:end])]
            at = end
        pieces.append(text[at:])
        return self.chars, "".join(pieces)

    def _code(self, i: int, field_quote: str | None, enclosing: tuple[str, ...]) -> int:
        """Scan code from `i`: the whole module (`field_quote` None), or a replacement field of
        an f-string quoted `field_quote`, up to its `}`, `:` or `!` (returned)."""
        text, n, depth, search = self.text, len(self.text), 0, _CODE_STOP.search
        while (m := search(text, i)) is not None:
            i = m.start()
            c = text[i]
            if c == "#":
                if field_quote is not None:
                    raise _Unreadable("a comment inside a replacement field")
                end = text.find("\n", i)
                end = n if end < 0 else end
                self.spans.append((i, end))
                i = end
                continue
            # a quote, or a prefix the search found before one
            if (c in "'\"" or c.isalpha()) and (s := _STRING_START.match(text, i)):
                i = self._string(i, s, enclosing)
                continue
            if field_quote is not None:
                if c == "\\":
                    raise _Unreadable("a backslash inside a replacement field")
                if c == "\n" and len(field_quote) == 1:
                    raise _Unreadable(
                        "a line break inside a replacement field of a one-line string"
                    )
                if depth == 0 and (c in ":}" or (c == "!" and text[i + 1 : i + 2] != "=")):
                    return i
            if c in _OPEN:
                depth += 1
            elif c in _CLOSE:
                depth -= 1
            i += 1
        if field_quote is not None:
            raise _Broken("an f-string that does not end")
        return n

    def _string(self, i: int, m: re.Match[str], enclosing: tuple[str, ...]) -> int:
        """Scan the string literal starting at `i`; the index after it. A string nested in an
        f-string whose quote would end a string around it in the older grammar (which finds
        the end of an f-string before reading its fields) gets the other quote."""
        prefix, quote = m[0][: -len(m[1])], m[1]
        body = m.end()
        lower = prefix.lower()
        written = quote
        if any(_clashes(quote, e) for e in enclosing):
            written = quote.translate(str.maketrans("'\"", "\"'"))
            if any(_clashes(written, e) for e in enclosing):
                raise _Unreadable("no quote is left for a string nested this deep")
        for k, p in enumerate(prefix):
            if p in "tT":
                self.chars[i + k] = "f" if p == "t" else "F"
        if "f" in lower or "t" in lower:
            if len(enclosing) >= _MAX_NESTING:
                raise _Unreadable("f-strings nested too deeply")
            end = self._fstring_body(body, quote, "r" in lower, (*enclosing, written))
        else:
            end = self._plain_body(body, quote, blank_escapes=bool(enclosing))
        close = end - len(quote)
        if enclosing and any(_clashes(q, e) for q in self.chars[body:close] for e in enclosing):
            raise _Unreadable("a quote of a string around it is inside a nested string")
        if written != quote:
            if written[0] in self.chars[body:close]:
                raise _Unreadable("the other quote is inside the string")
            self.chars[body - len(quote) : body] = written
            self.chars[close:end] = written
        if not enclosing:
            self.spans.append((i, end))
        return end

    def _plain_body(self, i: int, quote: str, blank_escapes: bool) -> int:
        """The index after a string without fields whose body starts at `i`. With
        `blank_escapes` (a string inside a replacement field), escapes are blanked."""
        text, search = self.text, _body_stop(quote, False).search
        while (m := search(text, i)) is not None:
            i = m.start()
            c = text[i]
            if c == "\\":
                if blank_escapes:
                    self._blank_escape(i, i + 2)
                i += 2
            elif c == "\n":
                if len(quote) == 1:
                    raise _Broken("a one-line string that does not end")
                i += 1
            else:
                return i + len(quote)
        raise _Broken("a string that does not end")

    def _fstring_body(self, i: int, quote: str, raw: bool, enclosing: tuple[str, ...]) -> int:
        text, n, nested = self.text, len(self.text), len(enclosing) > 1
        search = _body_stop(quote, True).search
        while (m := search(text, i)) is not None:
            i = m.start()
            c = text[i]
            if c == "\\":  # an escape, `\N{name}` whole; a brace after it still opens a field
                start = i
                if not raw and text.startswith("N{", i + 1):
                    i = text.find("}", i) + 1 or n
                elif text[i + 1 : i + 2] not in ("{", "}"):
                    i += 2
                else:
                    i += 1
                if nested:  # inside a field of another f-string: no backslash there
                    self._blank_escape(start, i)
            elif c == "\n":
                if len(quote) == 1:
                    raise _Broken("a one-line f-string that does not end")
                i += 1
            elif c == "{":
                i = i + 2 if text.startswith("{{", i) else self._field(i + 1, quote, enclosing)
            else:
                return i + len(quote)
        raise _Broken("an f-string that does not end")

    def _field(self, i: int, quote: str, enclosing: tuple[str, ...]) -> int:
        """Scan a replacement field after its `{`: the expression, a conversion, a format spec
        with fields of its own; the index after its `}`."""
        text = self.text
        i = self._code(i, quote, enclosing)
        if text[i] == "!":
            i += 2
        if text[i : i + 1] == ":":
            i += 1
            while i < len(text) and text[i] != "}":
                if text[i] == "{":
                    i = self._field(i + 1, quote, enclosing)
                    continue
                if text.startswith(quote, i) or (text[i] == "\n" and len(quote) == 1):
                    raise _Broken("a format spec that does not end")
                i += 1
        if text[i : i + 1] != "}":
            raise _Broken("a replacement field that does not end")
        return i + 1

    def _blank_escape(self, start: int, end: int) -> None:
        """Spaces for an escape inside a replacement field, where the older grammar allows no
        backslash: the string's value is approximate there, its length and lines are kept."""
        chars = self.chars
        for k in range(start, min(end, len(chars))):
            if chars[k] != "\n":
                chars[k] = " "


def _clashes(quote: str, around: str) -> bool:
    """Whether a string quoted `quote` (or a quote character inside a nested string) ends one
    quoted `around` early in the older grammar, which finds the end of an f-string before
    reading its fields. (Three quotes in a row inside a string are left to the parser.)"""
    return quote[0] == around[0] and (len(around) == 1 or len(quote) == 3)


@cache
def _body_stop(quote: str, fields: bool) -> re.Pattern[str]:
    """Where a scan of a string body quoted `quote` has something to do."""
    return re.compile(r"\\|\n|" + ("{|" if fields else "") + re.escape(quote))
