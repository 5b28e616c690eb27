"""`--format gitlab`: a GitLab Code Quality report (one JSON array).

Paths are relative to `CI_PROJECT_DIR` (else the repository root). The fingerprint hashes the rule,
the path and the content of the flagged line, not the line number, so an issue keeps its identity
when lines move; findings that would share one get a salt, in output order.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from cachelint.findings import Severity
from cachelint.formatters import CollectingFormatter, Summary
from cachelint.formatters.fingerprints import content_hash, located_text
from cachelint.formatters.locations import last_line, relative_to, repo_root
from cachelint.formatters.neutral import shown_finding, shown_path

SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def project_root() -> Path:
    ci = os.environ.get("CI_PROJECT_DIR")
    return Path(ci) if ci else repo_root()


class GitlabFormatter(CollectingFormatter):
    name = "gitlab"

    def finish(self, summary: Summary) -> None:
        root = project_root()
        seen: set[str] = set()
        issues = []
        for f in self.findings:
            path = relative_to(f.path, root) or f.path
            identity = (f.code, path, located_text(f))
            fingerprint, salt = content_hash(*identity), 0
            while fingerprint in seen:
                salt += 1
                fingerprint = content_hash(*identity, str(salt))
            seen.add(fingerprint)
            shown = shown_finding(f)
            issues.append(
                {
                    "description": f"{shown.code}: {shown.message}",
                    "check_name": shown.code,
                    "fingerprint": fingerprint,
                    "severity": SEVERITY[f.severity],
                    "location": {
                        "path": shown_path(path),
                        "lines": {"begin": f.span.line, "end": last_line(f.span)},
                    },
                }
            )
        self.stream.write(orjson.dumps(issues, option=orjson.OPT_INDENT_2).decode() + "\n")
