"""`cachelint check --fix` and its kin: fixes carried by findings, applied to a fixed point,
written atomically, shown as a diff."""

from __future__ import annotations

import json
import os
import stat

import orjson

from cachelint.findings import Finding

from conftest import lint, run_cli

MISSPELT = (
    b'{\n  "model": "claude-sonnet-4-5",\n  "max_tokens": 1024,\n'
    b'  "system": [{"type": "text", "text": "Policies",   "cacheControl": {"type": "ephemral",'
    b' "ttl": "5min"}}],\n  "messages": [{"role": "user", "content": "Hi"}]\n}\n'
)
FIXED = (
    MISSPELT.replace(b'"cacheControl"', b'"cache_control"')
    .replace(b'"ephemral"', b'"ephemeral"')
    .replace(b'"5min"', b'"5m"')
)

TTL_ORDER = (
    b'{"model": "claude-sonnet-4-5", "max_tokens": 1,\n'
    b' "system": [{"type": "text", "text": "A", "cache_control": {"type": "ephemeral"}},\n'
    b'            {"type": "text", "text": "B",\n'
    b'             "cache_control": {"type": "ephemeral", "ttl": "1h"}}],\n'
    b' "messages": [{"role": "user", "content": "Hi"}]}\n'
)


def test_diff_shows_the_fixes_and_changes_nothing(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(MISSPELT)
    r = run_cli("check", "a.json", "--diff", "--no-cache", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    out = r.stdout.decode()
    assert out.startswith("--- a/a.json\n+++ b/a.json\n")
    assert '+  "system": [{"type": "text", "text": "Policies",   "cache_control"' in out
    assert p.read_bytes() == MISSPELT
    clean = tmp_path / "clean.json"
    clean.write_bytes(FIXED)
    r = run_cli("check", "clean.json", "--diff", "--no-cache", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, b"")


def test_fix_reaches_a_fixed_point_keeping_formatting_and_is_idempotent(tmp_path):
    """The renamed key is checked again on the next pass: its misspelt type and ttl are fixed
    too; the extra spaces stay."""
    p = tmp_path / "a.json"
    p.write_bytes(MISSPELT)
    p.chmod(0o640)
    r = run_cli("check", "a.json", "--fix", "--no-cache", "--select", "CL103", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert b"Fixed 3 findings." in r.stderr
    assert p.read_bytes() == FIXED
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    again = run_cli("check", "a.json", "--fix", "--no-cache", "--select", "CL103", cwd=tmp_path)
    assert b"Fixed 0 findings." in again.stderr
    assert p.read_bytes() == FIXED
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".cachelint-fix")]


def test_crlf_line_endings_are_kept(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(MISSPELT.replace(b"\n", b"\r\n"))
    run_cli("check", "a.json", "--fix", "--no-cache", cwd=tmp_path)
    assert p.read_bytes() == FIXED.replace(b"\n", b"\r\n")


def test_unsafe_fixes_only_when_asked(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(TTL_ORDER)
    r = run_cli("check", "a.json", "--fix", "--no-cache", "--select", "CL102", cwd=tmp_path)
    assert r.returncode == 1
    assert b"Fixed 0 findings; 1 more fixable with --unsafe-fixes." in r.stderr
    assert p.read_bytes() == TTL_ORDER
    r = run_cli(
        "check", "a.json", "--fix", "--unsafe-fixes", "--no-cache", "--select", "CL102",
        cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout
    assert p.read_bytes() == TTL_ORDER.replace(b'"ttl": "1h"', b'"ttl": "5m"')


def test_surplus_markers_are_dropped_keeping_the_latest(tmp_path):
    blocks = ",\n".join(
        f'  {{"type": "text", "text": "{i}", "cache_control": {{"type": "ephemeral"}}}}'
        for i in range(6)
    )
    head = '{"model": "claude-sonnet-4-5", "max_tokens": 1, "system": [\n'
    text = f'{head}{blocks}\n], "messages": []}}\n'
    p = tmp_path / "a.json"
    p.write_text(text)
    args = ("--unsafe-fixes", "--no-cache", "--select", "CL101")
    r = run_cli("check", "a.json", "--diff", *args, cwd=tmp_path)
    assert b'-  {"type": "text", "text": "0"' in r.stdout
    run_cli("check", "a.json", "--fix", "--unsafe-fixes", "--no-cache", cwd=tmp_path)
    system = orjson.loads(p.read_bytes())["system"]
    assert [("cache_control" in b) for b in system] == [False, False, True, True, True, True]
    assert p.read_text().count("\n") == text.count("\n")


def test_jsonl_lines_are_fixed_in_place(tmp_path):
    line = MISSPELT.replace(b"\n", b"") + b"\n"
    p = tmp_path / "log.jsonl"
    p.write_bytes(b'{"note": "first"}\n' + line)
    run_cli("check", "log.jsonl", "--fix", "--no-cache", cwd=tmp_path)
    assert p.read_bytes() == b'{"note": "first"}\n' + FIXED.replace(b"\n", b"") + b"\n"


def test_unfixable_in_the_config_and_exit_non_zero_on_fix(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(MISSPELT)
    (tmp_path / "cachelint.toml").write_text('unfixable = ["invalid-cache-control"]\n')
    run_cli("check", "a.json", "--fix", "--no-cache", cwd=tmp_path)
    assert p.read_bytes() == MISSPELT
    (tmp_path / "cachelint.toml").write_text('unfixable = ["CL1"]\nfixable = ["CL103"]\n')
    run_cli("check", "a.json", "--fix", "--no-cache", cwd=tmp_path)
    assert p.read_bytes() == FIXED  # the more specific wins, as with select / ignore
    (tmp_path / "cachelint.toml").write_text('fixable = ["CL999"]\n')
    r = run_cli("check", "a.json", "--fix", "--no-cache", cwd=tmp_path)
    assert r.returncode == 2 and b"CL999" in r.stderr and b"Traceback" not in r.stderr
    (tmp_path / "cachelint.toml").unlink()
    p.write_bytes(MISSPELT)
    r = run_cli("check", "a.json", "--fix-only", "--no-cache", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, b"")
    p.write_bytes(MISSPELT)
    args = ("--fix-only", "--exit-non-zero-on-fix", "--no-cache")
    r = run_cli("check", "a.json", *args, cwd=tmp_path)
    assert r.returncode == 1 and p.read_bytes() == FIXED


def test_a_symlink_is_never_written_through(tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_bytes(MISSPELT)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.json").symlink_to(outside)
    r = run_cli("check", "link.json", "--fix", "--no-cache", cwd=tree)
    assert b"not fixed: link.json" in r.stderr
    assert outside.read_bytes() == MISSPELT
    assert (tree / "link.json").is_symlink()


def test_a_file_changed_since_it_was_read_is_refused(tmp_path):
    from cachelint.apply_fixes import FileFix, FixRefused, write_fixed

    p = tmp_path / "a.json"
    p.write_bytes(MISSPELT)
    done = FileFix("a.json", MISSPELT, FIXED, 1)
    p.write_bytes(MISSPELT + b" ")
    try:
        write_fixed(p, done)
        raise AssertionError("written over a changed file")
    except FixRefused as e:
        assert "changed" in str(e)
    assert p.read_bytes() == MISSPELT + b" "


def test_the_fix_survives_the_result_cache_record_and_old_records_load():
    (f,) = [f for f in lint(MISSPELT.decode()) if f.fix is not None]
    assert Finding.from_record(orjson.loads(orjson.dumps(f.to_record()))) == f
    old = f.to_record()[:10]
    assert Finding.from_record(old).fix is None


def test_json_report_carries_the_fix(tmp_path):
    (tmp_path / "a.json").write_bytes(MISSPELT)
    r = run_cli("check", "a.json", "--format", "json", "--no-cache", cwd=tmp_path)
    (f,) = [f for f in json.loads(r.stdout)["findings"] if "fix" in f]
    assert f["fix"]["applicability"] == "safe"
    assert f["fix"]["edits"][0]["content"] == '"cache_control"'
    assert f["fix"]["edits"][0]["location"] == {"line": 4, "column": 53}
