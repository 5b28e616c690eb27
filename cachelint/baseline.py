"""Baselines: today's findings, recorded so that a large repository can adopt cachelint and fail
only on new ones (`--write-baseline FILE`, then `--baseline FILE` or `baseline = "FILE"`).

A finding is recorded by its fingerprint: its rule, its file and the content it points at, never
its line number (`formatters/fingerprints.py`, as SARIF and GitLab reports identify findings), so
edits elsewhere in the file keep it known. A fingerprint recorded N times covers N findings.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import orjson

from cachelint.findings import Finding
from cachelint.formatters.fingerprints import content_hash, located_text

FORMAT = 1
MAX_SIZE = 64 * 1024 * 1024


class BaselineError(Exception):
    """A baseline file that cannot be read or is not one (exit 2)."""


def fingerprint(f: Finding) -> str:
    return content_hash(f.code, f.path, located_text(f) or f.message)


def write(path: Path, findings: list[Finding]) -> None:
    doc = {
        "cachelint-baseline": FORMAT,
        "findings": [
            {"fingerprint": fingerprint(f), "code": f.code, "path": f.path, "line": f.span.line}
            for f in findings
        ],
    }
    try:
        path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
    except OSError as e:
        raise BaselineError(f"cannot write baseline {path}: {e.strerror}") from None


def load(path: Path) -> Counter[str]:
    """The fingerprints of a baseline file, each with how many findings it covers."""
    from cachelint.reading import read_error, read_regular

    if not os.path.exists(path):
        raise BaselineError(f"baseline {path}: no such file (make one with --write-baseline)")
    try:
        data = read_regular(path, MAX_SIZE)
    except OSError as e:
        raise BaselineError(f"baseline {path}: {read_error(e)}") from None
    try:
        doc = orjson.loads(data)
        if doc.get("cachelint-baseline") != FORMAT:
            raise ValueError("not a cachelint baseline")
        return Counter(str(item["fingerprint"]) for item in doc["findings"])
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise BaselineError(f"baseline {path}: {e}") from None


def new(findings: list[Finding], known: Counter[str]) -> list[Finding]:
    """The findings the baseline does not cover."""
    left = Counter(known)
    out = []
    for f in findings:
        fp = fingerprint(f)
        if left[fp] > 0:
            left[fp] -= 1
        else:
            out.append(f)
    return out
