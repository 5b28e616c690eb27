"""`--format json`: one object {"version", "findings", "summary"}."""

from __future__ import annotations

import orjson

from cachelint.findings import Finding
from cachelint.formatters import Formatter, Summary
from cachelint.formatters.neutral import shown_finding


class JsonFormatter(Formatter):
    name = "json"

    def start(self) -> None:
        self.findings: list[dict] = []

    def handle(self, finding: Finding) -> None:
        self.findings.append(shown_finding(finding).to_dict())

    def finish(self, summary: Summary) -> None:
        doc = {
            "version": summary.version,
            "findings": self.findings,
            "summary": {
                "files_checked": summary.files_checked,
                "total": summary.total,
                "errors": summary.errors,
                "warnings": summary.warnings,
                "infos": summary.infos,
            },
        }
        self.stream.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")
