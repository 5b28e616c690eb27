"""Property tests: any JSON payload is analysed or reported as CL000, never a traceback.

Fixed seed (derandomize) so CI is reproducible; `bench/fuzz_long.py` runs the same properties
with many more examples.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import lint
from fuzzing import SETTINGS
from fuzzing import check_findings as _check
from payloads import anthropic_request

pytestmark = pytest.mark.slow  # property tests, many examples

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "text",
                    "cache_control",
                    "ttl",
                    "content",
                    "role",
                    "cachePoint",
                    "source",
                    "name",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)
FIELDS = [
    "model",
    "system",
    "messages",
    "tools",
    "cache_control",
    "toolConfig",
    "modelId",
    "anthropic_version",
    "thinking",
    "tool_choice",
    "betas",
]


@SETTINGS
@given(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6))
def test_random_requests_never_crash(req):
    req.setdefault("messages", [])
    _check(lint(json.dumps(req)))


@SETTINGS
@given(
    st.sampled_from(["tools", "system", "messages", "cache_control"]),
    json_values,
    st.integers(min_value=0, max_value=3),
)
def test_wrong_types_at_every_field(field, value, depth):
    req = anthropic_request()
    target: object = req
    path = {
        "tools": ["tools", 0],
        "system": ["system", 0],
        "messages": ["messages", -1, "content", 0],
        "cache_control": ["system", 0, "cache_control"],
    }[field][: depth + 1]
    for step in path[:-1]:
        target = target[step]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    _check(lint(json.dumps(req)))
    _check(lint(json.dumps(req), "log.jsonl"))


@SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data):
    for name in ("x.json", "x.jsonl"):
        _check(lint(data, name))


@SETTINGS
@given(
    st.integers(min_value=0, max_value=10_000),
    st.binary(min_size=1, max_size=4),
    st.sampled_from(["truncate", "insert", "replace"]),
)
def test_mutated_valid_payloads(pos, chunk, how):
    data = json.dumps(anthropic_request(), indent=1).encode()
    pos %= len(data)
    mutated = {
        "truncate": data[:pos],
        "insert": data[:pos] + chunk + data[pos:],
        "replace": data[:pos] + chunk + data[pos + len(chunk) :],
    }[how]
    findings = lint(mutated)
    _check(findings)
    if how == "truncate" and pos:
        assert [f.code for f in findings] == ["CL000"]
