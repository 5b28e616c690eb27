"""Tool-use ids from the history, with a generated stand-in only when a call has none."""

import uuid

import anthropic

client = anthropic.Anthropic()


def to_messages(history: list) -> list:
    out = []
    for msg in history:
        blocks = []
        for call in msg.get("tool_calls") or []:
            call_id = call.get("id") or f"tool_{uuid.uuid4().hex[:8]}"
            blocks.append({"type": "tool_use", "id": call_id, "name": call["name"], "input": {}})
        out.append({"role": msg["role"], "content": blocks or msg["content"]})
    out[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return out


def ask(history: list):
    return client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=to_messages(history))
