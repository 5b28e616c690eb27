"""Properties of conversation analysis: clean logs stay clean however they are interleaved, memory
is bounded by the open conversations, and no input makes it crash."""

from __future__ import annotations

import pytest

import random

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cachelint.rule_api import Context
from cachelint.models import ModelTable
from cachelint.payload.source import requests_of
from cachelint.session.analyzer import SessionAnalyzer
from cachelint.session.conversations import Conversations
from cachelint.tokens import Estimator

from conftest import make_engine
from logs import LONG_SYSTEM, Chat, jsonl, tool

pytestmark = pytest.mark.slow  # property tests, many examples

SESSION = ("CL303", "CL401", "CL402", "CL403", "CL404")


def session_codes(log: str, **config) -> list[tuple[int, str, str]]:
    found = make_engine(**config).lint_bytes(log.encode(), "log.jsonl")
    return [(f.span.line, f.code, f.message) for f in found if f.code in SESSION]


SYSTEMS = [LONG_SYSTEM, LONG_SYSTEM + " Brand: Globex.", "You translate to French. " * 200]
TOOLSETS = [None, [tool("search"), tool("lookup")], [tool("refund")]]
OPENERS = ["Hi", "Hello", "I need help with an order"]


@st.composite
def clean_logs(draw):
    """Several append-only conversations (some with the same system, tools and opening message,
    some with markers on system only, on the latest turn, or automatic), interleaved at random."""
    n = draw(st.integers(2, 6))
    chats = []
    for c in range(n):
        chat = Chat(
            system=draw(st.sampled_from(SYSTEMS)),
            tools=draw(st.sampled_from(TOOLSETS)),
            user=f"user{c}",
        )
        chat.style = draw(st.sampled_from(["latest", "system-only", "automatic", "two"]))
        chat.opener = draw(st.sampled_from(OPENERS))
        chats.append(chat)
    order = draw(st.lists(st.integers(0, n - 1), min_size=n, max_size=40))
    lines = []
    turns = [0] * n
    for c in order:
        chat = chats[c]
        q = chat.opener if turns[c] == 0 else f"{chat.user} follow-up {turns[c]}"
        req = chat.request(q)
        if chat.style == "system-only":
            req["messages"][-1]["content"][0].pop("cache_control")
        elif chat.style == "automatic":
            req["messages"][-1]["content"][0].pop("cache_control")
            req["cache_control"] = {"type": "ephemeral"}
        elif chat.style == "two" and len(req["messages"]) > 2:
            req["messages"][-2]["content"][0]["cache_control"] = {"type": "ephemeral"}
        chat.answer(q, f"Answer {turns[c]} for {chat.user}")
        turns[c] += 1
        lines.append(req)
    return jsonl(*lines)


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(clean_logs())
def test_clean_interleaved_logs_have_no_session_findings(log):
    assert session_codes(log) == []


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(clean_logs())
def test_clean_logs_with_the_conversation_key(log):
    assert session_codes(log, conversation_key="/metadata/user_id") == []


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(clean_logs(), st.integers(0, 10_000), st.booleans())
def test_a_drift_is_found_however_the_log_is_interleaved(log, seed, clock):
    """A drift request rules cannot see is CL401 at the second request; a clock time is CL301
    once, where it first changes, whatever the other conversations around it."""
    lines = [orjson.loads(x) for x in log.splitlines()]
    target = Chat(user="drifter")
    rng = random.Random(seed)
    stamps = []
    for i in range(3):
        drift = f" At 10:00:0{i}." if clock else f" Agents on shift: {i + 3}."
        stamps.append(target.turn(f"Drifting question {i}", system=LONG_SYSTEM + drift))
    # insert the drifting conversation's requests in order, at random places
    positions = sorted(rng.sample(range(len(lines) + 3), 3))
    for pos, req in zip(positions, stamps, strict=True):
        lines.insert(pos, req)
    found = [
        f
        for f in make_engine().lint_bytes(jsonl(*lines).encode(), "log.jsonl")
        if f.code in (*SESSION, "CL301", "CL304")
    ]
    if clock:  # an unlabelled time: the log's evidence is its change, from the second request
        assert [(f.span.line, f.code) for f in found] == [(positions[1] + 1, "CL301")]
        assert "requests of this conversation" in found[0].message
    else:
        assert [(f.span.line, f.code) for f in found] == [(positions[1] + 1, "CL401")]


def _analyzer(max_open: int) -> SessionAnalyzer:
    models = ModelTable()
    analyzer = SessionAnalyzer(Context(models, Estimator(models.estimator)))
    analyzer.conversations = Conversations(max_open=max_open)
    return analyzer


def _feed(analyzer: SessionAnalyzer, requests: list[dict]) -> None:
    for n, req in enumerate(requests, 1):
        for item, r, prompt in requests_of(req, ()):
            kw = {"path": "x.jsonl", "line_no": n, "resolve": lambda a: None, "selected": bool}
            analyzer.add(item, r, prompt, [], **kw)


def test_open_conversations_and_indexes_are_bounded():
    analyzer = _analyzer(max_open=8)
    requests = []
    for c in range(100):  # 100 conversations one after another, 4 turns each
        chat = Chat(user=f"u{c}")
        requests += [chat.turn(f"User {c} question {i}") for i in range(4)]
    _feed(analyzer, requests)
    convs = analyzer.conversations
    assert len(convs.open) == 8
    assert len(convs._depth) <= 8 * 8  # at most one entry per message of an open conversation
    assert len(convs._msgs) <= 8 * 8
    assert len(convs._full) <= 8


def test_long_message_blocks_are_kept_as_sketches():
    analyzer = _analyzer(max_open=4)
    chat = Chat()
    chat.history.append({"role": "user", "content": "x" * 100_000})
    chat.history.append({"role": "assistant", "content": "ok"})
    _feed(analyzer, [chat.turn("q")])
    (conv,) = analyzer.conversations.open.values()
    kept = sum(len(b.text.head) + len(b.text.tail) for b in conv.last.blocks)
    assert kept < len(LONG_SYSTEM) + 2_000


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
block = st.one_of(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["text", "image", "tool_use", "tool_result", "x"])}
    ),
    st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=30)}),
    st.fixed_dictionaries(
        {"type": st.just("text"), "text": st.text(max_size=30), "cache_control": json_values}
    ),
    json_values,
)
message = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["user", "assistant", "system", 3]),
        "content": st.one_of(st.text(max_size=20), st.lists(block, max_size=4), json_values),
    }
)
request = st.fixed_dictionaries(
    {"messages": st.lists(message, max_size=5)},
    optional={
        "system": st.one_of(st.text(max_size=20), st.lists(block, max_size=3), json_values),
        "tools": st.one_of(st.lists(json_values, max_size=3), json_values),
        "model": st.one_of(st.text(max_size=12), json_values),
        "tool_choice": json_values,
        "cache_control": json_values,
        "thinking": json_values,
    },
)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(
        st.one_of(request, st.fixed_dictionaries({"request": request, "response": json_values})),
        min_size=1,
        max_size=6,
    )
)
def test_arbitrary_request_logs_never_crash(lines):
    make_engine().lint_bytes(jsonl(*lines).encode(), "log.jsonl")
