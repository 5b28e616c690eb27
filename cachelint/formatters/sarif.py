"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and SARIF viewers.

Rule metadata comes from the rule catalog; locations are URIs relative to the repository root
(`%SRCROOT%`); every result carries a `primaryLocationLineHash` built from its rule, file and
line content, so alerts survive edits that move lines.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import orjson

from cachelint.catalog import RuleInfo, catalog
from cachelint.findings import Finding, Severity, Span
from cachelint.fixes import Fix
from cachelint.formatters import CollectingFormatter, Summary
from cachelint.formatters.fingerprints import content_hash, located_text
from cachelint.formatters.locations import artifact_uri, directory_uri, repo_root
from cachelint.formatters.neutral import fix_label, shown_finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "recommendation",
}

# Rule pages mark where bad examples are flagged (`// expect: CL101`) and carry test options on the
# fence (```json bad model=...): scaffolding for the test suite, not for readers.
_EXPECT = re.compile(r"[ \t]*(?://|#) expect: ?[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*[ \t]*$", re.M)
_FENCE_INFO = re.compile(r"^```([\w+-]+)[ \t]+(?:bad|good)\b[^\n]*$", re.M)


def help_markdown(info: RuleInfo) -> str:
    return _FENCE_INFO.sub(r"```\1", _EXPECT.sub("", info.page))


def rule_descriptor(info: RuleInfo) -> dict:
    """The rule once per report: its page in `help.markdown` only; plain text keeps to the first
    paragraph of what it does (fullDescription) and the fix (help.text)."""
    what = info.sections.get("What it does", "").strip().split("\n\n")[0]
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": " ".join(what.split()) or info.summary},
        "help": {"text": info.fix or info.summary, "markdown": help_markdown(info)},
        "defaultConfiguration": {"level": LEVEL[info.severity]},
        "properties": {
            "tags": ["prompt-caching", *info.applies_to],
            "problem.severity": PROBLEM_SEVERITY[info.severity],
        },
    }


def _unknown_rule(f: Finding) -> dict:
    """A descriptor for a code the catalog does not know (a plugin's), built from the finding."""
    name = f.name or f.code
    return {
        "id": f.code,
        "name": name,
        "shortDescription": {"text": name},
        "fullDescription": {"text": name},
        "help": {"text": f.help or name},
        "defaultConfiguration": {"level": LEVEL[f.severity]},
    }


def _region(span: Span) -> dict:
    multiline = span.end_line > span.line
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line if multiline else span.line,
        "endColumn": span.end_column if multiline else max(span.column, span.end_column),
    }


class SarifFormatter(CollectingFormatter):
    name = "sarif"

    def finish(self, summary: Summary) -> None:
        cwd = Path.cwd()
        root = repo_root(cwd)
        rules = [rule_descriptor(info) for info in catalog().values()]
        index = {r["id"]: i for i, r in enumerate(rules)}
        for f in self.findings:
            if f.code not in index:
                index[f.code] = len(rules)
                rules.append(_unknown_rule(shown_finding(f)))
        seen: Counter[str] = Counter()
        results = []
        for f in self.findings:
            location = self._location(f.path, f.span, root)
            uri = location["physicalLocation"]["artifactLocation"]["uri"]
            line_hash = content_hash(f.code, uri, located_text(f))
            seen[line_hash] += 1
            fingerprint = f"{line_hash}:{seen[line_hash]}"
            shown = shown_finding(f)  # the location's URI is from the path as it is
            result = {
                "ruleId": shown.code,
                "ruleIndex": index[f.code],
                "level": LEVEL[f.severity],
                "message": {"text": shown.message or shown.name or shown.code},
                "locations": [location],
                "partialFingerprints": {"primaryLocationLineHash": fingerprint},
            }
            if f.notes:
                result["relatedLocations"] = [
                    {"id": i, **self._location(f.path, span, root), "message": {"text": msg}}
                    for i, (msg, span) in enumerate(shown.notes, 1)
                ]
            if f.fix is not None:
                result["fixes"] = [_fix(f.fix, location)]
            results.append(result)
        run = {
            "tool": {
                "driver": {
                    "name": "cachelint",
                    "version": summary.version,
                    "rules": rules,
                }
            },
            "invocations": [
                {"executionSuccessful": True, "workingDirectory": {"uri": directory_uri(cwd)}}
            ],
            "originalUriBaseIds": {SRCROOT: {"uri": directory_uri(root)}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }
        doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
        self.stream.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")

    @staticmethod
    def _location(path: str, span: Span, root: Path) -> dict:
        uri, relative = artifact_uri(path, root)
        artifact = {"uri": uri, "uriBaseId": SRCROOT} if relative else {"uri": uri}
        return {"physicalLocation": {"artifactLocation": artifact, "region": _region(span)}}


def _fix(fix: Fix, location: dict) -> dict:
    """A SARIF fix: the edits as replacements in the finding's artifact."""
    return {
        "description": {"text": fix_label(fix)},
        "artifactChanges": [
            {
                "artifactLocation": location["physicalLocation"]["artifactLocation"],
                "replacements": [
                    {"deletedRegion": _region(e.span), "insertedContent": {"text": e.content}}
                    for e in fix.text_edits
                ],
            }
        ],
    }
