"""Prompt blocks shared by the assistants. Examples of times in here are fixed text."""

from functools import cache

STYLE = """Answer in short paragraphs. Quote times in ISO 8601, e.g. 2026-05-01T14:30:00Z,
and say which time zone a local time is in (for example 09:30:00 Europe/Amsterdam)."""


@cache
def policy_text() -> str:
    with open("policy/returns.md", encoding="utf-8") as f:
        return f.read()


def system_blocks() -> list[dict]:
    return [
        {"type": "text", "text": STYLE},
        {"type": "text", "text": policy_text(), "cache_control": {"type": "ephemeral"}},
    ]
