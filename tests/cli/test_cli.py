"""The CLI as CI calls it: a subprocess, exit codes, formats, stdin, config errors."""

from __future__ import annotations

import json

from conftest import ROOT, run_cli

CLEAN = ROOT / "examples" / "clean_request.json"
BAD = ROOT / "examples" / "support_bot_request.json"


def test_examples_folder_reports_findings_and_exits_1():
    r = run_cli("check", "examples/", "--format", "concise")
    assert r.returncode == 1, r.stderr
    out = r.stdout.decode()
    assert "examples/support_bot_request.json:14:71: error: an ISO date-time" in out
    assert "[CL301]" in out and "[CL102]" in out and "[CL104]" in out and "[CL000]" in out
    assert "examples/clean_request.json" not in out and "examples/clean_bot.py" not in out
    assert "examples/support_bot.py:21:74: error: the current time (datetime.now())" in out
    assert "examples/support_bot.py:15:21: warning:" in out and "[CL303]" in out
    assert out.rstrip().endswith("in 6 files checked."), "summary line expected"


def test_clean_payload_exits_0():
    r = run_cli("check", str(CLEAN))
    assert r.returncode == 0, r.stdout
    assert b"All checks passed (1 file checked)" in r.stdout


def test_text_format_shows_snippet_caret_and_help():
    r = run_cli("check", str(BAD), "--select", "CL102")
    out = r.stdout.decode()
    assert "error[CL102] ttl-order" in out
    assert '"cache_control": {"type": "ephemeral", "ttl": "1h"}' in out
    caret_line = next(ln for ln in out.splitlines() if ln.strip().startswith("|") and "^" in ln)
    assert caret_line.count("^") == len('"ttl": "1h"')
    assert "= help: Give the long-lived prefix" in out
    assert "= note: the earlier 5-minute breakpoint at" in out


def test_bad_flags_and_values_exit_2():
    assert run_cli("check", "--bogus").returncode == 2
    r = run_cli("check", str(CLEAN), "--format", "nope")
    assert r.returncode == 2 and b"unknown format 'nope'" in r.stderr
    r = run_cli("check", str(CLEAN), "--select", "E501")
    assert r.returncode == 2 and b"unknown rule code or name 'E501'" in r.stderr
    r = run_cli("check", str(CLEAN), "--output", "json")
    assert r.returncode == 2
    assert run_cli("rule", "CL999").returncode == 2


def test_exit_zero_keeps_findings_but_exits_0():
    r = run_cli("check", str(BAD), "--exit-zero", "--format", "concise")
    assert r.returncode == 0
    assert b"[CL301]" in r.stdout


def test_json_format_fields():
    r = run_cli("check", str(BAD), "--format", "json")
    doc = json.loads(r.stdout)
    assert set(doc) == {"version", "findings", "summary"}
    f = next(x for x in doc["findings"] if x["code"] == "CL301")
    assert f == {
        "code": "CL301",
        "name": "volatile-before-breakpoint",
        "severity": "error",
        "path": "examples/support_bot_request.json",
        "line": 14,
        "column": 71,
        "end_line": 14,
        "end_column": 91,
        "message": f["message"],
        "help": f["help"],
        "notes": f["notes"],
    }
    assert doc["summary"]["total"] == len(doc["findings"])


def test_select_and_ignore_prefixes():
    r = run_cli("check", str(BAD), "--format", "json", "--select", "CL1", "--ignore", "CL104")
    codes = {f["code"] for f in json.loads(r.stdout)["findings"]}
    assert codes == {"CL102"}


def test_stdin_with_filename_and_jsonl_sniffing():
    r = run_cli(
        "check",
        "-",
        "--stdin-filename",
        "live/req.json",
        "--format",
        "concise",
        stdin=BAD.read_bytes(),
    )
    assert r.returncode == 1
    assert r.stdout.decode().startswith("live/req.json:")
    lines = b'{"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "a"}]}\n' * 2
    r = run_cli("check", "-", stdin=lines.replace(b"}]}\n", b'}], "cache_control": 3}\n'))
    assert r.returncode == 1 and b"\n-:2:" in b"\n" + r.stdout and b"-.jsonl" not in r.stdout


def test_output_writes_a_second_report(tmp_path):
    out = tmp_path / "report.json"
    r = run_cli("check", str(BAD), "--output", f"json:{out}", "--format", "concise")
    assert r.returncode == 1
    assert b"[CL301]" in r.stdout
    assert json.loads(out.read_text())["summary"]["total"] > 0


def test_quiet_drops_the_summary():
    r = run_cli("check", str(BAD), "--format", "concise", "--quiet")
    assert b"Found" not in r.stdout and b"[CL301]" in r.stdout


def test_config_errors_exit_2(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.cachelint]\nselect = ["CL1"]\nbogus = 1\n')
    r = run_cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2
    assert b"bogus" in r.stderr and b"Traceback" not in r.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.cachelint]\nplatform = "azure"\n')
    r = run_cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and b"platform" in r.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.cachelint\n")
    r = run_cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and b"invalid TOML" in r.stderr


def test_config_file_is_applied(tmp_path):
    (tmp_path / "cachelint.toml").write_text(
        'ignore = ["CL301"]\ndefault-model = "claude-opus-5"\n'
        '[per-file-ignores]\n"legacy/*.json" = ["CL1"]\n'
    )
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "a.json").write_bytes(BAD.read_bytes())
    (tmp_path / "b.json").write_bytes(BAD.read_bytes())
    r = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    found = {(f["path"], f["code"]) for f in json.loads(r.stdout)["findings"]}
    assert ("b.json", "CL102") in found and ("legacy/a.json", "CL102") not in found
    assert not any(code == "CL301" for _, code in found)


def test_rule_rules_and_models_commands(tmp_path):
    r = run_cli("rule", "CL201", "--format", "markdown")
    assert r.returncode == 0 and b"# prefix-below-minimum (CL201)" in r.stdout
    assert b"## How to fix" in r.stdout and b"```json bad" in r.stdout
    r = run_cli("rule", "prefix-below-minimum")  # rendered for a terminal
    text = r.stdout.decode()
    assert r.returncode == 0 and text.startswith("prefix-below-minimum (CL201)\n---")
    assert "\nHow to fix\n----------\n" in text and "##" not in text and "```" not in text
    assert "    [json bad]" in text and "expect:" not in text and "\x1b" not in text
    assert "\x1b[1m" in run_cli("rule", "CL201", "--color", "always").stdout.decode()
    r = run_cli("rule", "CL2")
    assert r.returncode == 2 and b"CL201, CL202" in r.stderr
    r = run_cli("rules")
    assert r.returncode == 0 and b"CL101  error    too-many-breakpoints" in r.stdout
    (tmp_path / "cachelint.toml").write_text('[models."claude-haiku-5-5"]\nmin-tokens = 2048\n')
    r = run_cli("models", "--format", "json", cwd=tmp_path)
    rows = {row["id"]: row for row in json.loads(r.stdout)}
    assert rows["claude-haiku-5-5"]["min_tokens"] == 2048
    assert rows["claude-opus-4-7"]["min_tokens_bedrock"] == 4096
    assert all(row["source"] for row in rows.values())


def test_check_never_writes_to_checked_files(tmp_path):
    target = tmp_path / "req.json"
    target.write_bytes(BAD.read_bytes())
    before = (target.read_bytes(), target.stat().st_mtime_ns)
    run_cli("check", str(target))
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["req.json"]


def test_concise_says_when_everything_passed(tmp_path):
    (tmp_path / "req.json").write_bytes((ROOT / "examples" / "clean_request.json").read_bytes())
    r = run_cli("check", ".", "--no-cache", "--format", "concise", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, b"All checks passed (1 file checked).\n")
    r = run_cli("check", ".", "--no-cache", "--format", "concise", "-q", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, b"")
