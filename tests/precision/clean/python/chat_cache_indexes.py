"""Markers at the positions the caller asks for (one by default), as a chat library does."""


def add_cache_control(msg: dict, ttl: str | None = None) -> dict:
    cc = {"type": "ephemeral"} | ({"ttl": ttl} if ttl else {})
    if calls := msg.get("tool_calls"):
        calls[-1]["cache_control"] = cc
        return msg
    content = msg.get("content")
    if not content:
        return msg
    if isinstance(content, str):
        msg["content"] = [{"type": "text", "text": content}]
    if msg["content"][-1].get("text"):
        msg["content"][-1]["cache_control"] = cc
    return msg


def apply_cache_idxs(msgs: list, cache_idxs=[-1], ttl=None) -> None:  # noqa: B006
    positions = [j for j, m in enumerate(msgs) if m["role"] != "tool"]
    for i in cache_idxs:
        try:
            idx = positions[i]
        except IndexError:
            continue
        add_cache_control(msgs[idx], ttl)
