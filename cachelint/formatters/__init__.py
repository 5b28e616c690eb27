"""Report formatters: one interface (start, handle each finding, finish), found by entry point.

Built-ins are registered in the `cachelint.formatters` entry-point group like third-party ones
(so `available()` lists them even from a source tree that is not installed); a built-in name is
loaded from the built-in table without reading the installed packages' metadata, which costs more
than a warm run's checking.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import ClassVar, TextIO

from cachelint.findings import Finding

GROUP = "cachelint.formatters"
BUILTIN = {
    "text": "cachelint.formatters.text:TextFormatter",
    "concise": "cachelint.formatters.concise:ConciseFormatter",
    "json": "cachelint.formatters.json_report:JsonFormatter",
    "sarif": "cachelint.formatters.sarif:SarifFormatter",
    "github": "cachelint.formatters.github:GithubFormatter",
    "gitlab": "cachelint.formatters.gitlab:GitlabFormatter",
    "junit": "cachelint.formatters.junit:JunitFormatter",
}


@dataclass(frozen=True, slots=True)
class Summary:
    version: str
    files_checked: int
    errors: int
    warnings: int
    infos: int

    @property
    def total(self) -> int:
        return self.errors + self.warnings + self.infos


class Formatter:
    """Base class. `stream` is the terminal or a file opened by the CLI; never open files here."""

    name: ClassVar[str] = ""
    human: ClassVar[bool] = False  # prints a summary line for people

    def __init__(self, stream: TextIO, *, quiet: bool = False, color: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self.color = color

    def start(self) -> None:
        """Called once before any finding."""

    def handle(self, finding: Finding) -> None:
        """Called for each finding, in output order."""

    def finish(self, summary: Summary) -> None:
        """Called once at the end; collecting formatters write their document here."""


class CollectingFormatter(Formatter):
    """For formats that write one document at the end: the findings are kept until `finish`."""

    def start(self) -> None:
        self.findings: list[Finding] = []

    def handle(self, finding: Finding) -> None:
        self.findings.append(finding)


class UnknownFormat(KeyError):
    """No built-in or installed formatter has this name."""


def available() -> dict[str, str]:
    from importlib.metadata import entry_points

    found = dict(BUILTIN)
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep.value
    return found


def load(name: str) -> type[Formatter]:
    if name in BUILTIN:
        module, attr = BUILTIN[name].split(":")
        return getattr(importlib.import_module(module), attr)
    from importlib.metadata import entry_points

    for ep in entry_points(group=GROUP):
        if ep.name == name:
            return ep.load()
    raise UnknownFormat(name)
