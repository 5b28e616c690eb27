"""The bad twin of turn_request_object.py: the messages are kept on the assistant, so the
marker on each turn's new message stays there for every later turn."""

import anthropic


class Assistant:
    def __init__(self) -> None:
        self.client = anthropic.Anthropic()
        self.messages: list[dict] = []

    def turn(self, text: str) -> list[dict]:
        block = {"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}
        self.messages.append({"role": "user", "content": [block]})
        reply = self.client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            system="You answer questions about the billing API.",
            messages=self.messages,
        )
        self.messages.append({"role": "assistant", "content": reply.content})
        return self.messages
