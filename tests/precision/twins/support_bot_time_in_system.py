"""The support bot with the time in the cached system prompt (CL301)."""

from datetime import datetime, timezone

import anthropic

client = anthropic.Anthropic()
POLICY = open("policy/support.md", encoding="utf-8").read()


def reply(question: str) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    response = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=[
            {"type": "text", "text": f"Current time: {now}."},
            {"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}},
        ],
        messages=[{"role": "user", "content": question}],
    )
    return response.content[0].text
