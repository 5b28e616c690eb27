"""LangChain agent middleware (rules/frameworks.toml, langchain-middleware): the request a
`wrap_model_call` hook hands on with `request.override(...)` is the one the Anthropic caching
middleware marks, when a project file builds the hook's middleware ahead of it."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli, write_files

_PROMPT = """
INTRO = "Deferred tools, load one with tool_search before calling it:"


def build_block(index, loaded: set[str]) -> str:
    lines = [f"{e.name}: {e.summary}" for e in index.entries() if e.name not in loaded]
    if not lines:
        return ""
    return INTRO + "\\n" + "\\n".join(lines)
"""

_STABLE_PROMPT = """
INTRO = "Deferred tools, load one with tool_search before calling it:"


def build_block(index) -> str:
    lines = [f"{e.name}: {e.summary}" for e in index.entries()]
    if not lines:
        return ""
    return INTRO + "\\n" + "\\n".join(lines)
"""

_MIDDLEWARE = """
from langchain.agents.middleware import AgentMiddleware

from app.prompt import build_block


class ToolsMiddleware(AgentMiddleware):
    def __init__(self, index):
        super().__init__()
        self._index = index

    async def awrap_model_call(self, request, handler):
        loaded_names: set[str] = request.state.get("loaded_tool_names") or set()
        loaded_tools = []
        for name in loaded_names:
            entry = self._index.get(name)
            if entry is not None:
                loaded_tools.append(entry.tool)
        suffix = build_block(self._index, loaded_names)
        system = request.system_prompt or ""
        if suffix:
            system = f"{system}\\n\\n{suffix}"
        tools = [t for t in request.tools if t.name == "tool_search"]
        new_tools = [*tools, *loaded_tools]
        return await handler(request.override(tools=new_tools, system_prompt=system))
"""

# the registration order of the index, and the whole deferred list whatever is loaded
_STABLE_MIDDLEWARE = """
from langchain.agents.middleware import AgentMiddleware

from app.prompt import build_block


class ToolsMiddleware(AgentMiddleware):
    def __init__(self, index):
        super().__init__()
        self._index = index

    async def awrap_model_call(self, request, handler):
        loaded_names: set[str] = request.state.get("loaded_tool_names") or set()
        loaded_tools = [e.tool for e in self._index.entries() if e.name in loaded_names]
        suffix = build_block(self._index)
        system = request.system_prompt or ""
        if suffix:
            system = f"{system}\\n\\n{suffix}"
        tools = [t for t in request.tools if t.name == "tool_search"]
        new_tools = [*tools, *loaded_tools]
        return await handler(request.override(tools=new_tools, system_prompt=system))
"""

_GRAPH = """
from langchain.agents import create_agent
from langchain_anthropic.middleware import AnthropicPromptCachingMiddleware

from app.middleware import ToolsMiddleware


def build(index, tools):
    return create_agent(
        model="anthropic:claude-sonnet-4-5",
        tools=tools,
        system_prompt="You are a coding agent.",
        middleware=[{first}, {second}],
    )
"""
_BEFORE = _GRAPH.format(first="ToolsMiddleware(index)", second="AnthropicPromptCachingMiddleware()")
_AFTER = _GRAPH.format(first="AnthropicPromptCachingMiddleware()", second="ToolsMiddleware(index)")


def _project(tmp_path: Path, prompt=_PROMPT, middleware=_MIDDLEWARE, graph=_BEFORE) -> Path:
    files = {
        "app/__init__.py": "",
        "app/prompt.py": prompt,
        "app/middleware.py": middleware,
        "app/graph.py": graph,
    }
    return write_files(tmp_path, {k: v.lstrip("\n") for k, v in files.items()})


def _check(root: Path, *paths: str) -> list[dict]:
    out = run_cli("check", *paths, "--format", "json", "--no-cache", "--ignore", "CL201", cwd=root)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)["findings"]


def test_state_read_in_the_middleware_reaches_the_cached_system_prompt_and_tools(tmp_path):
    root = _project(tmp_path)
    found = _check(root, ".")
    assert [(f["path"], f["line"], f["code"]) for f in found] == [
        ("app/middleware.py", 14, "CL303"),  # for name in loaded_names
        ("app/middleware.py", 18, "CL301"),  # build_block(self._index, loaded_names)
    ]
    order, suffix = found
    assert "iteration over a set" in order["message"]
    assert "the agent's state (request.state)" in suffix["message"]
    assert "(built in app/prompt.py:5)" in suffix["message"]


def test_the_whole_list_in_registration_order_is_quiet(tmp_path):
    root = _project(tmp_path, prompt=_STABLE_PROMPT, middleware=_STABLE_MIDDLEWARE)
    assert _check(root, ".") == []


def test_a_middleware_after_the_caching_middleware_is_not_cached_by_it(tmp_path):
    # the first middleware is the outermost layer: the caching one has marked the request
    # before this one changes it, and marks the one it is given, not this one's override
    root = _project(tmp_path, graph=_AFTER)
    assert _check(root, ".") == []


def test_without_the_caching_middleware_nothing_is_cached(tmp_path):
    graph = _GRAPH.format(first="ToolsMiddleware(index)", second="None").replace(
        "from langchain_anthropic.middleware import AnthropicPromptCachingMiddleware\n", ""
    )
    root = _project(tmp_path, graph=graph)
    assert _check(root, ".") == []


def test_a_class_not_derived_from_agent_middleware_is_not_a_hook(tmp_path):
    middleware = _MIDDLEWARE.replace("(AgentMiddleware)", "(object)")
    root = _project(tmp_path, middleware=middleware)
    assert _check(root, ".") == []
