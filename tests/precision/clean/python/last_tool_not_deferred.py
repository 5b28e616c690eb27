"""The last tool that is not deferred carries the marker (a deferred tool cannot)."""

import anthropic

client = anthropic.Anthropic()


def tool_param(name: str, deferred: bool) -> dict:
    tool = {"name": name, "input_schema": {"type": "object"}}
    if deferred:
        tool["defer_loading"] = True
    return tool


def send(names: list[str], hidden: set[str], question: str):
    tools = [tool_param(n, n in hidden) for n in names]
    for tool in reversed(tools):
        if tool.get("defer_loading") is not True:
            tool["cache_control"] = {"type": "ephemeral"}
            break
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=100,
        tools=tools,
        messages=[{"role": "user", "content": question}],
    )
