"""`cachelint check --log-dir DIR`: a folder of .json request files read as one log."""

from __future__ import annotations

import json

import orjson

from cachelint.session.folder import natural_key

from conftest import run_cli
from logs import LONG_SYSTEM, Chat


def _stamped_files(folder, count: int, clock: bool = True) -> None:
    """A conversation whose system prompt changes on every request: a clock time (CL301), or a
    figure no request rule sees (CL401 between requests)."""
    folder.mkdir()
    chat = Chat()
    for i in range(1, count + 1):
        drift = f" Current time: 10:00:{i:02}." if clock else f" Agents on shift: {i}."
        req = chat.turn(f"Question {i}", system=LONG_SYSTEM + drift)
        (folder / f"req-{i}.json").write_text(json.dumps(req, indent=2))


def _codes(r) -> list[tuple[str, int, str]]:
    doc = orjson.loads(r.stdout)
    return [(f["path"], f["line"], f["code"]) for f in doc["findings"] if f["code"] != "CL301"]


def test_natural_name_order():
    names = ["req-10.json", "req-2.json", "req-1.json", "Req-3.json"]
    assert sorted(names, key=natural_key) == [
        "req-1.json",
        "req-2.json",
        "Req-3.json",
        "req-10.json",
    ]


def test_log_dir_runs_session_rules_across_files(tmp_path):
    _stamped_files(tmp_path / "logs", 10, clock=False)
    r = run_cli("check", "--log-dir", "logs", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    found = _codes(r)
    assert [c for _, _, c in found] == ["CL401"]
    path, line, _ = found[0]
    assert path == "logs/req-2.json" and line > 1
    message = orjson.loads(r.stdout)["findings"]
    cl401 = next(f for f in message if f["code"] == "CL401")["message"]
    assert "(logs/req-1.json)" in cl401
    assert "recurs on the next 8 requests of this conversation, through logs/req-10.json" in cl401
    assert orjson.loads(r.stdout)["summary"]["files_checked"] == 10


def test_log_dir_reports_a_request_rule_cause_once_per_conversation(tmp_path):
    _stamped_files(tmp_path / "logs", 10)
    r = run_cli("check", "--log-dir", "logs", "--format", "json", "--no-cache", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    found = orjson.loads(r.stdout)["findings"]
    assert [(f["path"], f["code"]) for f in found] == [("logs/req-1.json", "CL301")]
    assert found[0]["message"].endswith(
        "(in all 10 requests of this conversation, the last at logs/req-10.json)"
    )


def test_a_plain_folder_is_not_a_log(tmp_path):
    _stamped_files(tmp_path / "logs", 3)
    r = run_cli("check", "logs", "--format", "json", "--no-cache", cwd=tmp_path)
    assert _codes(r) == []
    found = orjson.loads(r.stdout)["findings"]
    assert [f["path"] for f in found] == [f"logs/req-{i}.json" for i in (1, 2, 3)]
    assert all("requests of this conversation" not in f["message"] for f in found)


def test_files_of_the_log_dir_are_checked_once(tmp_path):
    _stamped_files(tmp_path / "logs", 3)
    r = run_cli("check", ".", "--log-dir", "logs", "--format", "json", cwd=tmp_path)
    doc = orjson.loads(r.stdout)
    cl301 = [f for f in doc["findings"] if f["code"] == "CL301"]
    assert len(cl301) == 1  # once for the conversation, and no file checked again on its own
    assert doc["summary"]["files_checked"] == 3


def test_unreadable_file_in_a_log_dir_is_cl000(tmp_path):
    _stamped_files(tmp_path / "logs", 2)
    (tmp_path / "logs" / "req-3.json").write_text('{"model": ')
    r = run_cli("check", "--log-dir", "logs", "--format", "json", cwd=tmp_path)
    doc = orjson.loads(r.stdout)
    assert [f["path"] for f in doc["findings"] if f["code"] == "CL000"] == ["logs/req-3.json"]


def test_log_dir_must_be_a_folder(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    for target in ("x.json", "missing"):
        r = run_cli("check", "--log-dir", target, cwd=tmp_path)
        assert r.returncode == 2
        assert b"Traceback" not in r.stderr


def test_log_findings_are_the_same_from_the_result_cache_and_workers(tmp_path):
    chat = Chat()
    lines = [
        chat.turn(f"Q{i}", system=LONG_SYSTEM + f" Current time: 10:00:{i:02}.") for i in range(4)
    ]
    (tmp_path / "log.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    for i in range(70):  # enough files for worker processes
        (tmp_path / f"other-{i}.jsonl").write_text((tmp_path / "log.jsonl").read_text())
    runs = [
        run_cli("check", ".", "--format", "json", "-j", "2", "--cache-dir", "c", cwd=tmp_path)
        for _ in range(2)
    ]
    first, second = (orjson.loads(r.stdout)["findings"] for r in runs)
    assert first == second
    cl301 = [f for f in first if f["code"] == "CL301"]
    assert len(cl301) == 71  # once per file: each is a conversation of its own
    assert all(
        "(in all 4 requests of this conversation, the last at line 4)" in f["message"]
        for f in cl301
    )
