"""Bedrock Converse cache points built by helpers, and a settings dict that only carries a TTL."""

import boto3

_client = boto3.client("bedrock-runtime")


def cache_point(cache: str) -> dict:
    """The cachePoint body: `type: default` alone means five minutes."""
    if cache == "1h":
        return {"type": "default", "ttl": "1h"}
    return {"type": "default"}


def validate_cache_point(point: dict | None) -> dict | None:
    if not point:
        return None
    if point.get("type") != "default":
        raise ValueError("a cache point needs type 'default'")
    return {"cachePoint": point}


class Converse:
    def __init__(self, model: str, cache_settings: dict | None = None) -> None:
        self.model = model
        self.cache_settings = cache_settings

    def apply_cache_points(self, cache_control: dict | None, system: list, messages: list) -> None:
        """`cache_control` holds settings (a TTL); the Converse API always uses type 'default'."""
        if not cache_control:
            return
        point = {"type": "default"}
        if ttl := cache_control.get("ttl"):
            point["ttl"] = ttl
        if system:
            system.append({"cachePoint": dict(point)})
        if messages:
            messages[-1]["content"].append({"cachePoint": dict(point)})

    def send(self, text: str, question: str, cache: str = "5m"):
        system = [{"text": text}, {"cachePoint": cache_point(cache)}]
        messages = [{"role": "user", "content": [{"text": question}]}]
        self.apply_cache_points({"ttl": "5m"}, [], messages)
        return _client.converse(modelId=self.model, system=system, messages=messages)


def check_helpers() -> None:
    assert validate_cache_point({"type": "default"}) == {"cachePoint": {"type": "default"}}
    assert cache_point("1h") == {"type": "default", "ttl": "1h"}
    expected = {"type": "default", "ttl": "1h"}
    assert cache_point("1h") == expected
