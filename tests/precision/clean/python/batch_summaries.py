"""Nightly summaries of support tickets through the Message Batches API."""

import anthropic

client = anthropic.Anthropic()
INSTRUCTIONS = open("prompts/summarise.md", encoding="utf-8").read()


def submit(tickets: list[dict]) -> str:
    batch = client.messages.batches.create(
        requests=[
            {
                "custom_id": f"ticket-{t['id']}",
                "params": {
                    "model": "claude-sonnet-4-5",
                    "max_tokens": 512,
                    "system": [
                        {
                            "type": "text",
                            "text": INSTRUCTIONS,
                            "cache_control": {"type": "ephemeral"},
                        }
                    ],
                    "messages": [{"role": "user", "content": t["body"]}],
                },
            }
            for t in tickets
        ]
    )
    return batch.id
