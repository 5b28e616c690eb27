"""Each turn builds a request object from the stored transcript, marks its last message and
sends it; the reply is added to that object's messages for the caller to display. The object
is made on every call, so its markers never reach the next turn."""

from dataclasses import dataclass

import anthropic


@dataclass
class TurnRequest:
    system: str
    messages: list[dict]


class Assistant:
    def __init__(self) -> None:
        self.client = anthropic.Anthropic()
        self.transcript: list[tuple[str, str]] = []

    @staticmethod
    def _cache_up_to(message: dict) -> None:
        message["content"][-1]["cache_control"] = {"type": "ephemeral"}

    def turn(self, text: str) -> list[dict]:
        self.transcript.append(("user", text))
        request = TurnRequest(
            system="You answer questions about the billing API.",
            messages=[
                {"role": r, "content": [{"type": "text", "text": t}]} for r, t in self.transcript
            ],
        )
        self._cache_up_to(request.messages[-1])
        reply = self.client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            system=request.system,
            messages=request.messages,
        )
        request.messages.append({"role": "assistant", "content": reply.content})
        self.transcript.append(("assistant", reply.content[0].text))
        return request.messages
