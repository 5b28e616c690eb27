"""`cachelint diff OLD NEW`, run as a subprocess."""

from __future__ import annotations

import copy
import json

import orjson
import pytest

from conftest import run_cli
from logs import LONG_SYSTEM, Chat, text, tool


def write(tmp_path, name: str, req) -> str:
    (tmp_path / name).write_text(json.dumps(req, indent=2))
    return name


def pair(tmp_path, old, new):
    return write(tmp_path, "old.json", old), write(tmp_path, "new.json", new)


def test_appended_turn_reads_every_entry(tmp_path):
    chat = Chat(tools=[tool("search")])
    old, new = pair(tmp_path, chat.turn("Where is order 7?"), chat.turn("And order 8?"))
    r = run_cli("diff", old, new, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "new.json reads every cache entry old.json wrote (2 of 2)" in out
    assert out.count("  hit ") == 2


def test_timestamp_in_system_names_the_first_difference(tmp_path):
    chat = Chat()
    old = chat.turn("Q1", system=LONG_SYSTEM + " Current time: 10:00:01.")
    new = chat.turn("Q2", system=LONG_SYSTEM + " Current time: 10:00:07.")
    r = run_cli("diff", *pair(tmp_path, old, new), cwd=tmp_path)
    assert r.returncode == 1
    out = r.stdout.decode()
    assert "new.json misses 2 of the 2 cache entries old.json wrote" in out
    assert 'system[0] changed: "...Current time: 10:00:01..." -> "...10:00:07..."' in out
    assert "It invalidates system and messages: about" in out
    assert "tokens (between" in out
    # each breakpoint of OLD is located in OLD
    assert "old.json:" in out.split("First difference")[0]


def test_json_format(tmp_path):
    tools = [tool("search"), tool("lookup")]
    old = Chat(tools=tools).turn("Q1")
    new = Chat(tools=tools[::-1]).turn("Q1")
    r = run_cli("diff", *pair(tmp_path, old, new), "--format", "json", cwd=tmp_path)
    assert r.returncode == 1
    doc = orjson.loads(r.stdout)
    assert doc["hit"] is False
    assert [e["status"] for e in doc["entries"]] == ["miss", "miss"]
    assert [e["reason"] for e in doc["entries"]] == ["changed", "changed"]
    text = run_cli("diff", *pair(tmp_path, old, new), cwd=tmp_path).stdout.decode()
    assert text.count("  miss ") == 2, "the text says what the JSON says"
    assert doc["first_difference"]["code"] == "CL303"
    assert doc["first_difference"]["invalidates"] == ["tools", "system", "messages"]
    assert doc["first_difference"]["line"] > 1
    assert doc["tokens_written_again"]["low"] <= doc["tokens_written_again"]["mid"]


def test_cache_key_field_change(tmp_path):
    chat = Chat()
    old = chat.turn("Q1")
    new = chat.turn("Q2", tool_choice={"type": "any"})
    r = run_cli("diff", *pair(tmp_path, old, new), "--format", "json", cwd=tmp_path)
    doc = orjson.loads(r.stdout)
    assert r.returncode == 1
    assert [e["status"] for e in doc["entries"]] == ["hit", "miss"]
    assert "reason" not in doc["entries"][0] and doc["entries"][1]["reason"] == "changed"
    assert doc["first_difference"]["code"] == "CL403"
    assert doc["first_difference"]["invalidates"] == ["messages"]


def test_lookback(tmp_path):
    chat = Chat()
    old = chat.turn("Review my patch")
    new = chat.request("placeholder")
    blocks = [text(f"File {i}: contents of module {i}.") for i in range(25)]
    blocks[-1]["cache_control"] = {"type": "ephemeral"}
    new["messages"][-1]["content"] = blocks
    r = run_cli("diff", *pair(tmp_path, old, new), cwd=tmp_path)
    assert r.returncode == 1
    out = r.stdout.decode()
    assert "nearest breakpoint is 26 positions after it" in out
    assert "lookback window, CL402" in out


def test_entry_under_the_minimum_is_never_written(tmp_path):
    chat = Chat(system="You are terse.")
    old, new = chat.turn("Q1"), chat.turn("Q2", system="You are verbose.")
    r = run_cli("diff", *pair(tmp_path, old, new), "--format", "json", cwd=tmp_path)
    doc = orjson.loads(r.stdout)
    assert [e["status"] for e in doc["entries"]] == ["unwritten", "unwritten"]
    assert r.returncode == 0


def test_no_breakpoint(tmp_path):
    req = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    r = run_cli("diff", *pair(tmp_path, req, req), cwd=tmp_path)
    assert r.returncode == 0
    assert b"has no breakpoint" in r.stdout


def test_wrapped_request_and_converse(tmp_path):
    chat = Chat()
    old = {"request": chat.turn("Q1"), "response": {"usage": {"cache_read_input_tokens": 0}}}
    new = {"request": chat.turn("Q2")}
    r = run_cli("diff", *pair(tmp_path, old, new), cwd=tmp_path)
    assert r.returncode == 0, r.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, b"cannot read file"),
        (b'{"model": ', b"invalid JSON"),
        (b"", b"empty file"),
        (b'{"hello": "world"}', b"no request payload found"),
        (b'[{"messages": []}, {"messages": []}]', b"holds 2 requests"),
        (b"\xff\xfe{}", b"not valid UTF-8"),
    ],
)
def test_unusable_input_exits_2_with_a_cl000_message(tmp_path, content, message):
    good = write(tmp_path, "good.json", Chat().request("Hi"))
    if content is not None:
        (tmp_path / "bad.json").write_bytes(content)
    for args in (("bad.json", good), (good, "bad.json")):
        r = run_cli("diff", *args, cwd=tmp_path)
        assert r.returncode == 2
        assert message in r.stderr
        assert b"[CL000]" in r.stderr
        assert b"Traceback" not in r.stderr
        assert r.stdout == b""


def test_usage_errors_exit_2(tmp_path):
    assert run_cli("diff", "only-one.json", cwd=tmp_path).returncode == 2
    good = write(tmp_path, "good.json", Chat().request("Hi"))
    assert run_cli("diff", good, good, "--format", "xml", cwd=tmp_path).returncode == 2


def test_diff_does_not_modify_its_inputs(tmp_path):
    chat = Chat()
    old, new = pair(tmp_path, chat.turn("Q1"), chat.turn("Q2"))
    before = {p: (tmp_path / p).read_bytes() for p in (old, new)}
    run_cli("diff", old, new, cwd=tmp_path)
    assert {p: (tmp_path / p).read_bytes() for p in (old, new)} == before


def test_edited_history_in_new(tmp_path):
    chat = Chat()
    chat.answer("First question about the order", "First answer")
    old = chat.turn("Second question")
    new = chat.request("Third question")
    new = copy.deepcopy(new)
    new["messages"][0]["content"] = "First question about the refund"
    r = run_cli("diff", *pair(tmp_path, old, new), cwd=tmp_path)
    assert r.returncode == 1
    assert b"CL404" in r.stdout
    assert b"messages[0] (user) changed" in r.stdout


def test_two_lines_of_a_log(tmp_path):
    chat = Chat()
    first = chat.turn("Q1")
    second = chat.turn("Q2", tool_choice={"type": "any"})
    log = tmp_path / "log.jsonl"
    log.write_bytes(orjson.dumps(first) + b"\n" + orjson.dumps(second) + b"\n")
    r = run_cli("diff", "log.jsonl:1", "log.jsonl:2", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    doc = orjson.loads(r.stdout)
    assert doc["first_difference"]["code"] == "CL403"
    assert doc["first_difference"]["line"] == 2, "positions are those of the log"
    text = run_cli("diff", "log.jsonl:1", "log.jsonl:2", cwd=tmp_path).stdout.decode()
    assert text.startswith("log.jsonl:2 misses") and "(log.jsonl:2:" in text
    assert run_cli("diff", "log.jsonl:1", "log.jsonl:1", cwd=tmp_path).returncode == 0
    r = run_cli("diff", "log.jsonl:1", "log.jsonl:9", cwd=tmp_path)
    assert r.returncode == 2 and b"has no line 9" in r.stderr
