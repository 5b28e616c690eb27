"""Bedrock Converse with a cache point after the stable system prompt."""

import boto3

bedrock = boto3.client("bedrock-runtime", region_name="eu-central-1")
MODEL = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
SYSTEM = open("prompts/dispatcher.md", encoding="utf-8").read()


def ask(question: str, history: list[dict]) -> str:
    response = bedrock.converse(
        modelId=MODEL,
        system=[{"text": SYSTEM}, {"cachePoint": {"type": "default"}}],
        messages=[*history, {"role": "user", "content": [{"text": question}]}],
        inferenceConfig={"maxTokens": 1024},
    )
    return response["output"]["message"]["content"][0]["text"]
