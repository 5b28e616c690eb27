"""The system prompt carries the date of the day (one miss a day), never the time."""

from datetime import date

import anthropic

client = anthropic.Anthropic()
HANDBOOK = open("handbook.md", encoding="utf-8").read()


def ask(question: str) -> str:
    system = f"Today's date: {date.today():%A %d %B %Y}.\n\n{HANDBOOK}"
    response = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system=[{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": question}],
    )
    return response.content[0].text
