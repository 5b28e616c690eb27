"""Stored conversation state grown in place on every call (CL301): code that adds context to a
message or prompt text the object keeps, each time it prepares a request, makes the text before
the breakpoint longer on every request."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import lint, run_cli, write_files

_MODEL = """
class MessagePart:
    def __init__(self, type: str, content: str | None = None) -> None:
        self.type = type
        self.content = content


class Message:
    def __init__(self, role: str, parts: list[MessagePart]) -> None:
        self.role = role
        self.parts = parts
"""

# the shape of a real bug: an inherited helper in another module rewrites the stored first
# message on each call, and a provider in a third module marks the last message
_BASE = """
from app.model import Message, MessagePart


class BaseProvider:
    def prepare_messages(self, transform):
        first_message = self.chat.messages[0]
        if self.chat.context:
            first_message.parts[0].content = (
                self.chat.context + "\\n" + first_message.parts[0].content
            )
        messages = self.chat.examples + [first_message] + self.chat.messages[1:]
        return [transform(m) for m in messages]
"""

_PROVIDER = """
import anthropic

from app.base import BaseProvider


def to_dict(message) -> dict:
    res = {"role": message.role, "content": []}
    for part in message.parts:
        res["content"].append({"type": "text", "text": part.content})
    return res


class AnthropicProvider(BaseProvider):
    def __init__(self, chat, model: str) -> None:
        self.client = anthropic.Anthropic()
        self.chat = chat
        self.model = model

    def fetch(self):
        messages = self.prepare_messages(transform=lambda m: to_dict(m))
        if messages and messages[-1]["content"]:
            messages[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
        return self.client.messages.create(
            model=self.model, max_tokens=1024, system=self.chat.instruction, messages=messages
        )
"""

# the fix: the request gets its own first message, the stored one is left as it is
_BASE_FIXED = """
from app.model import Message, MessagePart


class BaseProvider:
    def prepare_messages(self, transform):
        first_message = self.chat.messages[0]
        if self.chat.context:
            first_message = Message(
                role=first_message.role,
                parts=[
                    MessagePart("text", self.chat.context + "\\n" + first_message.parts[0].content),
                    *first_message.parts[1:],
                ],
            )
        messages = self.chat.examples + [first_message] + self.chat.messages[1:]
        return [transform(m) for m in messages]
"""


def _project(tmp_path: Path, base: str) -> Path:
    files = {
        "app/__init__.py": "",
        "app/model.py": _MODEL,
        "app/base.py": base,
        "app/provider.py": _PROVIDER,
    }
    return write_files(tmp_path, {k: v.lstrip("\n") for k, v in files.items()})


def _check(root: Path) -> list[dict]:
    out = run_cli("check", ".", "--format", "json", "--no-cache", "--ignore", "CL201", cwd=root)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)["findings"]


def test_an_inherited_helper_that_grows_the_stored_first_message_is_reported(tmp_path):
    found = _check(_project(tmp_path, _BASE))
    assert [(f["path"], f["line"], f["code"]) for f in found] == [("app/provider.py", 20, "CL301")]
    f = found[0]
    assert "`first_message.parts[0].content`" in f["message"]
    assert "chat.messages[0].parts[0].content" in f["message"]
    assert "gets self.chat.context put in front of it" in f["message"]
    assert "(built in app/base.py:8)" in f["message"]
    (note,) = f["notes"]
    assert note["message"] == "the breakpoint whose prefix changes"
    assert note["line"] == 22


def test_the_fixed_helper_that_copies_the_first_message_is_quiet(tmp_path):
    assert _check(_project(tmp_path, _BASE_FIXED)) == []


def _python(
    body: str, init: str = "self.history = history", methods: str = "", sent: str = ""
) -> list:
    """Findings (not CL201) in an agent whose ask() runs `body`, then sends a copy of its history
    with the last message marked; `methods` are more methods, `sent` more arguments sent."""
    src = textwrap.dedent(
        """
        import copy

        import anthropic


        class Agent:
            def __init__(self, history, context: str) -> None:
                self.client = anthropic.Anthropic()
                {init}
                self.context = context
        {methods}
            def ask(self):
        {body}
                messages = [dict(m) for m in self.history]
                messages[-1] = {{
                    "role": "user",
                    "content": [
                        {{"type": "text", "text": "go on", "cache_control": {{"type": "ephemeral"}}}}
                    ],
                }}
                return self.client.messages.create(
                    model="claude-sonnet-4-5", max_tokens=1024, messages=messages{sent}
                )
        """
    ).format(
        body=_indented(body, 8),
        init=init,
        methods=_indented(methods, 4) + "\n" if methods else "",
        sent=sent,
    )
    return [f for f in lint(src, "agent.py") if f.code != "CL201"]


def _indented(code: str, by: int) -> str:
    return textwrap.indent(textwrap.dedent(code).strip("\n"), " " * by)


GROWN = {
    "f-string in front": """
        self.history[0]["content"] = f"{self.context}\\n{self.history[0]['content']}"
    """,
    "augmented assignment": """
        first = self.history[0]
        first["content"] += "\\n" + self.context
    """,
    "a block put before the stored blocks": """
        first = self.history[0]
        first["content"] = [{"type": "text", "text": self.context}, *first["content"]]
    """,
    "joined": """
        first = self.history[0]
        first["content"] = "\\n".join([self.context, first["content"]])
    """,
}


@pytest.mark.parametrize("body", GROWN.values(), ids=GROWN.keys())
def test_stored_history_grown_on_each_call_is_reported(body):
    found = _python(body)
    assert [f.code for f in found] == ["CL301"]
    assert "grown in place on every call" in found[0].message
    assert "history[0]" in found[0].message
    assert "of the constructor argument 'history', which the object keeps" in found[0].message


QUIET_ON_A_LIST = {
    "the latest message": """
        self.history.append({"role": "user", "content": "hi"})
        self.history[-1]["content"] = self.history[-1]["content"] + self.context
    """,
    "a copy": """
        first = dict(self.history[0])
        first["content"] = self.context + first["content"]
    """,
    "only when not there yet": """
        if not self.history[0]["content"].startswith(self.context):
            self.history[0]["content"] = self.context + self.history[0]["content"]
    """,
}

@pytest.mark.parametrize("body", GROWN.values(), ids=GROWN.keys())
def test_a_history_list_the_object_starts_empty_is_kept_too(body):
    found = _python(body, init="self.history = []")
    assert [f.code for f in found] == ["CL301"]
    assert "in an item of self.history that earlier calls left" in found[0].message


@pytest.mark.parametrize("body", QUIET_ON_A_LIST.values(), ids=QUIET_ON_A_LIST.keys())
def test_a_history_list_the_object_starts_empty_quiet_twins(body):
    assert _python(body, init="self.history = []") == []


def test_state_set_out_of_sight_counts_as_kept():
    found = _python(
        """
        self.memory.messages[0].content = self.context + self.memory.messages[0].content
        """,
        init="pass",
    )
    assert [f.code for f in found] == ["CL301"]


QUIET = {
    "a copy of the message": """
        first = copy.deepcopy(self.history[0])
        first["content"] = self.context + first["content"]
    """,
    "only when not there yet": """
        first = self.history[0]
        if not first["content"].startswith(self.context):
            first["content"] = self.context + first["content"]
    """,
    "only when not there yet (in)": """
        first = self.history[0]
        if self.context not in first["content"]:
            first["content"] = self.context + first["content"]
    """,
    "once, under a flag the code sets": """
        if not self.context_added:
            self.history[0]["content"] = self.context + self.history[0]["content"]
            self.context_added = True
    """,
    "a new message appended": """
        self.history.append({"role": "user", "content": self.context})
    """,
    "the latest message": """
        self.history[-1]["content"] = self.history[-1]["content"] + self.context
    """,
    "a counter": """
        self.stats[0]["count"] = self.stats[0]["count"] + 1
    """,
    "replaced, not grown": """
        self.history[0]["content"] = self.context
    """,
    "a type test does not make it once": """
        first = self.history[0]
        if isinstance(first["content"], str):
            x = 1
    """,
}


@pytest.mark.parametrize("body", QUIET.values(), ids=QUIET.keys())
def test_writes_that_do_not_grow_the_stored_prefix_on_each_call_are_quiet(body):
    assert _python(body) == []


def test_growth_in_the_constructor_happens_once():
    src = textwrap.dedent(
        """
        import anthropic


        class Agent:
            def __init__(self, history, context: str) -> None:
                self.client = anthropic.Anthropic()
                self.history = history
                self.history[0]["content"] = context + self.history[0]["content"]

            def ask(self):
                messages = [dict(m) for m in self.history]
                messages[-1] = {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "go on", "cache_control": {"type": "ephemeral"}}
                    ],
                }
                return self.client.messages.create(
                    model="claude-sonnet-4-5", max_tokens=1024, messages=messages
                )
        """
    )
    assert [f for f in lint(src, "agent.py") if f.code != "CL201"] == []


def test_without_a_breakpoint_nothing_is_cached_and_nothing_is_reported():
    src = textwrap.dedent(
        """
        import anthropic


        class Agent:
            def __init__(self, history, context: str) -> None:
                self.client = anthropic.Anthropic()
                self.history = history
                self.context = context

            def ask(self):
                self.history[0]["content"] = self.context + self.history[0]["content"]
                return self.client.messages.create(
                    model="claude-sonnet-4-5", max_tokens=1024, messages=self.history
                )
        """
    )
    assert lint(src, "agent.py") == []


def test_the_note_names_the_breakpoint_in_the_messages_when_the_system_is_marked_too():
    system = ', system=[{"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral"}}]'
    body = 'self.history[0]["content"] = self.context + self.history[0]["content"]'
    (f,) = _python(body, sent=system)
    (note,) = f.notes
    assert note[1].line == 19  # the marker on the last message, not the system's (line 23)


def test_a_history_the_call_sets_afresh_has_nothing_from_earlier_calls():
    src = textwrap.dedent(
        """
        import anthropic


        class Agent:
            def __init__(self, context: str) -> None:
                self.client = anthropic.Anthropic()
                self.context = context
                self.messages = []

            def ask(self, question: str):
                self.messages = [{"role": "user", "content": question}]
                self.messages[0]["content"] = self.context + "\\n" + self.messages[0]["content"]
                self.messages[-1]["content"] = [
                    {"type": "text", "text": question, "cache_control": {"type": "ephemeral"}}
                ]
                return self.client.messages.create(
                    model="claude-sonnet-4-5", max_tokens=1024, messages=self.messages
                )
        """
    )
    assert [f for f in lint(src, "agent.py") if f.code != "CL201"] == []


def test_a_write_run_twice_on_the_way_is_one_write():
    prepend = """
        def _prepend(self):
            self.history[0]["content"] = self.context + self.history[0]["content"]
    """
    (f,) = _python("self._prepend()\nself._prepend()", methods=prepend)
    assert f.code == "CL301"
    assert "more such write" not in f.message
