"""Options for adopting cachelint in a large repository and tuning a CI gate, as ruff offers them:
baselines, --fail-on, --statistics, --extend-ignore, --exclude, --show-settings, --show-files,
--color, and --help in groups."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples"


@pytest.fixture
def proj(tmp_path) -> Path:
    for name in ("support_bot_request.json", "clean_request.json", "bedrock_converse_request.json"):
        (tmp_path / name).write_bytes((EXAMPLES / name).read_bytes())
    return tmp_path


def _run(proj: Path, *args: str):
    return run_cli("check", ".", "--no-cache", *args, cwd=proj)


def _findings(proj: Path, *args: str) -> list[dict]:
    r = _run(proj, "--format", "json", *args)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)["findings"]


def test_a_baseline_reports_only_new_findings(proj):
    everything = _findings(proj)
    assert len(everything) > 3
    base = proj / ".cachelint-baseline.json"
    r = _run(proj, "--write-baseline", str(base))
    assert r.returncode == 0 and f"Wrote {len(everything)} findings".encode() in r.stdout
    r = _run(proj, "--baseline", str(base))
    assert r.returncode == 0 and b"All checks passed" in r.stdout
    # an edit above the findings moves their lines: they stay known
    bot = proj / "support_bot_request.json"
    bot.write_text("\n\n" + bot.read_text())
    assert _findings(proj, "--baseline", str(base)) == []
    # a new defect is reported, and fails the run
    (proj / "new.json").write_bytes((EXAMPLES / "support_bot_request.json").read_bytes())
    new = _findings(proj, "--baseline", str(base))
    assert new and {f["path"] for f in new} == {"new.json"}
    assert _run(proj, "--baseline", str(base)).returncode == 1
    # from the config too, relative to it
    (proj / "cachelint.toml").write_text('baseline = ".cachelint-baseline.json"\n')
    assert {f["path"] for f in _findings(proj)} == {"new.json"}


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, b"no such file"), (b"[1, 2]", b"baseline"), (b"{", b"baseline")],
)
def test_a_baseline_that_cannot_be_read_is_an_error(proj, content, message):
    base = proj / "base.json"
    if content is not None:
        base.write_bytes(content)
    r = _run(proj, "--baseline", str(base))
    assert r.returncode == 2 and message in r.stderr and b"Traceback" not in r.stderr


def test_fail_on_sets_the_lowest_severity_that_fails(proj):
    sev = {f["severity"] for f in _findings(proj)}
    assert "error" in sev
    assert _run(proj, "--fail-on", "error").returncode == 1
    (proj / "cachelint.toml").write_text('select = ["CL202"]\n')
    (proj / "warn.json").write_bytes(
        b'{"model": "claude-unknown-9", "max_tokens": 1, "system": [{"type": "text", "text": "x",'
        b' "cache_control": {"type": "ephemeral"}}],'
        b' "messages": [{"role": "user", "content": "hi"}]}'
    )
    found = _findings(proj)
    assert [f["severity"] for f in found] == ["warning"]
    assert _run(proj).returncode == 1, "warnings fail by default"
    assert _run(proj, "--fail-on", "error").returncode == 0
    (proj / "cachelint.toml").write_text('select = ["CL202"]\nfail-on = "error"\n')
    assert _run(proj).returncode == 0
    assert _run(proj, "--fail-on", "warning").returncode == 1, "the command line wins"


def test_statistics_count_findings_per_rule(proj):
    found = _findings(proj)
    r = _run(proj, "--statistics")
    lines = r.stdout.decode().splitlines()
    counts = {ln.split()[1]: int(ln.split()[0]) for ln in lines}
    expected: dict[str, int] = {}
    for f in found:
        expected[f["code"]] = expected.get(f["code"], 0) + 1
    assert counts == expected and r.returncode == 1


def test_extend_ignore_and_excludes_on_the_command_line(proj):
    codes = {f["code"] for f in _findings(proj)}
    assert "CL102" in codes
    assert {f["code"] for f in _findings(proj, "--extend-ignore", "ttl-order")} == codes - {"CL102"}
    paths = {f["path"] for f in _findings(proj)}
    assert {f["path"] for f in _findings(proj, "--extend-exclude", "support_*")} == paths - {
        "support_bot_request.json"
    }
    (proj / "cachelint.toml").write_text('extend-exclude = ["bedrock_*"]\n')
    got = {f["path"] for f in _findings(proj)}
    assert "bedrock_converse_request.json" not in got
    assert "bedrock_converse_request.json" in {f["path"] for f in _findings(proj, "--exclude", "x")}


def test_show_files_and_show_settings(proj):
    (proj / "cachelint.toml").write_text('ignore = ["CL2"]\nextend-exclude = ["clean_*"]\n')
    r = run_cli("check", "--show-files", cwd=proj)
    assert r.returncode == 0
    assert r.stdout.decode().split() == [
        "bedrock_converse_request.json",
        "support_bot_request.json",
    ]
    r = run_cli("check", "--show-settings", "--select", "CL1,CL2", cwd=proj)
    assert r.returncode == 0
    settings = dict(line.split(" = ", 1) for line in r.stdout.decode().splitlines())
    assert json.loads(settings["config"]).endswith("cachelint.toml")
    assert json.loads(settings["rules"]).split() == [
        "CL101",
        "CL102",
        "CL103",
        "CL104",
        "CL105",
        "CL106",
        "CL201",
        "CL202",
    ] or "CL201" not in json.loads(settings["rules"])
    assert json.loads(settings["fail-on"]) == "warning"
    assert "clean_*" in json.loads(settings["exclude"])


def test_color(proj, monkeypatch):
    esc = re.compile(rb"\x1b\[")
    assert not esc.search(_run(proj).stdout), "not a terminal"
    assert esc.search(_run(proj, "--color", "always").stdout)
    assert esc.search(
        run_cli("check", ".", "--no-cache", cwd=proj, env={"FORCE_COLOR": "1"}).stdout
    )
    r = run_cli("check", ".", "--no-cache", "--color", "never", cwd=proj, env={"FORCE_COLOR": "1"})
    assert not esc.search(r.stdout)
    assert not esc.search(_run(proj, "--color", "always", "--format", "concise").stdout)


def test_help_groups_the_options():
    out = run_cli("check", "--help").stdout.decode()
    headings = [
        ln[:-1] for ln in out.splitlines() if ln and not ln.startswith(" ") and ln.endswith(":")
    ]
    assert headings == [
        "Rule selection",
        "File selection",
        "Output",
        "Fixes",
        "Cache",
        "Miscellaneous",
    ]
    for option in ("--select", "--baseline", "--exclude", "--statistics", "--no-cache", "--config"):
        assert option in out


@pytest.mark.parametrize("command", ["check", "diff", "rule", "rules", "clean", "models"])
def test_the_readme_documents_every_option(command):
    readme = (ROOT / "README.md").read_text()
    options = set(re.findall(r"--[a-z][a-z-]+", run_cli(command, "--help").stdout.decode()))
    assert options and not {o for o in options if o not in readme}, command
