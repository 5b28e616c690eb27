"""The assistant's client: sends only current betas, caches the system prompt."""

import anthropic

from anthropic_beta_registry import DEFAULT_BETAS, clean_betas

client = anthropic.Anthropic()
SYSTEM = open("prompts/assistant.md", encoding="utf-8").read()
OBSOLETE_HEADER = "prompt-caching-2024-07-31"


def answer(question: str, configured_betas: list[str]) -> str:
    betas = [b for b in clean_betas(configured_betas) if b != OBSOLETE_HEADER]
    response = client.beta.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        betas=betas or list(DEFAULT_BETAS),
        system=[{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}],
    )
    return response.content[0].text


def migration_note() -> str:
    return (
        "Older versions sent anthropic-beta: prompt-caching-2024-07-31 and called "
        "client.beta.prompt_caching.messages.create; both are gone."
    )
