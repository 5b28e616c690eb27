"""Values followed across the project's modules: a volatile value built in one module, kept on an
object in another and cached by a provider adapter in a third is reported where it comes in."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from conftest import lint, run_cli, write_files

_PROMPTS = """
from datetime import datetime

TEMPLATE = "You are a helpful assistant. The time is {now}."


def get_current_time() -> str:
    return datetime.now().strftime("%H:%M")


def build_system_prompt() -> str:
    return TEMPLATE.format(now=get_current_time())
"""

_AGENT = """
from app.prompts import build_system_prompt
from app.providers.anthropic_adapter import AnthropicAdapter


class Agent:
    def __init__(self) -> None:
        self.adapter = AnthropicAdapter()
        self.history = []

    def refresh(self) -> None:
        self.system = build_system_prompt()

    def ask(self, question: str) -> str:
        self.refresh()
        self.history.append({"role": "user", "content": question})
        return self.adapter.send(self.system, self.history)
"""

# caches the conversation: the system prompt is part of the prefix of its breakpoint
_ADAPTER = """
import anthropic


class AnthropicAdapter:
    def __init__(self) -> None:
        self.client = anthropic.Anthropic()

    def send(self, system: str, messages: list) -> str:
        sent = [dict(m) for m in messages]
        last = sent[-1]
        sent[-1] = {
            "role": last["role"],
            "content": [
                {"type": "text", "text": last["content"], "cache_control": {"type": "ephemeral"}}
            ],
        }
        return self.client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024, system=system, messages=sent
        )
"""


def _project(tmp_path: Path, **changed: str) -> Path:
    files = {
        "app/__init__.py": "",
        "app/providers/__init__.py": "",
        "app/prompts.py": _PROMPTS,
        "app/agent.py": _AGENT,
        "app/providers/anthropic_adapter.py": _ADAPTER,
    }
    files.update({k.replace("__", "/") + ".py": v for k, v in changed.items()})
    return write_files(tmp_path, {k: v.lstrip("\n") for k, v in files.items()})


def _check(root: Path, *paths: str) -> list[dict]:
    out = run_cli("check", *paths, "--format", "json", "--no-cache", "--ignore", "CL201", cwd=root)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)["findings"]


def test_value_built_in_one_module_kept_on_an_object_and_cached_by_an_adapter(tmp_path):
    root = _project(tmp_path)
    found = _check(root, "app/agent.py", "app/prompts.py", "app/providers/anthropic_adapter.py")
    assert [(f["path"], f["line"], f["code"]) for f in found] == [("app/agent.py", 11, "CL301")]
    f = found[0]
    assert "the current time (datetime.now())" in f["message"]
    assert "(built in app/prompts.py:7)" in f["message"]
    # the breakpoint is the adapter's, in the other module; the note names it there
    (note,) = f["notes"]
    assert "in app/providers/anthropic_adapter.py:14" in note["message"]
    assert note["line"] == 16  # the call that leads into the adapter


def test_the_same_project_with_a_stable_system_prompt_is_clean(tmp_path):
    prompts = _PROMPTS.replace(
        'datetime.now().strftime("%H:%M")', 'datetime.now().strftime("%Y-%m-%d")'
    )
    root = _project(tmp_path, app__prompts=prompts)
    assert _check(root, "app/agent.py", "app/prompts.py") == []


def test_a_system_prompt_built_once_in_init_is_not_per_request(tmp_path):
    agent = _AGENT.replace(
        "self.history = []", "self.history = []\n        self.refresh()"
    ).replace("        self.refresh()\n        self.history.append", "        self.history.append")
    root = _project(tmp_path, app__agent=agent)
    assert _check(root, "app/agent.py") == []


def test_django_localtime_is_the_current_time():
    src = textwrap.dedent(
        """
        import anthropic
        from django.utils import timezone

        client = anthropic.Anthropic()
        M = {"type": "ephemeral"}


        def now_text():
            return timezone.localtime().isoformat()


        def send(q):
            return client.messages.create(
                model="claude-sonnet-4-5",
                max_tokens=10,
                system=[{"type": "text", "text": "You help.", "cache_control": M}],
                messages=[
                    {"role": "user", "content": f"It is {now_text()}"},
                    {"role": "assistant", "content": "ok"},
                    {"role": "user", "content": [{"type": "text", "text": q, "cache_control": M}]},
                ],
            )
        """
    )
    assert _codes(src) == [(10, "CL301")]
    # the date of the day alone is not volatile
    assert _codes(src.replace("timezone.localtime()", "timezone.localdate()")) == []


def _codes(src: str) -> list[tuple[int, str]]:
    return sorted((f.span.line, f.code) for f in lint(src, "app.py") if f.code != "CL201")


# ---- an object the adapter is given: its class answers for its properties ----------------------

_BASE = """
class AgentBase:
    instruction: str
"""

_CHAT = """
from app.base import AgentBase


class Chat(AgentBase):
    def __init__(self, instruction):
        self.instruction = instruction
        self.tools = {}

    def add_tool(self, name, tool):
        self.tools[name] = tool

    @property
    def tools_state(self):
        lines = []
        for name, tool in self.tools.items():
            text = tool.__llm__() if hasattr(tool, "__llm__") else repr(tool)
            lines.append(f"### {name}\\n{text}")
        return "\\n".join(lines)
"""

_PROVIDER = """
import anthropic

from app.base import AgentBase

MARK = {"type": "ephemeral"}


class Provider:
    def __init__(self, chat: AgentBase):
        self.chat = chat
        self.client = anthropic.Anthropic()

    def fetch(self, messages):
        system = [{"type": "text", "text": self.chat.instruction, "cache_control": MARK}]
        system.append({"type": "text", "text": self.chat.tools_state})
        last = messages[-1]
        sent = [*messages[:-1], {"role": last["role"], "content": [
            {"type": "text", "text": last["content"], "cache_control": MARK}]}]
        return self.client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024, system=system, messages=sent
        )
"""


def _agent_project(tmp_path: Path, chat: str = _CHAT) -> Path:
    files = {
        "app/__init__.py": "",
        "app/base.py": _BASE,
        "app/chat.py": chat,
        "app/providers/provider.py": _PROVIDER,  # a namespace folder inside the package
    }
    return write_files(tmp_path, {k: v.lstrip("\n") for k, v in files.items()})


def test_live_tool_states_of_the_agent_subclass_reach_the_system_prompt(tmp_path):
    root = _agent_project(tmp_path)
    found = _check(root, "app/providers/provider.py")
    assert [(f["line"], f["code"]) for f in found] == [(15, "CL301")]
    message = found[0]["message"]
    assert "the live state of the objects in self.tools (__llm__() of each)" in message
    assert "(built in app/chat.py:16)" in message


def test_tool_states_captured_once_per_object_are_not_reported(tmp_path):
    memo = _CHAT.replace(
        "    def tools_state(self):\n",
        "    def tools_state(self):\n"
        "        if self._state is not None:\n"
        "            return self._state\n",
    ).replace("self.tools = {}", "self.tools = {}\n        self._state = None")
    assert _check(_agent_project(tmp_path, memo), "app/providers/provider.py") == []


def test_the_names_of_the_tools_are_not_their_state(tmp_path):
    names = _CHAT.replace('tool.__llm__() if hasattr(tool, "__llm__") else repr(tool)', "name")
    assert _check(_agent_project(tmp_path, names), "app/providers/provider.py") == []


# ---- tools in run-time order (CL303) -----------------------------------------------------------

_TOOLS_HEAD = """
import asyncio

import anthropic

client = anthropic.AsyncAnthropic()
M = {"type": "ephemeral"}
TOOLS = {
    "search": {"name": "search", "description": "Search", "input_schema": {"type": "object"}},
    "fetch": {"name": "fetch", "description": "Fetch", "input_schema": {"type": "object"}},
}


async def send(tools, q):
    return await client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=10,
        tools=tools,
        system=[{"type": "text", "text": "You help.", "cache_control": M}],
        messages=[{"role": "user", "content": q}],
    )
"""


def _tool_codes(body: str) -> list[tuple[int, str]]:
    return _codes(_TOOLS_HEAD + textwrap.dedent(body))


def test_a_set_of_loaded_tool_names_read_from_state_is_in_set_order():
    found = _tool_codes(
        """
        async def ask(state, q):
            loaded: set[str] = state.get("loaded") or set()
            tools = []
            for name in loaded:
                tools.append(TOOLS[name])
            return await send(tools, q)
        """
    )
    assert found == [(26, "CL303")]


def test_a_parameter_annotated_as_a_set_is_in_set_order_and_sorted_is_quiet():
    src = """
        async def ask(names: frozenset[str], q):
            return await send([TOOLS[n] for n in names], q)
        """
    assert _tool_codes(src) == [(24, "CL303")]
    assert _tool_codes(src.replace("for n in names", "for n in sorted(names)")) == []
    assert _tool_codes(src.replace("frozenset[str]", "list[str]")) == []


def test_tools_listed_by_mcp_servers_are_in_the_servers_order():
    src = """
        async def ask(sessions, q):
            listed = await asyncio.gather(*(s.list_tools() for s in sessions))
            tools = []
            for result in listed:
                for t in result.tools:
                    tools.append({"name": t.name, "input_schema": t.inputSchema})
            return await send(tools, q)
        """
    found = _tool_codes(src)
    assert found == [(24, "CL303")]
    fixed = src.replace(
        "for t in result.tools:", "for t in sorted(result.tools, key=lambda t: t.name):"
    )
    assert _tool_codes(fixed) == []


def test_a_fixed_list_of_tools_is_quiet():
    src = """
        async def ask(q):
            return await send([TOOLS["search"], TOOLS["fetch"]], q)
        """
    assert _tool_codes(src) == []


# ---- bounded -----------------------------------------------------------------------------------


def test_deep_and_cyclic_call_graphs_across_modules_finish_within_the_budget(tmp_path):
    """Forty modules each calling the next and the first (a cycle): the analysis stays within
    the per-file budget and still finds the request at the end of the chain."""
    n = 40
    files = {"pkg/__init__.py": ""}
    for i in range(n):
        nxt = f"from pkg.m{i + 1} import step as nxt\n" if i + 1 < n else ""
        body = "    return nxt(text) + back(text)\n" if i + 1 < n else "    return send(text)\n"
        files[f"pkg/m{i}.py"] = (
            f"{nxt}from pkg import m0\n\n\ndef back(text):\n    return m0.step(text)\n\n\n"
            f"def step(text):\n{body}"
        )
    files[f"pkg/m{n - 1}.py"] = (
        "import time\n\nimport anthropic\n\nclient = anthropic.Anthropic()\n\n\n"
        "def send(text):\n    return client.messages.create(model='claude-sonnet-4-5', "
        "max_tokens=10, system=[{'type': 'text', 'text': f'{time.time()} {text}', "
        "'cache_control': {'type': 'ephemeral'}}], "
        "messages=[{'role': 'user', 'content': 'q'}])\n\n\n"
        "def step(text):\n    return send(text)\n"
    )
    root = write_files(tmp_path, files)
    out = run_cli("check", "pkg", "--format", "json", "--no-cache", "--ignore", "CL201", cwd=root)
    assert out.returncode in (0, 1), out.stderr
    doc = json.loads(out.stdout)
    codes = {(f["path"], f["code"]) for f in doc["findings"]}
    assert ("pkg/m39.py", "CL304") in codes
    assert not any(f["code"] == "CL000" for f in doc["findings"])
