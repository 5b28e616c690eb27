"""The precision corpus: correct payloads and Python files of real shapes (dated examples and
fixed facts, HTTP caching code, lists of removed betas, logs where the same dated text recurs,
ordinary clients that cache correctly) produce no finding; their bad twins, the same shapes with
the real defect, are still reported, so the corpus cannot pass by the rules going silent."""

from __future__ import annotations

import json
from pathlib import Path

from cachelint.engine import uninteresting

from conftest import ROOT, run_cli

CORPUS = ROOT / "tests" / "precision"
CLEAN = CORPUS / "clean"
TWINS = CORPUS / "twins"


def _report(folder: Path) -> dict:
    r = run_cli("check", str(folder.relative_to(ROOT)), "--no-cache", "--format", "json")
    assert r.returncode in (0, 1), r.stderr.decode()
    return json.loads(r.stdout)


def _fixtures(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "__init__.py")


def test_the_corpus_is_large_and_every_file_is_analysed():
    files = _fixtures(CLEAN)
    assert len(files) >= 40
    assert {p.suffix for p in files} == {".json", ".jsonl", ".py"}
    # a walked file that never mentions caching is skipped unparsed: that would prove nothing
    skipped = [p.name for p in files if uninteresting(p.name, p.read_bytes())]
    assert not skipped


def test_the_clean_corpus_produces_no_finding():
    report = _report(CLEAN)
    found = [(f["path"], f["line"], f["code"], f["message"]) for f in report["findings"]]
    assert not found
    assert report["summary"]["files_checked"] == len(_fixtures(CLEAN))


def test_the_bad_twins_are_still_reported():
    report = _report(TWINS)
    got = {(Path(f["path"]).name, f["code"]) for f in report["findings"]}
    assert got == {
        ("system_labelled_current_time.json", "CL304"),  # "Current time:" on the marked block
        ("log_record_same_day.json", "CL304"),  # a date-time of the day the record was sent
        ("log_changing_snapshot.jsonl", "CL301"),  # differs between otherwise equal requests
        ("system_request_id.json", "CL301"),  # a labelled request id
        ("support_bot_time_in_system.py", "CL301"),  # datetime.now() in the system prompt
        ("beta_header_sent.py", "CL501"),  # the old beta sent in default_headers
        ("text_block_string_marker.py", "CL103"),  # a content block with a string marker
        ("default_prompt_with_time.py", "CL304"),  # `prompt or f"... {datetime.now()}"`
        ("slack_bot_user_in_system.py", "CL302"),  # the writer's id, not the bot's
        ("deferred_tool_marked.py", "CL104"),  # `if tool.get("defer_loading") is True:`
        ("bedrock_history_marked_each_turn.py", "CL105"),  # a copy, but of shared messages
        ("history_copy_stored_back.py", "CL105"),  # the marked copy becomes the history
        ("judge_blocks_collected.py", "CL105"),  # every pass's marked block in one message
        ("turn_request_kept.py", "CL105"),  # the marked turns are kept on the assistant
    }
    lines = sorted(
        f["line"] for f in report["findings"] if f["path"].endswith("log_changing_snapshot.jsonl")
    )
    assert lines == [2, 3]  # from the first request whose value differs
