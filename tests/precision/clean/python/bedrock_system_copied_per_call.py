"""A Bedrock agent whose model copies the system blocks it is given on each call and appends a
cache point to that copy (strands-agents' `_format_request`): the agent's loop sends one marked
copy per request, however many passes it makes."""

import boto3


class BedrockModel:
    def __init__(self, model_id: str, cache_prompt: str | None = "default") -> None:
        self.config = {"model_id": model_id, "cache_prompt": cache_prompt}
        self.client = boto3.client("bedrock-runtime")

    def format_request(self, messages: list, system_content: list | None = None) -> dict:
        system_blocks = system_content.copy() if system_content else []
        if cache_prompt := self.config.get("cache_prompt"):
            system_blocks.append({"cachePoint": {"type": cache_prompt}})
        return {"modelId": self.config["model_id"], "messages": messages, "system": system_blocks}

    def stream(self, messages: list, system_content: list | None = None):
        return self.client.converse_stream(**self.format_request(messages, system_content))


class SlicingModel(BedrockModel):
    def format_request(self, messages: list, system_content: list | None = None) -> dict:
        system_blocks = system_content[:] if system_content else []
        system_blocks.append({"cachePoint": {"type": "default"}})
        return {"modelId": self.config["model_id"], "messages": messages, "system": system_blocks}


class Agent:
    def __init__(self, model: BedrockModel, system_prompt: str) -> None:
        self.model = model
        self.system_content = [{"text": system_prompt}]
        self.messages: list = []

    def run(self, prompt: str) -> None:
        self.messages.append({"role": "user", "content": [{"text": prompt}]})
        while True:
            response = self.model.stream(self.messages, self.system_content)
            self.messages.append({"role": "assistant", "content": [{"text": str(response)}]})
            if response.get("stopReason") != "tool_use":
                return


def run_both(prompt: str) -> None:
    Agent(BedrockModel("anthropic.claude-sonnet-4-5"), "You review code.").run(prompt)
    Agent(SlicingModel("anthropic.claude-sonnet-4-5"), "You review code.").run(prompt)
