"""The twin of clean/python/bedrock_system_copied_per_call.py: the request copies the history
list, but marks its last message in place. The messages are the agent's own, kept on it: each
pass of the tool loop leaves one more cache point in its history."""

import boto3


class Agent:
    def __init__(self, model_id: str) -> None:
        self.client = boto3.client("bedrock-runtime")
        self.model_id = model_id
        self.history: list = []

    def _request(self) -> dict:
        sent = self.history.copy()
        sent[-1]["content"].append({"cachePoint": {"type": "default"}})
        return {"modelId": self.model_id, "messages": sent}

    def chat(self, question: str) -> str:
        self.history.append({"role": "user", "content": [{"text": question}]})
        while True:
            reply = self.client.converse(**self._request())
            self.history.append(reply["output"]["message"])
            if reply.get("stopReason") != "tool_use":
                return str(reply)
