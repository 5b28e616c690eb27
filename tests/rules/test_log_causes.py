"""Request rules in a log: one finding per cause and conversation, at its first request, with
the count of the requests that have it; CL401 does not report the cause again."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import orjson

from cachelint.rule_api import Issue
from cachelint.rule_api import TextRange
from cachelint.session.recurring import keyed

from conftest import make_engine, run_cli
from logs import LONG_SYSTEM, Chat, jsonl, text, tool


def _stamped(chat: Chat, question: str, time: str, extra: str = "") -> dict:
    """A turn whose system prompt starts with the time of the call, before the marked policy."""
    req = chat.turn(question)
    req["system"] = [text(f"Current time: 2026-11-22T{time}Z.{extra}"), text(LONG_SYSTEM, True)]
    return req


def _check(tmp_path, log: str, *args: str) -> list[dict]:
    (tmp_path / "log.jsonl").write_text(log)
    r = run_cli("check", "log.jsonl", "--format", "json", "--no-cache", *args, cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    return orjson.loads(r.stdout)["findings"]


def _where(found: list[dict]) -> list[tuple[int, str]]:
    return [(f["line"], f["code"]) for f in found]


def _lint(log: str, **config):
    return make_engine(**config).lint_bytes(log.encode(), "log.jsonl")


TIMES = ["10:00:01", "10:00:07", "10:00:12", "10:00:20"]


def test_a_cause_on_every_request_is_one_finding_at_the_first_with_the_count(tmp_path):
    chat = Chat()
    log = jsonl(*(_stamped(chat, f"Question {i}", t) for i, t in enumerate(TIMES)))
    found = _check(tmp_path, log)
    assert _where(found) == [(1, "CL301")]  # and no CL401 for the same drift
    assert found[0]["message"].endswith(
        "(in all 4 requests of this conversation, the last at line 4)"
    )
    first = log.splitlines()[0]  # the span is the timestamp of the first request
    assert first[found[0]["column"] - 1 : found[0]["end_column"] - 1] == "2026-11-22T10:00:01Z"


def test_a_cause_on_some_requests_only_is_counted(tmp_path):
    chat = Chat()
    lines = [chat.turn(f"Question {i}") for i in range(5)]
    for n in (1, 3):  # lines 2 and 4 misspell the marker of the latest turn
        block = lines[n]["messages"][-1]["content"][0]
        block["cacheControl"] = block.pop("cache_control")
    found = _check(tmp_path, jsonl(*lines))
    assert _where(found) == [(2, "CL103")]
    assert found[0]["message"].endswith(
        "(in 2 of the 5 requests of this conversation, the last at line 4)"
    )


def test_two_causes_are_two_findings(tmp_path):
    chat = Chat()
    lines = [_stamped(chat, f"Question {i}", t) for i, t in enumerate(TIMES)]
    for req in lines:  # and every request misspells the marker of its latest turn
        block = req["messages"][-1]["content"][0]
        block["cacheControl"] = block.pop("cache_control")
    found = _check(tmp_path, jsonl(*lines))
    assert sorted(_where(found)) == [(1, "CL103"), (1, "CL301")]
    assert all("(in all 4 requests of this conversation" in f["message"] for f in found)


def test_two_values_in_one_block_and_the_same_in_two_blocks_stay_apart():
    chat = Chat()
    lines = []
    for i, t in enumerate(TIMES):
        req = chat.turn(f"Question {i}")
        req["system"] = [
            text(f"Current time: 2026-11-22T09:00:0{i}Z, now 2026-11-22T{t}Z."),
            text(f"Generated at 2026-11-22T08:00:0{i}Z."),
            text(LONG_SYSTEM, True),
        ]
        lines.append(req)
    found = [f for f in _lint(jsonl(*lines)) if f.code == "CL301"]
    assert [f.span.line for f in found] == [1, 1, 1]
    assert len({(f.span.column) for f in found}) == 3
    assert all("(in all 4 requests" in f.message for f in found)


def test_a_marker_moving_with_the_latest_turn_is_one_cause(tmp_path):
    """A gateway client that marks the latest user message (a string) on every call: the
    marker's message moves on, the cause (CL106, and the prefix too short, CL201) stays."""
    history: list[dict] = [{"role": "system", "content": "You are a translator."}]
    lines = []
    for i in range(4):
        q = f"Translate: question {i}"
        msg = {"role": "user", "content": q, "cache_control": {"type": "ephemeral"}}
        lines.append({"model": "anthropic/claude-sonnet-4.5", "messages": [*history, msg]})
        history += [{"role": "user", "content": q}, {"role": "assistant", "content": f"A{i}"}]
    found = _check(tmp_path, jsonl(*lines))
    assert sorted(_where(found)) == [(1, "CL106"), (1, "CL201")]
    assert all("(in all 4 requests of this conversation" in f["message"] for f in found)


def test_conversations_are_counted_separately(tmp_path):
    alice, bob = Chat(user="alice"), Chat(user="bob")
    lines = []
    for i, t in enumerate(TIMES):
        lines.append(_stamped(alice, f"Where is order {i}?", t))
        if i < 2:
            lines.append(_stamped(bob, f"Send me invoice {i}", t))
    found = _check(tmp_path, jsonl(*lines))
    assert _where(found) == [(1, "CL301"), (2, "CL301")]
    assert "(in all 4 requests of this conversation, the last at line 6)" in found[0]["message"]
    assert "(in all 2 requests of this conversation, the last at line 4)" in found[1]["message"]


def test_requests_without_messages_are_each_reported():
    req = {"model": "claude-sonnet-4-5", "system": [text("Short.", True)], "messages": []}
    found = [f for f in _lint(jsonl(req, req, req)) if f.code == "CL201"]
    assert [f.span.line for f in found] == [1, 2, 3]
    assert all("requests of this conversation" not in f.message for f in found)


def test_a_single_payload_file_is_unchanged():
    req = Chat().turn("Hi")
    req["system"] = [text("Current time: 2026-11-22T10:00:01Z."), text(LONG_SYSTEM, True)]
    found = make_engine().lint_bytes(orjson.dumps(req), "one.json")
    assert [f.code for f in found] == ["CL301"]
    assert "requests of this conversation" not in found[0].message


# -- CL401 and the request rules -------------------------------------------------------------


def test_cl401_reports_the_drift_when_cl301_is_not_selected(tmp_path):
    chat = Chat()
    log = jsonl(*(_stamped(chat, f"Question {i}", t) for i, t in enumerate(TIMES)))
    found = _check(tmp_path, log, "--ignore", "CL301")
    assert _where(found) == [(2, "CL401")]
    assert "recurs on the next 2 requests" in found[0]["message"]


def test_cl401_still_reports_another_change_in_the_same_block(tmp_path):
    chat = Chat()
    lines = [_stamped(chat, f"Question {i}", t) for i, t in enumerate(TIMES)]
    lines[2] = copy.deepcopy(lines[2])
    lines[2]["system"][0]["text"] += " Escalate refunds over 100 EUR."  # a real edit as well
    found = _check(tmp_path, jsonl(*lines))
    assert _where(found) == [(1, "CL301"), (3, "CL401")]
    assert "Escalate refunds" in found[1]["message"]


def test_cl401_reports_a_drift_the_request_rules_do_not_see(tmp_path):
    chat = Chat()
    lines = [
        chat.turn(f"Question {i}", system=LONG_SYSTEM + f" Open tickets: {12 + i}.")
        for i in range(3)
    ]
    found = _check(tmp_path, jsonl(*lines))
    assert _where(found) == [(2, "CL401")]
    assert '"...Open tickets: 12..." -> "...13..."' in found[0]["message"]


def test_a_cause_is_its_rule_place_and_kind_never_the_values_in_its_message():
    prompt = SimpleNamespace(anchor=("request",))
    req = {"messages": [{"role": "user"}, {"role": "assistant"}, {"role": "user"}]}

    def key(code: str, path: tuple, message: str) -> tuple:
        issue = Issue(code, ("request", *path), message)
        return next(keyed([issue], prompt, req))[1]  # type: ignore[arg-type]

    at = ("system", 0, "text", TextRange(15, 35))
    one = key("CL301", at, 'an ISO date-time "2026-11-22T10:00:01Z" sits before 1,024 tokens')
    assert one == key(
        "CL301",
        ("system", 0, "text", TextRange(16, 36)),
        'an ISO date-time "2026-11-23T09:59:59Z" sits before 2,048 tokens',
    )
    assert one != key("CL301", at, 'a request id "req_0001" sits before 1,024 tokens')
    assert one != key("CL304", at, 'an ISO date-time "2026-11-22T10:00:01Z" sits before 1 tokens')
    assert one != key("CL301", ("system", 1, "text"), 'an ISO date-time "x" sits before 1 tokens')
    # in the conversation: the role and the path inside the message, not its index
    marker = ("content", 0, "cacheControl")
    assert key("CL103", ("messages", 0, *marker), "m") == key(
        "CL103", ("messages", 2, *marker), "m"
    )
    assert key("CL103", ("messages", 0, *marker), "m") != key(
        "CL103", ("messages", 1, *marker), "m"
    )


def test_a_timestamp_in_a_tool_description_is_cl301_once_and_no_cl401(tmp_path):
    chat = Chat(tools=[tool("search")])
    lines = []
    for i, t in enumerate(TIMES[:3]):
        search = tool("search")
        search["description"] = f"Search the catalogue. Index refreshed 2026-11-22T{t}Z."
        lines.append(chat.turn(f"Question {i}", tools=[search]))
    log = jsonl(*lines)
    # unlabelled, the value is the request's time by the evidence of the log: it changes
    # between requests, from the second on (tests/precision: a lone one is quiet)
    assert _where(_check(tmp_path, log)) == [(2, "CL301")]
    assert _where(_check(tmp_path, log, "--ignore", "CL301")) == [(2, "CL401")]
