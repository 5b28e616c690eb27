"""A test of a formatter that strips fields Bedrock rejects: its input is not a request."""

from mylib.bedrock import BedrockModel


def check_format_request_drops_unknown_cache_point_fields():
    model = BedrockModel(model_id="anthropic.claude-sonnet-4-5")
    messages = [
        {"role": "user", "content": [{"cachePoint": {"type": "default", "extraField": "removed"}}]},
    ]
    request = model.format_request(messages)
    assert request["messages"][0]["content"][0]["cachePoint"] == {"type": "default"}
