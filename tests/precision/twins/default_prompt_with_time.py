"""A default system prompt with the current time, used whenever the caller passes none (CL304)."""

from datetime import datetime

import anthropic

client = anthropic.Anthropic()


def ask(question: str, system_prompt: str | None = None):
    system = system_prompt or f"You are helpful. Now: {datetime.now().isoformat()}"
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=100,
        system=[{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}],
    )
