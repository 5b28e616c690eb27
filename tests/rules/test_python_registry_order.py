"""Tools kept in a registry that tasks run concurrently fill (CL303): the entries arrive in the
order the tasks finish, so the tools sent from it are in another order from run to run."""

from __future__ import annotations

import textwrap

import pytest
from conftest import lint

_REGISTRY = """
import asyncio

import anthropic

client = anthropic.AsyncAnthropic()


class Registry:
    def __init__(self):
        self.tools = {{}}

    async def register_server(self, session):
        listed = await session.list_tools()
        for t in sorted(listed.tools, key=lambda t: t.name):
            self.tools[t.name] = {{"name": t.name, "input_schema": t.inputSchema}}

    async def connect_all(self, sessions):
{connect}

    async def ask(self, question):
        tools = [{{"name": t["name"], "input_schema": t["input_schema"]}} for t in {listing}]
        tools[-1]["cache_control"] = {{"type": "ephemeral"}}
        return await client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024, tools=tools,
            messages=[{{"role": "user", "content": question}}],
        )
"""

GATHER = "        await asyncio.gather(*(self.register_server(s) for s in sessions))"


def _source(connect: str = GATHER, listing: str = "self.tools.values()") -> str:
    return textwrap.dedent(_REGISTRY).format(connect=connect, listing=listing)


def _lint(connect: str = GATHER, listing: str = "self.tools.values()") -> list:
    return [f for f in lint(_source(connect, listing), "registry.py") if f.code != "CL201"]


STARTS = {
    "asyncio.gather": GATHER,
    "create_task": """        async with asyncio.TaskGroup() as tg:
            for s in sessions:
                tg.create_task(self.register_server(s))""",
    "an executor's map": """        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor() as pool:
            list(pool.map(self.register_server, sessions))""",
}


@pytest.mark.parametrize("connect", STARTS.values(), ids=STARTS.keys())
def test_a_registry_filled_by_concurrent_tasks_is_in_run_time_order(connect):
    (f,) = _lint(connect)
    assert f.code == "CL303"
    assert "the entries of self.tools, which register_server() adds from tasks run" in f.message
    assert "in the order the tasks finish" in f.message
    # where the registry is read for the request
    lines = _source(connect).splitlines()
    assert lines[f.span.line - 1].lstrip().startswith("tools = [")
    assert f.fix is None  # sorted(self.tools) is not the registry's values


def test_the_items_of_the_registry_are_in_the_same_order_too():
    (f,) = _lint(listing="dict(self.tools).values()")
    assert f.code == "CL303"


QUIET = {
    "registered one after another": (
        "        for s in sessions:\n            await self.register_server(s)",
        "self.tools.values()",
    ),
    "the builtin map runs one call after another": (
        "        list(map(self.register_server, sessions))",
        "self.tools.values()",
    ),
    "sorted by name": (GATHER, "(self.tools[n] for n in sorted(self.tools))"),
    "sorted items": (GATHER, "(spec for _, spec in sorted(self.tools.items()))"),
}


@pytest.mark.parametrize(("connect", "listing"), QUIET.values(), ids=QUIET.keys())
def test_registries_in_a_fixed_order_are_quiet(connect, listing):
    assert _lint(connect, listing) == []


_WHOLE = """
import asyncio

import anthropic

client = anthropic.AsyncAnthropic()


class Registry:
    def __init__(self):
        self.tools = {}

    async def register_server(self, session):
        listed = await session.list_tools()
        for t in listed.tools:
            self.tools[t.name] = {"name": t.name, "input_schema": t.inputSchema}

    async def connect_all(self, sessions):
        await asyncio.gather(*(self.register_server(s) for s in sessions))

    async def ask(self, question):
        tools = LISTING
        tools[-1]["cache_control"] = {"type": "ephemeral"}
        return await client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024, tools=tools,
            messages=[{"role": "user", "content": question}],
        )
"""


def test_the_whole_registry_sent_as_a_list_is_reported_with_its_marker():
    src = _WHOLE.replace("LISTING", "list(self.tools.values())")
    (f,) = [f for f in lint(src, "registry.py") if f.code != "CL201"]
    assert (f.code, f.span.line) == ("CL303", 22)
    assert "in the order the tasks finish" in f.message
    (note,) = f.notes
    assert note[1].line == 23  # the marker on the last tool


def test_the_whole_registry_read_by_sorted_names_is_quiet():
    src = _WHOLE.replace("LISTING", "[self.tools[n] for n in sorted(self.tools)]")
    assert [f for f in lint(src, "registry.py") if f.code != "CL201"] == []
