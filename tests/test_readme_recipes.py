"""The CI recipes in the README's "CI and editors" section run as written: every `cachelint
check` command line of its YAML and shell blocks is run on a project with a defect."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from conftest import ROOT, run_cli
from format_fixtures import BAD, reported

SECTION = (ROOT / "README.md").read_text(encoding="utf-8").split("## CI and editors", 1)[1]
SECTION = SECTION.split("\n## ", 1)[0]
BLOCKS = re.findall(r"^```(yaml|sh)\n(.*?)^```", SECTION, re.S | re.M)
COMMANDS = [
    m.group(1).strip() for _, body in BLOCKS for m in re.finditer(r"(cachelint check[^\n#]*)", body)
]


def test_the_section_has_the_recipes():
    assert {kind for kind, _ in BLOCKS} == {"yaml", "sh"}
    assert len(COMMANDS) >= 4
    for kind, body in BLOCKS:
        if kind == "yaml":
            assert yaml.safe_load(body)
    workflow = next(yaml.safe_load(b) for k, b in BLOCKS if k == "yaml" and "jobs:" in b)
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["cachelint"]["steps"]
    assert any(s.get("uses") == "github/codeql-action/upload-sarif@v4" for s in steps)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_runs(command, tmp_path):
    (tmp_path / "requests").mkdir()
    (tmp_path / "requests" / "support.json").write_text(BAD, encoding="utf-8")
    args = shlex.split(command.split("<")[0])[2:]  # after "cachelint check"; stdin comes below
    proc = run_cli("check", *args, cwd=tmp_path, stdin=BAD.encode())
    assert proc.returncode == 1, proc.stderr.decode()
    assert b"CL103" in proc.stdout
    for spec in (args[i + 1] for i, a in enumerate(args) if a == "--output"):
        fmt, _, target = spec.partition(":")
        report = (tmp_path / target).read_text(encoding="utf-8")
        assert reported(fmt, report), f"{target} holds no findings"
