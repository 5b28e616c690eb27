"""The rule catalog: one Markdown page per rule under `rules/`, with TOML front matter.

A page is the single source for `cachelint rule`, SARIF rule metadata, finding help texts and the
example-driven tests. Fenced blocks tagged ``json bad`` / ``json good`` (also ``jsonl``, ``python``)
are examples; a ``json fixed`` block right after a bad one is what fixing it gives. A trailing
``// expect: CODE`` (JSON) or ``# expect: CODE`` (Python) comment marks the line where a bad
example must be flagged.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from cachelint.findings import Severity
from cachelint.rule_pages import rules_dir

_FRONT = re.compile(r"\A\+\+\+\n(.*?)\n\+\+\+\n", re.S)
_FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)
_SECTION = re.compile(r"^## +(.+?)\s*$", re.M)
_EXPECT = re.compile(r"\s*(?://|#) expect: ?([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)\s*$")


@dataclass(frozen=True, slots=True)
class Example:
    language: str  # json | jsonl | python
    kind: str  # bad | good
    source: str  # with the expect markers removed
    expected: tuple[tuple[int, str], ...]  # (line, code)
    options: dict[str, str] = field(default_factory=dict)  # model=..., platform=..., filename=...
    fixed: str | None = None  # a bad example's source after `--fix --unsafe-fixes`


@dataclass(frozen=True, slots=True)
class RuleInfo:
    code: str
    name: str
    severity: Severity
    summary: str
    applies_to: tuple[str, ...]
    sections: dict[str, str]
    examples: tuple[Example, ...]
    page: str
    path: Path
    severity_note: str = ""  # the severity as the README's table shows it, when it depends

    @property
    def fix(self) -> str:
        return self.sections.get("How to fix", "").strip()

    @property
    def explanation(self) -> str:
        return "\n\n".join(
            s for k, s in self.sections.items() if k in ("What it does", "Why is this bad?")
        )


def _parse_options(words: list[str]) -> dict[str, str]:
    opts = {}
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            opts[k] = v
    return opts


def _strip_expectations(src: str) -> tuple[str, tuple[tuple[int, str], ...]]:
    lines: list[str] = []
    expected: list[tuple[int, str]] = []
    for n, line in enumerate(src.splitlines(), 1):
        m = _EXPECT.search(line)
        if m:
            expected.extend((n, c.strip()) for c in m.group(1).split(","))
            line = line[: m.start()]
        lines.append(line)
    return "\n".join(lines) + "\n", tuple(expected)


def parse_page(text: str, path: Path) -> RuleInfo:
    m = _FRONT.match(text)
    if not m:
        raise ValueError(f"{path}: missing +++ front matter")
    meta = tomllib.loads(m.group(1))
    body = text[m.end() :]
    sections: dict[str, str] = {}
    heads = list(_SECTION.finditer(body))
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(body)
        sections[h.group(1)] = body[h.end() : end].strip()
    examples: list[Example] = []
    for f in _FENCE.finditer(body):
        words = f.group(1).split()
        if len(words) == 2 and words[1] == "fixed" and examples and examples[-1].kind == "bad":
            examples[-1] = replace(examples[-1], fixed=_strip_expectations(f.group(2))[0])
            continue
        if len(words) < 2 or words[1] not in ("bad", "good"):
            continue
        source, expected = _strip_expectations(f.group(2))
        examples.append(Example(words[0], words[1], source, expected, _parse_options(words[2:])))
    return RuleInfo(
        code=meta["code"],
        name=meta["name"],
        severity=Severity(meta["severity"]),
        summary=meta["summary"],
        applies_to=tuple(meta.get("applies-to", ["payload"])),
        sections=sections,
        examples=tuple(examples),
        page=text[m.end() :].strip(),
        path=path,
        severity_note=meta.get("severity-note", ""),
    )


@cache
def catalog() -> dict[str, RuleInfo]:
    out = {}
    for p in sorted(rules_dir().glob("CL*.md")):
        info = parse_page(p.read_text(encoding="utf-8"), p)
        out[info.code] = info
    return out


def rule(code: str) -> RuleInfo:
    return catalog()[code]
