"""An old client that still sends the prompt-caching beta header (CL501)."""

import anthropic

CACHING_BETA = "prompt-caching-2024-07-31"
client = anthropic.Anthropic(default_headers={"anthropic-beta": CACHING_BETA})
SYSTEM = open("prompts/assistant.md", encoding="utf-8").read()


def answer(question: str) -> str:
    response = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=[{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}],
    )
    return response.content[0].text
