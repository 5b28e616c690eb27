"""OpenRouter through the OpenAI SDK, with a cache_control part on the system message."""

from openai import OpenAI

client = OpenAI(base_url="https://openrouter.ai/api/v1")
RULES = open("prompts/moderation.md", encoding="utf-8").read()


def moderate(text: str) -> str:
    completion = client.chat.completions.create(
        model="anthropic/claude-sonnet-4.5",
        messages=[
            {
                "role": "system",
                "content": [{"type": "text", "text": RULES, "cache_control": {"type": "ephemeral"}}],
            },
            {"role": "user", "content": text},
        ],
        extra_headers={"HTTP-Referer": "https://moderation.example.com", "Cache-Control": "no-store"},
    )
    return completion.choices[0].message.content
