"""CL501 on the prompt-caching beta header: reported where it is sent, not where a constant
only names it (a list of removed betas, a comparison, a docstring, a table that is not sent)."""

from __future__ import annotations

import json
import textwrap

from conftest import lint, run_cli


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


def test_appended_to_a_list_that_is_sent():
    assert cl501(
        _CLIENT
        + """
CACHING = "prompt-caching-2024-07-31"

def betas_for(model):
    betas = ["computer-use-2025-01-24"]
    if model.startswith("claude-3"):
        betas.append(CACHING)
    return betas

def ask(q, model):
    return client.beta.messages.create(
        model=model, max_tokens=1, messages=[], betas=betas_for(model)
    )
"""
    ) == [7]


def test_imported_from_another_module_of_the_project(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "config.py").write_text(
        'CACHING_BETA = "prompt-caching-2024-07-31"\nREMOVED = ["prompt-caching-2024-07-31"]\n'
    )
    (tmp_path / "app" / "client.py").write_text(
        textwrap.dedent(
            """
            import anthropic

            from app import config
            from app.config import CACHING_BETA, REMOVED

            client = anthropic.Anthropic()

            def ask(q, configured):
                betas = [b for b in configured if b not in REMOVED]
                betas.append(CACHING_BETA)
                return client.beta.messages.create(
                    model="m", max_tokens=1, messages=[], betas=betas,
                    extra_headers={"anthropic-beta": config.CACHING_BETA},
                )
            """
        )
    )
    r = run_cli("check", ".", "--no-cache", "--format", "json", "--select", "CL501", cwd=tmp_path)
    found = json.loads(r.stdout)["findings"]
    assert [(f["path"], f["line"]) for f in found] == [("app/client.py", 11), ("app/client.py", 14)]
    assert "(CACHING_BETA, set in app/config.py:1)" in found[0]["message"]
    assert "(config.CACHING_BETA, set in app/config.py:1)" in found[1]["message"]
