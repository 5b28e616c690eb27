"""A tool-using agent: the breakpoint moves to the latest turn, older markers are removed."""

import anthropic

client = anthropic.Anthropic()
SYSTEM = [
    {
        "type": "text",
        "text": open("prompts/agent.md", encoding="utf-8").read(),
        "cache_control": {"type": "ephemeral"},
    }
]


def _mark_last_turn(messages: list[dict]) -> None:
    for message in messages:
        if isinstance(message["content"], list):
            for block in message["content"]:
                block.pop("cache_control", None)
    last = messages[-1]["content"]
    if isinstance(last, list) and last:
        last[-1]["cache_control"] = {"type": "ephemeral"}


def run(task: str, tools: list[dict], execute) -> str:
    messages = [{"role": "user", "content": [{"type": "text", "text": task}]}]
    while True:
        _mark_last_turn(messages)
        response = client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=4096,
            system=SYSTEM,
            tools=sorted(tools, key=lambda t: t["name"]),
            messages=messages,
        )
        messages.append({"role": "assistant", "content": response.content})
        if response.stop_reason != "tool_use":
            return "".join(b.text for b in response.content if b.type == "text")
        results = [
            {"type": "tool_result", "tool_use_id": b.id, "content": execute(b.name, b.input)}
            for b in response.content
            if b.type == "tool_use"
        ]
        messages.append({"role": "user", "content": results})
