"""Per-request data reached through a lookup (CL302): memories retrieved for the question and a
user's profile put into the cached system prompt split the cache per request or per user."""

from __future__ import annotations

import textwrap

import pytest
from conftest import lint

_SRC = """
import anthropic

client = anthropic.Anthropic()


class Assistant:
    def __init__(self, store):
        self.store = store

    def ask(self, user_id: str, question: str):
        found = {lookup}
        system = [
            {{"type": "text", "text": {cached}, "cache_control": {{"type": "ephemeral"}}}},
            {{"type": "text", "text": {after}}},
        ]
        return client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024, system=system,
            messages=[{{"role": "user", "content": question}}],
        )
"""


def _lint(lookup: str, cached: str = 'f"You help.\\n{found}"', after: str = '"Be brief."') -> list:
    src = textwrap.dedent(_SRC).format(lookup=lookup, cached=cached, after=after)
    return [f for f in lint(src, "assistant.py") if f.code != "CL201"]


LOOKUPS = {
    "memories retrieved for the question": "self.store.search(query=question)",
    "memories of the user": "self.store.recall(user_id)",
    "the user's profile": "self.store.get_profile(user_id=user_id)",
    "documents relevant to the question": "self.index.get_relevant_documents(question)",
}


@pytest.mark.parametrize("lookup", LOOKUPS.values(), ids=LOOKUPS.keys())
def test_data_retrieved_for_the_request_in_the_cached_prefix_is_reported(lookup):
    (f,) = _lint(lookup)
    assert f.code == "CL302"
    assert "retrieves for parameter" in f.message


QUIET = {
    "after the breakpoint": ("self.store.search(query=question)", '"You help."', "found"),
    "a lookup of a fixed key": ('self.store.search("house rules")', None, None),
    "a method that is no lookup": ("self.store.version(user_id)", None, None),
}


@pytest.mark.parametrize(("lookup", "cached", "after"), QUIET.values(), ids=QUIET.keys())
def test_stable_or_uncached_lookups_are_quiet(lookup, cached, after):
    kw = {k: v for k, v in (("cached", cached), ("after", after)) if v is not None}
    assert _lint(lookup, **kw) == []


def test_the_schema_of_a_model_class_passed_in_is_not_request_data():
    """A response format passed as an argument: its JSON schema is the shape of a type, the same
    for every request; the value of a dict passed the same way is still that request's."""
    src = """
        import json

        import anthropic


        def answer(question: str, output):
            system = f"Answer in JSON: {json.dumps(output.model_json_schema())}"
            return anthropic.Anthropic().messages.create(
                model="claude-sonnet-4-5",
                max_tokens=1024,
                system=[{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": question}],
            )
    """

    def codes(source: str) -> list[str]:
        return [f.code for f in lint(textwrap.dedent(source), "a.py") if f.code != "CL201"]

    assert codes(src) == []
    assert codes(src.replace("output.model_json_schema()", "output")) == ["CL302"]
