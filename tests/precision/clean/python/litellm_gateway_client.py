"""Calls through the LiteLLM proxy with cache_control content parts on the system message."""

import litellm

GUIDE = open("prompts/review_guide.md", encoding="utf-8").read()


def review(diff: str) -> str:
    response = litellm.completion(
        model="anthropic/claude-sonnet-4-5",
        messages=[
            {
                "role": "system",
                "content": [
                    {"type": "text", "text": GUIDE, "cache_control": {"type": "ephemeral"}}
                ],
            },
            {"role": "user", "content": f"Review this diff:\n\n{diff}"},
        ],
        extra_headers={"Cache-Control": "no-cache"},
    )
    return response.choices[0].message.content
