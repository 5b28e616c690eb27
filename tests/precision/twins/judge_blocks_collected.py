"""The bad twin of judge_pairs_logged.py: the marked context blocks of every comparison are
collected into one message, so that request carries a breakpoint per candidate."""

import anthropic

client = anthropic.Anthropic()
CONTEXT_MARK = {"cache_control": {"type": "ephemeral"}}


def tournament(context: str, candidates: list[str]) -> str:
    blocks = []
    for candidate in candidates:
        blocks.append({"type": "text", "text": f"{context}\n{candidate}", **CONTEXT_MARK})
    reply = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=8,
        messages=[{"role": "user", "content": blocks}],
    )
    return reply.content[0].text
