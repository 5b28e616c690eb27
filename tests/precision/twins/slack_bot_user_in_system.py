"""A Slack bot whose cached system prompt names the user who wrote: per-request data (CL302)."""

import litellm

SYSTEM_PROMPT = "You are <@{bot_user_id}>, a helpful assistant in this Slack workspace."


def build_system_message(template: str, bot_user_id: str | None) -> dict:
    text = template.format(bot_user_id=bot_user_id)
    return {
        "role": "system",
        "content": [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}],
    }


def reply(context, event: dict) -> str:
    messages = [
        build_system_message(SYSTEM_PROMPT, context.user_id),
        {"role": "user", "content": event["text"]},
    ]
    response = litellm.completion(model="anthropic/claude-sonnet-4-5", messages=messages)
    return response.choices[0].message.content
