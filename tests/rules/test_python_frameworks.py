"""Breakpoints placed by frameworks (rules/frameworks.toml): each setting is checked as the
request the framework sends, so CL301/CL302/CL303/CL304/CL102/CL201 apply; a setting that is off,
unknown, or meant for another model places no breakpoint."""

from __future__ import annotations

import textwrap

from conftest import lint, run_cli, write_files


def codes(src: str, filename: str = "app.py", **kw) -> list[tuple[int, str]]:
    found = lint(textwrap.dedent(src), filename, **kw)
    return sorted((f.span.line, f.code) for f in found)


# ---- LiteLLM cache_control_injection_points ------------------------------------------------

_LITELLM = """
    import litellm
    from datetime import datetime


    def ask(history: list, question: str):
        return litellm.completion(
            model="anthropic/claude-sonnet-4-5",
            messages=[
                {{"role": "system", "content": {system}}},
                *history,
                {{"role": "user", "content": question}},
            ],
            {points}
        )
"""
_VOLATILE = 'f"You are a helpful assistant. The time is {datetime.now()}."'
_STABLE = '"You are a helpful assistant. " * 400'
_SYSTEM_AND_LAST = (
    'cache_control_injection_points=[{"location": "message", "role": "system"}, '
    '{"location": "message", "index": -1}],'
)


def test_litellm_injection_points_make_a_volatile_system_prompt_cl301():
    src = _LITELLM.format(system=_VOLATILE, points=_SYSTEM_AND_LAST)
    assert codes(src) == [(10, "CL301")]


def test_litellm_system_injection_is_checked_as_a_marker_written_on_the_system_message():
    injected = _LITELLM.format(
        system=_VOLATILE,
        points='cache_control_injection_points=[{"location": "message", "role": "system"}],',
    )
    written = _LITELLM.format(
        system=_VOLATILE + ', "cache_control": {"type": "ephemeral"}', points=""
    )
    assert [c for _, c in codes(injected)] == [c for _, c in codes(written)] == ["CL304"]


def test_litellm_without_injection_or_with_a_stable_prompt_is_silent():
    assert codes(_LITELLM.format(system=_VOLATILE, points="")) == []
    assert codes(_LITELLM.format(system=_STABLE, points=_SYSTEM_AND_LAST)) == []


def test_litellm_points_that_are_not_known_place_no_breakpoint():
    for points in (
        'cache_control_injection_points=[{"location": "message", "role": ROLE}],',
        'cache_control_injection_points=[{"location": "tool_config"}],',
        'cache_control_injection_points=[{"location": "message", "index": 1}],',  # after *history
        'cache_control_injection_points=[{"location": "message", "role": "system", '
        '"control": CONTROL}],',
    ):
        src = _LITELLM.format(system=_VOLATILE, points=points)
        assert codes(src.replace("question: str)", "question: str, ROLE, CONTROL)")) == [], points


def test_litellm_injection_after_tools_in_set_order_is_cl303():
    src = """
        import litellm

        TOOLS = {"search": {"type": "function", "function": {"name": "search"}}}


        def ask(enabled, question):
            names = set(enabled) | {"search"}
            return litellm.completion(
                model="anthropic/claude-sonnet-4-5",
                tools=[TOOLS[n] for n in names],
                messages=[{"role": "user", "content": question}],
                cache_control_injection_points=[{"location": "message", "index": -1}],
            )
    """
    assert codes(src) == [(11, "CL303")]


def test_litellm_injection_on_a_short_system_prompt_is_cl201():
    src = _LITELLM.format(
        system='"You are a helpful assistant."',
        points='cache_control_injection_points=[{"location": "message", "role": "system"}],',
    )
    assert codes(src.replace("*history,", "")) == [(14, "CL201")]
    assert codes(src) == []  # the history before the user turn has no known length


def test_litellm_injection_stops_at_four_markers():
    src = """
        import litellm


        def ask(q: str):
            return litellm.completion(
                model="anthropic/claude-sonnet-4-5",
                messages=[{"role": "user", "content": q * 2000} for _ in range(1)]
                + [{"role": "user", "content": "a"}, {"role": "user", "content": "b"},
                   {"role": "user", "content": "c"}, {"role": "user", "content": "d"},
                   {"role": "user", "content": "e"}],
                cache_control_injection_points=[{"location": "message", "role": "user"}],
            )
    """
    assert "CL101" not in {c for _, c in codes(src)}


# ---- Anthropic automatic caching (top-level cache_control) ---------------------------------

_AUTOMATIC = """
    import anthropic
    from datetime import datetime

    client = anthropic.Anthropic()


    def ask(question: str):
        return client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            system={system},
            messages=[{{"role": "user", "content": question}}],
            {automatic}
        )
"""


def test_automatic_caching_covers_the_system_prompt():
    src = _AUTOMATIC.format(system=_VOLATILE, automatic='cache_control={"type": "ephemeral"},')
    assert codes(src) == [(12, "CL301")]
    assert codes(_AUTOMATIC.format(system=_VOLATILE, automatic="")) == []
    stable = _AUTOMATIC.format(system=_STABLE, automatic='cache_control={"type": "ephemeral"},')
    assert codes(stable) == []


# ---- pydantic-ai ---------------------------------------------------------------------------

_PYDANTIC_AI = """
    from datetime import datetime

    from pydantic_ai import Agent
    from pydantic_ai.models.anthropic import AnthropicModel, AnthropicModelSettings

    TOOLS = {{}}


    def make_agent(enabled: list[str], user_name: str):
        names = set(enabled) | {{"search"}}
        return Agent(
            {model},
            instructions={instructions},
            tools={tools},
            model_settings=AnthropicModelSettings({settings}),
        )
"""


def _pydantic(
    model='"anthropic:claude-sonnet-4-5"',
    instructions=_VOLATILE,
    tools="[]",
    settings="anthropic_cache_instructions=True",
):
    return codes(
        _PYDANTIC_AI.format(model=model, instructions=instructions, tools=tools, settings=settings)
    )


def test_pydantic_ai_cached_instructions_holding_the_time():
    assert _pydantic() == [(16, "CL304")]  # the breakpoint is on the instructions block
    assert _pydantic(settings="anthropic_cache=True") == [(14, "CL301")]
    assert _pydantic(settings='anthropic_cache_messages="1h"') == [(14, "CL301")]
    assert _pydantic(model='AnthropicModel("claude-sonnet-4-5")') == [(16, "CL304")]
    model = 'AnthropicModel("claude-sonnet-4-5", settings={"anthropic_cache": "5m"})'
    assert _pydantic(model=model, settings="") == [(14, "CL301")]


def test_pydantic_ai_mixed_ttls_are_sent_as_1h_so_no_cl102():
    assert _pydantic(settings='anthropic_cache_instructions=True, anthropic_cache="1h"') == [
        (14, "CL301")
    ]


def test_pydantic_ai_request_data_in_cached_instructions_is_cl302():
    found = _pydantic(instructions='f"Address the user as {user_name}."')
    assert [c for _, c in found] == ["CL302"]


def test_pydantic_ai_without_caching_or_an_anthropic_model_is_silent():
    assert _pydantic(settings="") == []
    assert _pydantic(settings="anthropic_cache_instructions=False") == []
    assert _pydantic(settings="anthropic_cache_instructions=CACHE") == []  # not known
    assert _pydantic(model='"openai:gpt-4o"') == []
    assert _pydantic(model="MODEL") == []  # a model not known: no breakpoint guessed
    assert _pydantic(instructions='"You are a helpful assistant."') == []


def test_pydantic_ai_instruction_functions_come_after_the_cached_block():
    found = _pydantic(instructions='["You are a helpful assistant.", lambda: str(datetime.now())]')
    assert found == []


def test_pydantic_ai_cached_tools_in_set_order_is_cl303():
    found = _pydantic(
        instructions='"You are a helpful assistant."',
        tools="[TOOLS[n] for n in names]",
        settings="anthropic_cache_tool_definitions=True",
    )
    assert found == [(15, "CL303")]
    sorted_tools = _pydantic(
        instructions='"You are a helpful assistant."',
        tools="[TOOLS[n] for n in sorted(names)]",
        settings="anthropic_cache_tool_definitions=True",
    )
    assert sorted_tools == []


def test_pydantic_ai_short_instructions_are_not_cl201():
    # tools registered with @agent.tool and output tools may come before them: length unknown
    found = _pydantic(instructions='"Be brief."', settings="anthropic_cache_instructions=True")
    assert found == []


# ---- Agno ----------------------------------------------------------------------------------

_AGNO = """
    from datetime import datetime

    from agno.agent import Agent
    from agno.models.anthropic import Claude

    TOOLS = {{}}


    def make_agent(enabled: list[str]):
        names = set(enabled) | {{"search"}}
        return Agent(
            model=Claude(id="claude-sonnet-4-5", {model}),
            instructions="You are a helpful assistant.",
            tools=[TOOLS[n] for n in names],
            {agent}
        )
"""


def _agno(model="cache_system_prompt=True", agent="add_datetime_to_context=True,"):
    return codes(_AGNO.format(model=model, agent=agent))


def test_agno_cached_system_prompt_with_the_current_time():
    assert _agno() == [(13, "CL304")]
    assert _agno(agent='additional_context=f"Now: {datetime.now()}",') == [(13, "CL304")]
    assert _agno(agent="") == []
    assert _agno(model="cache_system_prompt=False") == []
    assert _agno(model="") == []


def test_agno_sorts_tools_so_set_order_is_not_cl303():
    assert _agno(model="cache_tools=True", agent="") == []


def test_agno_cached_tools_at_5m_before_a_1h_system_prompt_is_cl102():
    model = "cache_system_prompt=True, extended_cache_time=True, cache_tools=True"
    assert [c for _, c in _agno(model=model, agent="")] == ["CL102"]


# ---- LangChain AnthropicPromptCachingMiddleware --------------------------------------------

_LANGCHAIN = """
    from datetime import datetime

    from langchain.agents import create_agent
    from langchain_anthropic import ChatAnthropic
    from langchain_anthropic.middleware import AnthropicPromptCachingMiddleware

    TOOLS = {{}}


    def make_agent(enabled: list[str], user_name: str):
        names = set(enabled) | {{"search"}}
        return create_agent(
            model={model},
            tools={tools},
            system_prompt={system},
            middleware={middleware},
        )
"""


def _langchain(
    model='ChatAnthropic(model="claude-sonnet-4-5")',
    tools="[]",
    system=_VOLATILE,
    middleware='[AnthropicPromptCachingMiddleware(ttl="5m")]',
):
    return codes(_LANGCHAIN.format(model=model, tools=tools, system=system, middleware=middleware))


def test_langchain_middleware_caches_the_system_prompt():
    assert _langchain() == [(16, "CL301")]
    assert _langchain(model='"anthropic:claude-sonnet-4-5"') == [(16, "CL301")]
    assert _langchain(model='"claude-sonnet-4-5"') == [(16, "CL301")]


def test_langchain_without_the_middleware_or_an_anthropic_model_is_silent():
    assert _langchain(middleware="[]") == []
    assert _langchain(model='"openai:gpt-4o"') == []
    assert _langchain(model="MODEL") == []
    assert _langchain(system='"You are a helpful assistant."') == []


def test_langchain_middleware_leaves_an_empty_system_prompt_unmarked():
    """The middleware tags the system message only when it has content (its
    _tag_system_message returns an empty one unchanged): no marker on an empty block."""
    assert _langchain(system='""') == []
    assert _langchain(system='user_name and ""') == []
    # the same empty block marked by the project's own code is rejected by the API
    own = """
        import anthropic


        def ask(question: str):
            return anthropic.Anthropic().messages.create(
                model="claude-sonnet-4-5",
                max_tokens=100,
                system=[{"type": "text", "text": "", "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": question}],
            )
    """
    assert (9, "CL104") in codes(own)


def test_langchain_tools_in_set_order_and_request_data():
    found = _langchain(tools="[TOOLS[n] for n in names]", system='"You are a helpful assistant."')
    assert found == [(15, "CL303")]
    found = _langchain(system='f"Address the user as {user_name}."')
    assert [c for _, c in found] == ["CL302"]


def test_frameworks_are_found_in_a_walked_project(tmp_path):
    """The file is parsed (the byte prefilter knows the settings) and the CLI reports it."""
    write_files(
        tmp_path,
        {
            "agent.py": textwrap.dedent(
                _AGNO.format(
                    model="cache_system_prompt=True", agent="add_datetime_to_context=True,"
                )
            )
        },
    )
    out = run_cli("check", "--no-cache", "--format", "concise", ".", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert "agent.py:13:" in out.stdout.decode() and "[CL304]" in out.stdout.decode()


# ---- instructor: message texts rendered as Jinja templates with context= --------------------

_INSTRUCTOR = """
    import datetime

    import instructor
    from anthropic import Anthropic
    from pydantic import BaseModel

    client = instructor.from_anthropic(Anthropic())


    class Answer(BaseModel):
        text: str


    def ask(doc: str, question: str):
        return client.chat.completions.create(
            model="claude-3-haiku-20240307",
            max_tokens=512,
            messages=[
                {{
                    "role": "user",
                    "content": [
                        {{"type": "text", "text": {marked!r}, "cache_control": {{"type": "ephemeral"}}}},
                        {{"type": "text", "text": "{{{{ question }}}}"}},
                    ],
                }}
            ],
            response_model=Answer,
            context={context},
        )
"""


def _instructor(marked: str, context: str) -> list[tuple[int, str]]:
    return codes(_INSTRUCTOR.format(marked=marked, context=context))


def test_instructor_renders_message_templates_with_its_context():
    # the document fills the template: the short template text is no short prefix
    assert _instructor("<doc>{{ doc }}</doc>", '{"doc": doc, "question": question}') == []
    assert _instructor("<doc>{{ doc }}</doc>", "dict(doc=doc, question=question)") == []
    # the rendered text is what is checked: a template that renders empty is an empty block
    found = _instructor("{{ doc }}", '{"doc": "", "question": question}')
    assert [c for _, c in found] == ["CL104"], found
    # the same template sent without instructor's templating is literal text, a short prefix
    plain = _INSTRUCTOR.format(marked="<doc>{{ doc }}</doc>", context="None").replace(
        "response_model=Answer,", ""
    )
    assert [c for _, c in codes(plain)] == ["CL201"]
