"""A prompt block whose marker is a string, as HTTP caching would write it (CL103)."""


def policy_block(text: str) -> dict:
    return {"type": "text", "text": text, "cache_control": "ephemeral"}
