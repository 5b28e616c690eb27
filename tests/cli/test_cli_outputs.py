"""Choosing report formats on the command line: several reports from one run, usage errors for
unknown names, and formats that other packages install through the entry-point group."""

from __future__ import annotations

import json
import os

import pytest

from cachelint.formatters import BUILTIN

from conftest import run_cli
from format_fixtures import BAD, GOOD, MACHINE_FORMATS, reported


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "req.json").write_text(BAD, encoding="utf-8")
    return tmp_path


def test_sarif_to_a_file_and_text_to_the_terminal(project):
    proc = run_cli("check", "req.json", "--output", "sarif:out/results.sarif", cwd=project)
    assert proc.returncode == 2  # the folder does not exist: a usage error, not a crash
    assert b"cannot write out/results.sarif" in proc.stderr
    proc = run_cli("check", "req.json", "--output", "sarif:results.sarif", cwd=project)
    assert proc.returncode == 1
    text = proc.stdout.decode()
    assert "req.json:1:" in text and "error[CL103]" in text and "Found " in text
    doc = json.loads((project / "results.sarif").read_text(encoding="utf-8"))
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"CL103"}
    assert len(results) == text.count("\n  = help:")  # the same findings in both reports


def test_several_outputs_in_one_run(project):
    proc = run_cli(
        "check",
        "--format",
        "concise",
        "--output",
        "junit:report.xml",
        "--output",
        "gitlab:gl-code-quality-report.json",
        "--output",
        "github:annotations.txt",
        "req.json",
        cwd=project,
    )
    assert proc.returncode == 1
    n = len(proc.stdout.decode().splitlines()) - 1  # the concise lines, then the summary
    assert n >= 1
    for fmt, name in (("junit", "report.xml"), ("gitlab", "gl-code-quality-report.json")):
        assert len(reported(fmt, (project / name).read_text(encoding="utf-8"))) == n
    assert len((project / "annotations.txt").read_text(encoding="utf-8").splitlines()) == n


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "sariff"),
        ("--output", "sariff:report.sarif"),
        ("--output", "sarif:ok.sarif", "--output", "nope:report.txt"),
    ],
)
def test_unknown_format_is_a_usage_error(project, args):
    proc = run_cli("check", *args, "req.json", cwd=project)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "unknown format" in err and "sarif" in err  # names the available ones
    assert not proc.stdout
    assert not (project / "report.sarif").exists() and not (project / "report.txt").exists()
    assert not (project / "ok.sarif").exists(), "nothing is written before the names are checked"


def test_output_without_a_file_is_a_usage_error(project):
    proc = run_cli("check", "--output", "sarif", "req.json", cwd=project)
    assert proc.returncode == 2 and b"FORMAT:FILE" in proc.stderr


def test_help_lists_the_installed_formats():
    out = run_cli("check", "--help").stdout.decode()
    listed = " ".join(out.split())
    for name in BUILTIN:
        assert name in listed
    assert "--format FORMAT" in out


def test_a_package_can_add_a_format(project, tmp_path_factory):
    """A third-party formatter, installed as a distribution with an entry point, is used and
    listed: nothing in cachelint names it."""
    site = tmp_path_factory.mktemp("site")
    (site / "shout_format.py").write_text(
        "from cachelint.formatters import Formatter\n\n"
        "class Shout(Formatter):\n"
        "    def handle(self, finding):\n"
        "        self.stream.write(f'{finding.code} AT {finding.path}:{finding.span.line}!\\n')\n",
        encoding="utf-8",
    )
    dist = site / "shout_format-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: shout-format\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[cachelint.formatters]\nshout = shout_format:Shout\n", encoding="utf-8"
    )
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    proc = run_cli("check", "--format", "shout", "req.json", cwd=project, env=env)
    assert proc.returncode == 1, proc.stderr.decode()
    assert "CL103 AT req.json:1!" in proc.stdout.decode()
    assert "shout" in run_cli("check", "--help", env=env).stdout.decode()
    assert run_cli("check", "--format", "shout", "req.json", cwd=project).returncode == 2


@pytest.mark.parametrize("fmt", sorted(BUILTIN))
def test_every_format_on_a_clean_run(fmt, tmp_path):
    (tmp_path / "clean.json").write_text(GOOD, encoding="utf-8")
    proc = run_cli("check", "--format", fmt, "clean.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    out = proc.stdout.decode()
    if fmt in MACHINE_FORMATS:
        assert reported(fmt, out) == []
    else:
        assert "CL" not in out and "::" not in out
