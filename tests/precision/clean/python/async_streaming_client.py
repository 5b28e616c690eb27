"""Streaming answers for the web chat; the conversation history is cached up to the last turn."""

import anthropic

client = anthropic.AsyncAnthropic()
PERSONA = open("prompts/persona.md", encoding="utf-8").read()


async def stream_answer(history: list[dict], question: str):
    turn = {
        "role": "user",
        "content": [{"type": "text", "text": question, "cache_control": {"type": "ephemeral"}}],
    }
    async with client.messages.stream(
        model="claude-sonnet-4-5",
        max_tokens=2048,
        system=[{"type": "text", "text": PERSONA, "cache_control": {"type": "ephemeral"}}],
        messages=[*history, turn],
    ) as stream:
        async for text in stream.text_stream:
            yield text
