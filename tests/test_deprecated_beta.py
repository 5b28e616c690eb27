"""CL501 on the prompt-caching beta header: reported where it is sent, not where a constant
only names it (a list of removed betas, a comparison, a docstring, a table that is not sent)."""

from __future__ import annotations

import textwrap

from conftest import lint


def cl501(src: str) -> list[int]:
    found = lint(textwrap.dedent(src), "app.py")
    return sorted(f.span.line for f in found if f.code == "CL501")


_CLIENT = """
import anthropic
import httpx

client = anthropic.Anthropic()
"""


def test_sent_in_arguments_and_header_dicts():
    assert cl501(
        _CLIENT
        + """
def a(q):
    return client.beta.messages.create(
        model="m", max_tokens=1, messages=[], betas=["prompt-caching-2024-07-31"]
    )

def b(q):
    return client.messages.create(
        model="m", max_tokens=1, messages=[],
        extra_headers={"anthropic-beta": "prompt-caching-2024-07-31"},
    )

def c(payload):
    headers = {"x-api-key": "k"}
    headers["anthropic-beta"] = "prompt-caching-2024-07-31,token-efficient-tools-2025-02-19"
    return httpx.post("https://api.anthropic.com/v1/messages", headers=headers, json=payload)
"""
    ) == [9, 15, 20]


def test_sent_through_a_variable_an_attribute_or_a_function():
    assert cl501(
        _CLIENT
        + """
BETAS = ["prompt-caching-2024-07-31"]
HEADERS = {"anthropic-beta": ",".join(["prompt-caching-2024-07-31", "other"])}

def caching_beta():
    return "prompt-caching-2024-07-31"

class Bot:
    def __init__(self):
        self.betas = ["prompt-caching-2024-07-31"]

    def ask(self, q):
        client.beta.messages.create(model="m", max_tokens=1, messages=[], betas=self.betas)
        client.beta.messages.create(model="m", max_tokens=1, messages=[], betas=BETAS)
        return anthropic.Anthropic(default_headers=HEADERS), [caching_beta()]

def sent(q):
    return client.beta.messages.create(
        model="m", max_tokens=1, messages=[], betas=[caching_beta()]
    )
"""
    ) == [7, 8, 11, 15]


def test_only_named_is_quiet():
    assert not cl501(
        _CLIENT
        + '''
"""prompt-caching-2024-07-31 was the beta of 2024; caching needs no header now."""

REMOVED_BETAS = ["prompt-caching-2024-07-31", "max-tokens-3-5-sonnet-2024-07-15"]
KNOWN = {"prompt-caching-2024-07-31": "removed", "interleaved-thinking-2025-05-14": "active"}
OLD = "prompt-caching-2024-07-31"

def describe(beta):
    if beta == "prompt-caching-2024-07-31":
        return "prompt-caching-2024-07-31 is no longer needed"
    return KNOWN.get(beta, "unknown")

def ask(q, configured):
    return client.beta.messages.create(
        model="m", max_tokens=1, messages=[],
        betas=[b for b in configured if b not in REMOVED_BETAS and b != OLD],
        extra_headers={"anthropic-beta": ",".join(b for b in configured if b != OLD)},
    )
'''
    )


def test_the_beta_namespace_and_types_are_still_reported():
    found = cl501(
        _CLIENT
        + """
from anthropic.types.beta.prompt_caching import PromptCachingBetaTextBlockParam

def ask(q):
    return client.beta.prompt_caching.messages.create(model="m", max_tokens=1, messages=[])
"""
    )
    assert sorted(set(found)) == [7, 10]
