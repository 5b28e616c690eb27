"""A chat history kept on the agent; each request sends a copy whose new last message carries
the breakpoint, and the history keeps the message unmarked: one breakpoint per request."""

import anthropic

client = anthropic.Anthropic()


class Agent:
    def __init__(self) -> None:
        self.history: list = []

    def turn(self, text: str) -> str:
        sent = self.history.copy()
        block = {"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}
        sent.append({"role": "user", "content": [block]})
        reply = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=sent)
        self.history.append({"role": "user", "content": text})
        self.history.append({"role": "assistant", "content": reply.content})
        return reply.content[0].text

    def run(self, texts: list[str]) -> None:
        for text in texts:
            self.turn(text)
