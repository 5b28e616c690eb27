"""One shared set of findings for every formatter's tests (ruff's `create_diagnostics` manner), and
the rule pages' examples written out as payload files for runs of the real CLI.

The findings are built directly so that they hold what real ones rarely do all at once: commas,
colons, percent signs, CR and LF, XML specials and control characters in messages; commas, colons
and spaces in paths; multi-line spans; a file outside the project; a code no rule page describes;
two findings on lines with the same content. Also the readers the format tests share: a workflow
command read as the Actions runner reads it, and a SARIF document checked against the official
schema and what GitHub code scanning needs.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from cachelint.catalog import catalog
from cachelint.findings import Finding, Severity, Span
from cachelint.formatters import Summary, load

from conftest import ROOT, run_cli

# One request line each: BAD has an invalid ttl (CL103, also CL201); GOOD has no marker at all.
BAD = (
    '{"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": [{"type": "text", '
    '"text": "hi", "cache_control": {"type": "ephemeral", "ttl": "2h"}}]}]}\n'
)
GOOD = '{"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}]}\n'

SUMMARY = Summary(version="0.0.0-test", files_checked=5, errors=3, warnings=3, infos=1)
MARKER_LINE = '      "cache_control": {"type": "ephemeral"}'
OUTSIDE = "/elsewhere/outside.json"  # absolute, outside the project

FINDINGS = [
    Finding(
        code="CL000",
        name="unparsable-input",
        severity=Severity.ERROR,
        path="broken.json",
        span=Span(1, 1, 1, 2),
        message="invalid JSON:\tcontrol character \x01 at offset 7 <here> & 'there'",
        help="Fix the file.",
    ),
    Finding(
        code="CL201",
        name="prefix-below-minimum",
        severity=Severity.INFO,
        path="logs/a,b:c.jsonl",
        span=Span(3, 10, 5, 2),
        message='prefix is about 900 tokens, 88% of 1,024: <system text="x">&amp;</system>\r\nnote',
        help="Move the breakpoint later.",
        snippet='{"model": "claude-sonnet-4-5", "system": [',
    ),
    Finding(
        code="CL101",
        name="too-many-breakpoints",
        severity=Severity.ERROR,
        path="requests/support bot.json",
        span=Span(12, 7, 12, 45),
        message="5 breakpoints, the API accepts 4: this one is the fifth",
        help="Keep at most 4 breakpoints.",
        snippet=MARKER_LINE,
    ),
    Finding(
        code="CL301",
        name="volatile-before-breakpoint",
        severity=Severity.WARNING,
        path="requests/support bot.json",
        span=Span(14, 3, 14, 30),
        message="value changes 100% of the time, e.g. 12:30:05, 'now'\nsecond line: 50%, done",
        help="Move it after the last breakpoint, e.g. into the user turn.",
        snippet='  "text": "Today is 2025-01-01T12:30:05Z, café ☕ 😀"',
    ),
    Finding(
        code="CL101",
        name="too-many-breakpoints",
        severity=Severity.ERROR,
        path="requests/support bot.json",
        span=Span(20, 7, 20, 45),
        message="6 breakpoints, the API accepts 4: this one is the sixth",
        help="Keep at most 4 breakpoints.",
        snippet="\t" + MARKER_LINE.strip(),  # same content as line 12, other indentation
    ),
    Finding(
        code="XY999",
        name="plugin-rule",
        severity=Severity.WARNING,
        path=OUTSIDE,
        span=Span(2, 1, 2, 9),
        message="a finding from a rule no page describes",
        help="",
        snippet='  "x": 1',
        notes=[("the earlier marker", Span(1, 3, 1, 8))],
    ),
]


def render(fmt: str, findings: list[Finding] = FINDINGS, summary: Summary = SUMMARY) -> str:
    """The report of `fmt`, looked up through the registry as the CLI does."""
    out = io.StringIO()
    formatter = load(fmt)(out)
    formatter.start()
    for f in findings:
        formatter.handle(f)
    formatter.finish(summary)
    return out.getvalue()


def enter_project(tmp_path: Path, monkeypatch) -> Path:
    """Work inside `tmp_path/project`, a repository root (it holds `.git`)."""
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    monkeypatch.chdir(project)
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    return project


EXAMPLE_SUFFIX = {"json": ".json", "jsonl": ".jsonl"}


def write_rule_examples(directory: Path, kind: str = "bad") -> list[Path]:
    """Every payload example of the rule pages as a file in `directory` (named after the rule)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for code, info in catalog().items():
        for n, ex in enumerate(info.examples, 1):
            if ex.kind != kind or ex.language not in EXAMPLE_SUFFIX:
                continue
            path = directory / f"{code}-{n}{EXAMPLE_SUFFIX[ex.language]}"
            path.write_text(ex.source, encoding="utf-8")
            written.append(path)
    return written


def run_on_rule_examples(project: Path, fmt: str, *extra: str, env: dict | None = None):
    """The real CLI in `project` on the bad examples of every rule page (named explicitly, so
    all are parsed), in `fmt`; with the findings of the same run in the JSON format, the truth
    the report is compared with."""
    files = [p.relative_to(project).as_posix() for p in write_rule_examples(project / "payloads")]
    proc = run_cli("check", "--format", fmt, *extra, *files, cwd=project, env=env)
    assert proc.returncode == 1, proc.stderr.decode()
    truth = run_cli("check", "--format", "json", *files, cwd=project, env=env)
    findings = json.loads(truth.stdout)["findings"]
    assert {"CL000", "CL101", "CL301"} <= {f["code"] for f in findings}
    return proc.stdout.decode("utf-8"), findings


MACHINE_FORMATS = ("json", "sarif", "gitlab", "junit")


def reported(fmt: str, out: str) -> list:
    """What a machine-readable report lists as findings, read as its consumer reads it."""
    if fmt == "junit":
        cases = ET.fromstring(out.encode("utf-8")).iter("testcase")
        return [c for c in cases if c.find("failure") is not None]
    doc = json.loads(out)
    if fmt == "json":
        return doc["findings"]
    if fmt == "sarif":
        return doc["runs"][0]["results"]
    assert fmt == "gitlab", fmt
    return doc


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    text = text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
    return text.replace("%25", "%")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """One workflow command read as the Actions runner reads it: (command, properties, data)."""
    assert line.startswith("::"), line
    end = line.index("::", 2)
    command, _, props = line[2:end].partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, sep, value = pair.partition("=")
        assert sep, f"property without '=': {pair!r}"
        properties[key] = unescape_property(value)
    return command, properties, unescape_data(line[end + 2 :])


SCHEMA_PATH = ROOT.parent / "shared/data/sarif-schema-2.1.0.json"
# RFC 3986 characters; anything else in a URI must be percent-encoded
URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")


def load_validator() -> jsonschema.protocols.Validator | None:
    """A validator for the official SARIF schema, or None when the schema is not here."""
    if not SCHEMA_PATH.is_file():
        return None
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def check_document(doc: dict, validator) -> dict:
    """What GitHub code scanning needs beyond the schema; returns the run."""
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for r in rules:
        for key in ("shortDescription", "fullDescription", "help"):
            assert r[key]["text"].strip(), f"{r['id']}: empty {key}"
        assert r["defaultConfiguration"]["level"] in ("note", "warning", "error")
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"], "ruleIndex points elsewhere"
        assert result["message"]["text"].strip()
        assert re.fullmatch(
            r"[0-9a-f]{16}:[1-9][0-9]*", result["partialFingerprints"]["primaryLocationLineHash"]
        )
        loc = result["locations"][0]["physicalLocation"]
        assert URI_CHARS.match(loc["artifactLocation"]["uri"]), loc["artifactLocation"]["uri"]
        region = loc["region"]
        assert {"startLine", "startColumn", "endLine", "endColumn"} <= region.keys()
        if region["endLine"] == region["startLine"]:
            assert region["endColumn"] >= region["startColumn"]
    return run
