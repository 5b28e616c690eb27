"""Which codes are reported: select / extend-select / ignore, and per-file ignores."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatch
from pathlib import PurePosixPath

from cachelint import rule_pages


class UnknownCode(ValueError):
    """A rule code, prefix or name that matches no rule (the message suggests the nearest)."""


def resolve(token: str) -> str:
    """The code or prefix that `token` stands for: `ALL`, a code (`CL301`), a prefix of at least
    one code (`CL3`), or a rule name (`volatile-before-breakpoint`). Fails closed: anything
    else is UnknownCode, so a typo never selects or ignores nothing in silence."""
    token = token.strip()
    upper = token.upper()
    codes = rule_pages.codes()
    if upper == "ALL":
        return upper
    if upper.startswith("CL") and upper[2:].isdigit() and any(c.startswith(upper) for c in codes):
        return upper
    names = rule_pages.names()
    if token.lower() in names:
        return names[token.lower()]
    import difflib

    near = difflib.get_close_matches(token.lower(), list(names), n=1, cutoff=0.6)
    near = near or difflib.get_close_matches(upper, list(codes), n=1, cutoff=0.6)
    hint = f" (did you mean {near[0]}?)" if near else " (see `cachelint rules`)"
    raise UnknownCode(f"unknown rule code or name '{token}'{hint}")


# Rules that ALL leaves out, as ruff's RUF100 is not in its defaults: they report on the
# configuration of the linter itself (suppression comments), which a project opts in to by naming
# them (`extend-select = ["CL001"]`, or a prefix such as CL0).
OPT_IN = frozenset({"CL001"})


def _matches(code: str, prefix: str) -> bool:
    return prefix == "ALL" or code.startswith(prefix)


def _selects(code: str, prefix: str) -> bool:
    return code.startswith(prefix) if code in OPT_IN else _matches(code, prefix)


class Selection:
    def __init__(self, select: Iterable[str], extend: Iterable[str], ignore: Iterable[str]) -> None:
        sel = list(select) + list(extend)
        ign = list(ignore)

        # Ruff-style: the more specific of a select and an ignore prefix wins.
        def enabled(code: str) -> bool:
            best_sel = max((len(p) for p in sel if _selects(code, p)), default=-1)
            best_ign = max((len(p) for p in ign if _matches(code, p)), default=-1)
            return best_sel >= 0 and best_sel > best_ign

        self.codes = frozenset(c for c in rule_pages.codes() if enabled(c))

    def __call__(self, code: str) -> bool:
        return code in self.codes


class PerFileIgnores:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.rules = [(g.lstrip("./"), tuple(codes)) for g, codes in table.items()]

    def ignored(self, rel_path: str) -> tuple[str, ...]:
        """Codes ignored for a path relative to the config root (POSIX separators)."""
        out: list[str] = []
        p = PurePosixPath(rel_path)
        for glob, codes in self.rules:
            negate = glob.startswith("!")
            pattern = glob[1:] if negate else glob
            hit = fnmatch(rel_path, pattern) or fnmatch(p.name, pattern) or p.match(pattern)
            if "/" not in pattern and not hit:
                hit = any(fnmatch(part, pattern) for part in p.parts[:-1])
            if hit != negate:
                out.extend(codes)
        return tuple(out)


def is_ignored(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(_matches(code, p) for p in prefixes)
