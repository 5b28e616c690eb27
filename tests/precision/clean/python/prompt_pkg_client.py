"""Uses the shared prompt blocks; the request id goes in metadata, not in the prompt."""

import uuid

import anthropic

from prompt_pkg.blocks import system_blocks

client = anthropic.Anthropic()


def answer(question: str) -> str:
    response = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=system_blocks(),
        messages=[{"role": "user", "content": question}],
        metadata={"user_id": str(uuid.uuid4())},
        extra_headers={"X-Request-Id": str(uuid.uuid4())},
    )
    return response.content[0].text
