"""Conversation analysis over request logs: CL303 (across requests), CL401-CL404."""

from __future__ import annotations

import copy

import pytest

from conftest import make_engine
from logs import LONG_SYSTEM, Chat, jsonl, text, tool, with_usage

SESSION = ("CL303", "CL401", "CL402", "CL403", "CL404")


def session_findings(log: str, filename: str = "log.jsonl", **config):
    # The timestamps these logs drift by are CL301's too, and a drift CL301 reports is not
    # reported again as CL401 (tests/rules/test_log_causes.py): CL301 is off here to see the drift.
    config.setdefault("ignore", ["CL301", "CL304"])
    engine = make_engine(**config)
    return [f for f in engine.lint_bytes(log.encode(), filename) if f.code in SESSION]


def found(log: str, **config) -> list[tuple[int, str]]:
    return [(f.span.line, f.code) for f in session_findings(log, **config)]


def stamped(time: str) -> str:
    return LONG_SYSTEM + f" Current time: 2026-11-22 {time}."


# -- correct conversations produce nothing ---------------------------------------------------


def test_append_only_conversation_with_moving_breakpoint_is_clean():
    chat = Chat(tools=[tool("search"), tool("lookup")])
    log = jsonl(*(chat.turn(f"Question number {i}") for i in range(8)))
    assert found(log) == []


def test_interleaved_independent_conversations_are_clean():
    a = Chat(system=LONG_SYSTEM + " Brand: ACME.", user="alice")
    b = Chat(system=LONG_SYSTEM + " Brand: Globex.", user="bob", tools=[tool("search")])
    c = Chat(system="You translate English to French. " * 200, user="carol")
    lines = []
    for i in range(5):
        lines += [a.turn(f"Alice asks {i}"), b.turn(f"Bob asks {i}"), c.turn(f"Carol asks {i}")]
    assert found(jsonl(*lines)) == []


def test_users_sharing_the_system_prompt_and_first_message_are_clean():
    a, b = Chat(user="alice"), Chat(user="bob")
    lines = []
    for i in range(4):
        lines.append(a.turn("Hi" if i == 0 else f"Alice follow-up {i}", reply=f"Alice reply {i}"))
        lines.append(b.turn("Hi" if i == 0 else f"Bob follow-up {i}", reply=f"Bob reply {i}"))
    assert found(jsonl(*lines)) == []


def test_per_user_system_prompts_are_not_drift_between_conversations():
    lines = []
    for name in ("Alice", "Bob", "Carol"):
        chat = Chat(system=LONG_SYSTEM + f" You are helping {name}.", user=name)
        lines += [chat.turn(f"{name} asks"), chat.turn(f"{name} asks again")]
    assert found(jsonl(*lines)) == []


def test_new_session_after_compaction_is_not_a_rewrite():
    chat = Chat()
    lines = [chat.turn(f"Long question {i}") for i in range(6)]
    fresh = Chat()
    fresh.answer("Summary of the earlier conversation: the customer wants a refund.", "Noted.")
    lines += [fresh.turn("Continue with the refund"), fresh.turn("And the shipping?")]
    assert found(jsonl(*lines)) == []


def test_branches_and_retries_are_clean():
    chat = Chat()
    first = chat.turn("Where is my order?")
    second = chat.request("Can I return it?")
    branch = copy.deepcopy(second)
    branch["messages"][-1] = {"role": "user", "content": [text("Can I exchange it?", True)]}
    log = jsonl(first, second, second, branch)
    assert found(log) == []


def test_dropping_earlier_thinking_blocks_is_not_a_rewrite():
    chat = Chat(thinking={"type": "enabled", "budget_tokens": 2048})
    first = chat.turn("Plan the refund")
    chat.history[-1]["content"].insert(
        0, {"type": "thinking", "thinking": "Plan.", "signature": "s"}
    )
    second = chat.turn("Go ahead")
    chat.history[-3]["content"] = chat.history[-3]["content"][1:]  # the client drops it later
    third = chat.turn("Thanks")
    fourth = chat.turn("Anything else?")
    assert found(jsonl(first, second, third, fourth)) == []


def test_unrelated_single_requests_are_clean():
    a = Chat(system=LONG_SYSTEM + " Tone: formal.").request("Hi")
    b = Chat(system=LONG_SYSTEM + " Tone: casual.").request("Hello there")
    assert found(jsonl(a, b, a)) == []


# -- what breaks the cache is reported once, at the first affected request ----------------------


def test_timestamp_in_system_is_reported_once_with_excerpt():
    chat = Chat()
    times = ["10:00:01", "10:00:07", "10:00:12", "10:00:20"]
    log = jsonl(*(chat.turn(f"Question {i}", system=stamped(t)) for i, t in enumerate(times)))
    fs = session_findings(log)
    assert [(f.span.line, f.code) for f in fs] == [(2, "CL401")]
    msg = fs[0].message
    assert 'system[0] changed: "...Current time: 2026-11-22 10:00:01..." -> "...10:00:07..."' in msg
    assert "line 1" in msg
    assert "recurs on the next 2 requests of this conversation, through line 4" in msg
    assert "tokens are written again" in msg
    line = log.splitlines()[1]  # the caret is on the changed characters of line 2
    assert line[fs[0].span.column - 1 : fs[0].span.end_column - 1] == "10:00:07"


def test_tool_order_change_is_cl303_not_cl401():
    tools = [tool("search"), tool("lookup"), tool("refund")]
    chat = Chat(tools=tools)
    lines = [chat.turn("First"), chat.turn("Second")]
    lines.append(chat.turn("Third", tools=[tools[1], tools[0], tools[2]]))
    fs = session_findings(jsonl(*lines))
    assert [(f.span.line, f.code) for f in fs] == [(3, "CL303")]
    assert "[search, lookup, refund] -> [lookup, search, refund]" in fs[0].message
    assert "tools, system and messages" in fs[0].message


def test_schema_key_order_change_is_cl303():
    chat = Chat(tools=[tool("search", ("query", "limit"))])
    lines = [chat.turn("First"), chat.turn("Second", tools=[tool("search", ("limit", "query"))])]
    fs = session_findings(jsonl(*lines))
    assert [(f.span.line, f.code) for f in fs] == [(2, "CL303")]
    assert 'in input_schema.properties: ["query", "limit"] -> ["limit", "query"]' in fs[0].message


def test_tool_choice_flip_is_cl403_and_flips_back_are_counted():
    chat = Chat(tools=[tool("search")])
    choices = [{"type": "auto"}, {"type": "auto"}, {"type": "any"}, {"type": "auto"}]
    log = jsonl(*(chat.turn(f"Q{i}", tool_choice=c) for i, c in enumerate(choices)))
    fs = session_findings(log)
    assert [(f.span.line, f.code) for f in fs] == [(3, "CL403")]
    assert 'tool_choice changed from auto (default) to {"type":"any"}' in fs[0].message
    assert "recurs on the next request of" in fs[0].message
    assert fs[0].span.column > 1  # points at the tool_choice key of line 3


def test_model_change_explains_everything_no_cl401_on_the_same_request():
    chat = Chat()
    lines = [chat.turn("First", system=stamped("10:00:01"))]
    lines.append(chat.turn("Second", system=stamped("10:00:05"), model="claude-opus-4-5"))
    assert found(jsonl(*lines)) == [(2, "CL403")]


def test_new_cause_is_reported_and_a_recurrence_after_a_clean_request_again():
    chat = Chat()
    lines = [
        chat.turn("a", system=stamped("10:00:01")),
        chat.turn("b", system=stamped("10:00:02")),  # drift: reported
        chat.turn("c", system=stamped("10:00:03")),  # same cause: counted
        chat.turn("d", system=stamped("10:00:03"), tool_choice={"type": "any"}),  # new cause
        chat.turn("e", system=stamped("10:00:03"), tool_choice={"type": "any"}),  # clean
        chat.turn("f", system=stamped("10:00:09"), tool_choice={"type": "any"}),  # again
    ]
    assert found(jsonl(*lines)) == [(2, "CL401"), (4, "CL403"), (6, "CL401")]


def test_web_search_toggle_is_cl403():
    web = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
    chat = Chat(tools=[tool("search")])
    lines = [chat.turn("First"), chat.turn("Second", tools=[tool("search"), web])]
    fs = session_findings(jsonl(*lines))
    assert [(f.span.line, f.code) for f in fs] == [(2, "CL403")]
    assert "web search/fetch tools changed" in fs[0].message
    assert "system and messages" in fs[0].message


def test_first_image_in_the_conversation_is_cl403():
    chat = Chat()
    lines = [chat.turn("First"), chat.turn("Second")]
    req = chat.request("Look at this")
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"},
    }
    req["messages"][-1]["content"].insert(0, image)
    lines.append(req)
    assert found(jsonl(*lines)) == [(3, "CL403")]


# -- history rewrites -------------------------------------------------------------------------


def test_inject_and_delete_reminder_is_cl404():
    chat = Chat()
    lines = []
    for i in range(4):
        req = chat.request(f"Question {i}")
        req["messages"][-1]["content"].insert(0, text("<reminder>Be brief.</reminder>"))
        lines.append(req)
        chat.answer(f"Question {i}", f"Answer {i}")
    fs = session_findings(jsonl(*lines))
    # the first request differs from the second in its only shared message: not enough to
    # tell it from another conversation; from the third request on the history shows it
    assert [(f.span.line, f.code) for f in fs] == [(3, "CL404")]
    assert 'messages[2].content[0] (user) was removed: "<reminder>Be brief.</reminder>"' in (
        fs[0].message
    )
    assert "recurs on the next request of" in fs[0].message


def test_edited_earlier_message_is_cl404_with_excerpt():
    chat = Chat()
    lines = [chat.turn(f"Question number {i} about the parcel to Berlin") for i in range(3)]
    req = chat.request("Question number 3")
    req["messages"][2]["content"] = "Question number 1 about the parcel to Munich"
    lines.append(req)
    fs = session_findings(jsonl(*lines))
    assert [(f.span.line, f.code) for f in fs] == [(4, "CL404")]
    assert 'messages[2] (user) changed: "...' in fs[0].message
    assert 'parcel to Berlin" -> "...Munich"' in fs[0].message


def test_first_message_edited_while_the_rest_carries_on_is_cl404():
    chat = Chat()
    chat.answer("My order number is 7 and it is late", "Sorry about that.")
    lines = [chat.turn("Where is it now?"), chat.turn("When will it arrive?")]
    req = chat.request("Thanks")
    req["messages"][0]["content"] = "My order number is 7 and it is late (edited)"
    lines.append(req)
    fs = session_findings(jsonl(*lines))
    assert [(f.span.line, f.code) for f in fs] == [(3, "CL404")]
    assert "messages[0] (user) changed" in fs[0].message


def test_a_different_first_message_with_a_shared_reply_is_not_an_edit():
    a, b = Chat(user="a"), Chat(user="b")
    a.answer("I want a refund", "Sure, which order?")
    b.answer("I want an exchange", "Sure, which order?")
    lines = [a.turn("Order 7"), a.turn("Today please"), b.turn("Order 9")]
    assert found(jsonl(*lines)) == []


def test_sliding_window_truncation_is_cl404():
    chat = Chat()
    lines = [chat.turn(f"Question number {i}") for i in range(4)]
    req = chat.request("Question number 4")
    req["messages"] = req["messages"][2:]
    lines.append(req)
    fs = session_findings(jsonl(*lines))
    assert [(f.span.line, f.code) for f in fs] == [(5, "CL404")]
    assert "2 messages removed at messages[0]" in fs[0].message


def test_reserialized_tool_use_input_in_history_is_cl303():
    chat = Chat(tools=[tool("search")])
    call = {
        "type": "tool_use",
        "id": "toolu_01",
        "name": "search",
        "input": {"query": "x", "limit": "5"},
    }
    result = {"type": "tool_result", "tool_use_id": "toolu_01", "content": "3 orders found"}
    chat.history += [
        {"role": "user", "content": "Find my orders"},
        {"role": "assistant", "content": [call]},
        {"role": "user", "content": [result]},
        {"role": "assistant", "content": "You have 3 orders."},
    ]
    first = chat.turn("Which one shipped?")
    second = chat.request("And the other ones?")
    second["messages"][1]["content"][0]["input"] = {"limit": "5", "query": "x"}
    fs = session_findings(jsonl(first, second))
    assert [(f.span.line, f.code) for f in fs] == [(2, "CL303")]
    assert "history re-serialized" in fs[0].message


# -- lookback ----------------------------------------------------------------------------------


def _big_turn(blocks: list[dict]) -> list[dict]:
    chat = Chat()
    first = chat.turn("Please review these files")
    req = chat.request("placeholder")
    req["messages"][-1]["content"] = [
        *blocks[:-1],
        {**blocks[-1], "cache_control": {"type": "ephemeral"}},
    ]
    return [first, req]


def test_turn_adding_25_blocks_is_cl402():
    blocks = [text(f"File {i}: contents of module {i}.") for i in range(25)]
    fs = session_findings(jsonl(*_big_turn(blocks)))
    assert [(f.span.line, f.code) for f in fs] == [(2, "CL402")]
    assert "positions after the previous request's last cache write" in fs[0].message


def test_runs_of_tool_results_count_as_one_position():
    results = [
        {"type": "tool_result", "tool_use_id": f"toolu_{i:02}", "content": f"result {i}"}
        for i in range(25)
    ]
    assert found(jsonl(*_big_turn(results))) == []


def test_a_second_breakpoint_near_the_previous_write_avoids_cl402():
    blocks = [text(f"File {i}: contents of module {i}.") for i in range(25)]
    first, req = _big_turn(blocks)
    req["messages"][-1]["content"][5]["cache_control"] = {"type": "ephemeral"}
    assert found(jsonl(first, req)) == []


# -- usage evidence ----------------------------------------------------------------------------


def test_usage_confirms_a_predicted_miss():
    chat = Chat()
    lines = [
        with_usage(chat.turn("a", system=stamped("10:00:01")), 0, 5210),
        with_usage(chat.turn("b", system=stamped("10:00:07")), 0, 5230),
    ]
    fs = session_findings(jsonl(*lines))
    assert [(f.span.line, f.code) for f in fs] == [(2, "CL401")]
    assert "confirmed by usage: 0 tokens read, 5,230 written" in fs[0].message


def test_usage_showing_a_read_drops_the_prediction():
    chat = Chat()
    lines = [
        with_usage(chat.turn("a", system=stamped("10:00:01")), 0, 5210),
        with_usage(chat.turn("b", system=stamped("10:00:07")), 5210, 30),
    ]
    assert found(jsonl(*lines)) == []


def test_unexplained_miss_is_info():
    chat = Chat()
    lines = [
        with_usage(chat.turn("a"), 0, 5210),
        with_usage(chat.turn("b"), 5210, 40),
        with_usage(chat.turn("c"), 0, 5290),
    ]
    fs = session_findings(jsonl(*lines))
    assert [(f.span.line, f.code, f.severity.value) for f in fs] == [(3, "CL401", "info")]
    assert "0 tokens read, 5,290 written" in fs[0].message
    assert "5,250 tokens were cached before" in fs[0].message


def test_bedrock_and_openai_style_usage_fields():
    from cachelint.session.usage import usage_of

    bedrock = {"response": {"usage": {"cacheReadInputTokens": 7, "cacheWriteInputTokens": 9}}}
    assert (usage_of(bedrock).read, usage_of(bedrock).write) == (7, 9)
    openai = {"response": {"usage": {"prompt_tokens_details": {"cached_tokens": 1024}}}}
    assert (usage_of(openai).read, usage_of(openai).write) == (1024, None)
    assert usage_of({"model": "x", "messages": []}) is None


# -- conversation key --------------------------------------------------------------------------


def test_conversation_key_separates_identical_conversations():
    # Two users with per-user system prompts whose conversations open with the same two
    # messages: without a key the second looks like the first one continued with a new system.
    a = Chat(user="alice", system=LONG_SYSTEM + " Customer: Alice.")
    b = Chat(user="bob", system=LONG_SYSTEM + " Customer: Bob.")
    a.answer("Hi", "Hello! How can I help?")
    b.answer("Hi", "Hello! How can I help?")
    lines = [a.turn("Where is order 7?"), b.turn("Where is order 7?")]
    assert found(jsonl(*lines), conversation_key="/metadata/user_id") == []
    assert found(jsonl(*lines)) == [(2, "CL401")]


def test_a_retried_first_request_is_compared_only_under_a_key():
    a = Chat().request("Where is order 7?", system=stamped("10:00:01"))
    b = Chat().request("Where is order 7?", system=stamped("10:00:04"))
    assert found(jsonl(a, b)) == []  # could be two users asking the same
    assert found(jsonl(a, b), conversation_key="/metadata/user_id") == [(2, "CL401")]


def test_conversation_key_on_the_wrapper():
    a = Chat()
    lines = [
        {"session": "s1", "request": a.turn("a", system=stamped("10:00:01"))},
        {"session": "s2", "request": Chat().turn("zzz", system=stamped("10:00:01"))},
        {"session": "s1", "request": a.turn("b", system=stamped("10:00:02"))},
    ]
    assert found(jsonl(*lines), conversation_key="/session") == [(3, "CL401")]


# -- dialects, across conversations, selection ------------------------------------------------


def test_chat_completions_log_with_drifting_system_message():
    def req(time: str, turns: int) -> dict:
        msgs = [{"role": "system", "content": [text(stamped(time), marked=True)]}]
        for i in range(turns):
            msgs += [
                {"role": "user", "content": f"q{i}"},
                {"role": "assistant", "content": f"a{i}"},
            ]
        msgs.append({"role": "user", "content": [text(f"q{turns}", marked=True)]})
        return {"model": "anthropic/claude-sonnet-4.5", "messages": msgs}

    fs = session_findings(jsonl(req("10:00:01", 0), req("10:00:09", 1)))
    assert [(f.span.line, f.code) for f in fs] == [(2, "CL401")]
    assert "messages[0].content[0] changed" in fs[0].message


def test_converse_log_with_reordered_tools():
    def spec(name: str) -> dict:
        return {"toolSpec": {"name": name, "inputSchema": {"json": {"type": "object"}}}}

    def req(order: list[str], turns: int) -> dict:
        msgs = []
        for i in range(turns):
            msgs += [
                {"role": "user", "content": [{"text": f"q{i}"}]},
                {"role": "assistant", "content": [{"text": f"a{i}"}]},
            ]
        msgs.append(
            {"role": "user", "content": [{"text": "next"}, {"cachePoint": {"type": "default"}}]}
        )
        return {
            "modelId": "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "toolConfig": {
                "tools": [spec(n) for n in order] + [{"cachePoint": {"type": "default"}}]
            },
            "system": [{"text": LONG_SYSTEM}, {"cachePoint": {"type": "default"}}],
            "messages": msgs,
        }

    fs = session_findings(jsonl(req(["a", "b"], 0), req(["b", "a"], 1)))
    assert [(f.span.line, f.code) for f in fs] == [(2, "CL303")]


def test_same_tools_in_another_order_across_new_conversations():
    tools = [tool("search"), tool("lookup"), tool("refund")]
    one = Chat(tools=tools).request("First customer question")
    two = Chat(tools=tools[::-1]).request("Another customer entirely")
    three = Chat(tools=tools[::-1]).request("A third one")
    fs = session_findings(jsonl(one, two, three))
    assert [(f.span.line, f.code) for f in fs] == [(2, "CL303")]
    assert "since the last request with the same tools and system (another conversation)" in (
        fs[0].message
    )


def test_ignored_code_is_not_replaced_by_another_cause():
    tools = [tool("search"), tool("lookup")]
    chat = Chat(tools=tools)
    lines = [
        chat.turn("First"),
        chat.turn("Second", tools=tools[::-1], tool_choice={"type": "any"}),
    ]
    log = jsonl(*lines)
    assert found(log) == [(2, "CL303")]
    engine_findings = [
        (f.span.line, f.code)
        for f in make_engine(ignore=["CL303"]).lint_bytes(log.encode(), "log.jsonl")
        if f.code in SESSION
    ]
    assert engine_findings == []


def test_single_request_findings_are_unchanged_in_a_log():
    req = Chat(system="Short.").request("Hi")
    from conftest import lint

    single = [(f.code, f.message) for f in lint(jsonl(req), "one.json".replace("json", "jsonl"))]
    assert [c for c, _ in single] == ["CL201"]


@pytest.mark.parametrize("pointer", ["metadata/user_id", "/a/~2"])
def test_invalid_conversation_key_is_a_config_error(pointer, tmp_path):
    from conftest import run_cli

    (tmp_path / "cachelint.toml").write_text(f'conversation-key = "{pointer}"\n')
    (tmp_path / "log.jsonl").write_text(jsonl(Chat().request("Hi")))
    r = run_cli("check", "log.jsonl", cwd=tmp_path)
    assert r.returncode == 2
    assert b"conversation-key" in r.stderr
    assert b"Traceback" not in r.stderr
