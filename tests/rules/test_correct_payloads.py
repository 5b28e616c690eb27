"""Correct payloads, the right way to do each thing, produce no finding at all."""

from __future__ import annotations

import json

import pytest

from conftest import lint
from payloads import EPHEMERAL, POLICY, anthropic_request, conversation, tools


def _clean(req, filename="req.json", **kw):
    data = req if isinstance(req, bytes) else json.dumps(req, indent=2).encode()
    findings = lint(data, filename, **kw)
    assert not findings, [(f.code, f.span.line, f.message) for f in findings]


def test_long_multi_turn_with_breakpoint_on_last_turn():
    _clean(anthropic_request())


def test_several_breakpoints_in_the_right_ttl_order():
    req = anthropic_request()
    req["messages"] = conversation(12)
    req["messages"][10]["content"] = [
        {"type": "text", "text": req["messages"][10]["content"], "cache_control": EPHEMERAL}
    ]
    _clean(req)


def test_automatic_caching_with_string_system_and_content():
    _clean(
        {
            "model": "claude-opus-4-8",
            "max_tokens": 512,
            "cache_control": EPHEMERAL,
            "system": POLICY,
            "messages": [{"role": "user", "content": "Hi"}],
        }
    )


def test_automatic_caching_with_same_ttl_on_last_block_is_a_no_op():
    req = anthropic_request(cache_control={"type": "ephemeral"})
    _clean(req)


def test_thinking_turns_with_marker_on_tool_result():
    req = anthropic_request(thinking={"type": "enabled", "budget_tokens": 2048})
    req["messages"] = [
        {"role": "user", "content": "List the files"},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "I will call ls.", "signature": "EqQBCkYIARgC"},
                {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"},
                {"type": "tool_use", "id": "toolu_01", "name": "tool_0", "input": {"q": "ls"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_01",
                    "content": "a.txt\nb.txt",
                    "cache_control": EPHEMERAL,
                }
            ],
        },
    ]
    _clean(req)


def test_gateway_chat_completions():
    _clean(
        {
            "model": "anthropic/claude-sonnet-4.5",
            "messages": [
                {
                    "role": "system",
                    "content": [
                        {
                            "type": "text",
                            "text": POLICY,
                            "cache_control": {"type": "ephemeral", "ttl": "1h"},
                        }
                    ],
                },
                {"role": "user", "content": "Hi"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "result"},
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "thanks", "cache_control": EPHEMERAL}],
                },
            ],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
        }
    )


def test_openai_request_without_markers_is_none_of_our_business():
    _clean(
        {
            "model": "gpt-4o",
            "messages": [
                {"role": "system", "content": "Current time: 2026-11-22T10:00:00Z"},
                {"role": "user", "content": "Hi"},
            ],
        }
    )


def test_bedrock_converse_with_cachepoints():
    _clean(
        {
            "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "toolConfig": {
                "tools": [
                    {
                        "toolSpec": {
                            "name": "t",
                            "description": POLICY,
                            "inputSchema": {"json": {"type": "object"}},
                        }
                    },
                    {"cachePoint": {"type": "default", "ttl": "1h"}},
                ]
            },
            "system": [{"text": POLICY}, {"cachePoint": {"type": "default", "ttl": "1h"}}],
            "messages": [
                {"role": "user", "content": [{"text": "Hi"}]},
                {"role": "assistant", "content": [{"text": "Hello"}]},
                {
                    "role": "user",
                    "content": [
                        {"text": "Where is my order?"},
                        {"cachePoint": {"type": "default"}},
                    ],
                },
            ],
        }
    )


def test_bedrock_invoke_and_vertex_bodies():
    body = anthropic_request()
    del body["model"]
    _clean(
        dict(body, anthropic_version="bedrock-2023-05-31"),
        model="anthropic.claude-sonnet-4-5-20250929-v1:0",
    )
    _clean(
        dict(body, anthropic_version="vertex-2023-10-16", cache_control=EPHEMERAL),
        model="claude-sonnet-4-5@20250929",
    )


def test_batch_and_log_wrappers_in_jsonl():
    req = anthropic_request()
    lines = [
        {"custom_id": "a", "params": req},
        {"request": req, "response": {"usage": {"cache_read_input_tokens": 2000}}},
        {"custom_id": "b", "method": "POST", "url": "/v1/messages", "body": req},
    ]
    _clean("\n".join(json.dumps(x) for x in lines).encode(), "log.jsonl")


def test_array_of_requests():
    _clean([anthropic_request(), anthropic_request(model="claude-opus-4-8")])


def test_no_markers_no_findings_even_with_timestamps():
    _clean(
        {
            "model": "claude-sonnet-4-5",
            "max_tokens": 10,
            "system": "Now: 2026-11-22T10:00:00Z",
            "messages": [{"role": "user", "content": "x"}],
        }
    )


def test_unknown_model_without_breakpoints_and_missing_model():
    _clean({"model": "mistral-large", "messages": [{"role": "user", "content": "x"}]})
    req = anthropic_request()
    del req["model"]
    _clean(req)  # no model anywhere: minimums cannot be checked, and nothing else is wrong


def test_document_and_image_blocks_are_not_estimated():
    req = anthropic_request(model="claude-haiku-4-5")
    req["system"] = [{"type": "text", "text": "Read the manual."}]
    req["tools"] = tools()
    req["messages"] = [
        {
            "role": "user",
            "content": [
                {
                    "type": "document",
                    "source": {
                        "type": "base64",
                        "media_type": "application/pdf",
                        "data": "JVBERi0xLjQK",
                    },
                },
                {"type": "text", "text": "Summarise it.", "cache_control": EPHEMERAL},
            ],
        }
    ]
    _clean(req)


def test_non_request_json_is_ignored():
    _clean({"name": "cache-demo", "cache": {"enabled": True}, "cache_control": "no-store"})
    _clean([1, 2, {"cacheControl": "max-age=60"}])


@pytest.mark.parametrize(
    "model",
    [
        "claude-opus-5",
        "anthropic/claude-opus-5",
        "global.anthropic.claude-opus-5",
        "claude-opus-5@20260101",
    ],
)
def test_model_id_forms(model):
    _clean(anthropic_request(model=model))


def test_coding_agent_request_with_environment_block():
    env = (
        "Here is useful information about the environment you are running in:\n<env>\n"
        "Working directory: /home/dev/project\nIs directory a git repo: Yes\nPlatform: linux\n"
        "OS Version: Linux 6.8.0-45-generic\nToday's date: 2026-11-22\n</env>\n"
        "gitStatus: Current branch: main\nStatus:\nM src/app.py\n\nRecent commits:\n"
        "a1b2c3d Fix the retry loop (#1234)\n9f8e7d6 Bump version to 2.1.177\n"
        "Model: claude-sonnet-4-5-20250929, knowledge cutoff January 2025."
    )
    req = anthropic_request(
        system=[
            {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.177.45c"},
            {"type": "text", "text": POLICY, "cache_control": EPHEMERAL},
            {"type": "text", "text": env, "cache_control": EPHEMERAL},
        ],
        metadata={"user_id": "user_3f2a1b4c-1234-4abc-8def-0123456789ab_session_42"},
    )
    req["messages"] = conversation(3)
    _clean(req)


@pytest.mark.parametrize("dialect", ["anthropic", "chat"])
def test_a_null_marker_is_no_marker(dialect):
    """`cache_control: null` is what a helper sends for a block it does not cache: the field is
    nullable in the API, so it is neither invalid (CL103) nor a breakpoint (CL105, CL201)."""
    req = anthropic_request()
    req["cache_control"] = None
    blocks = [{"type": "text", "text": f"part {i}", "cache_control": None} for i in range(6)]
    if dialect == "anthropic":
        req["messages"][-1]["content"] = blocks
    else:
        req = {
            "model": "anthropic/claude-sonnet-4-5",
            "cache_control": None,
            "messages": [{"role": "system", "content": blocks}, {"role": "user", "content": "Hi"}],
        }
    _clean(req)
