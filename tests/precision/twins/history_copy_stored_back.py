"""A chat history kept on the agent, copied, extended with a marked message, and stored back:
the copy carries the history on, so every turn leaves one more breakpoint in it."""

import anthropic

client = anthropic.Anthropic()


class Agent:
    def __init__(self) -> None:
        self.history: list = []

    def turn(self, text: str) -> None:
        history = self.history.copy()
        block = {"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}
        history.append({"role": "user", "content": [block]})
        self.history = history
        client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=self.history)

    def run(self, texts: list[str]) -> None:
        for text in texts:
            self.turn(text)
