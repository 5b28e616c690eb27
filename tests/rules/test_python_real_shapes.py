"""Code shapes met in open-source projects that use prompt caching (rewritten, not copied):
correct code that must stay clean, next to the defect it resembles, which must still be found."""

from __future__ import annotations

import textwrap

from conftest import lint


def codes(src: str, filename: str = "app.py") -> list[tuple[int, str]]:
    """(line, code) of the findings, leaving out CL201: these examples have tiny prompts."""
    found = lint(textwrap.dedent(src), filename)
    return sorted((f.span.line, f.code) for f in found if f.code != "CL201")


# ---- a value filled in when it is None -------------------------------------------------------

_FILLED_WHEN_NONE = """
    import anthropic

    client = anthropic.Anthropic()


    class Client:
        def build(self, messages, system=None):
            text = system
            if text is None:
                first = messages[0]
                text = first.content if isinstance(first.content, str) else first.content[0].text
            return {"system": self.marked(text), "messages": messages[1:]}

        def marked(self, text):
            if isinstance(text, str):
                return [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]
            return text

        def send(self, messages):
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10, **self.build(messages)
            )
"""


def test_default_none_replaced_before_use_is_not_an_empty_block():
    """`if x is None: x = ...` leaves x unknown, not None: no CL104 on the block built from it."""
    assert codes(_FILLED_WHEN_NONE) == []


def test_an_empty_default_that_reaches_the_block_is_still_reported():
    found = codes(
        """
        import anthropic

        client = anthropic.Anthropic()

        def marked(text=""):
            return [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]

        def send(messages):
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10, system=marked(), messages=messages
            )
        """
    )
    assert found == [(7, "CL104")]


# ---- the HTTP Cache-Control header ----------------------------------------------------------

_WEB_HANDLER = """
    from starlette.responses import HTMLResponse

    from .api import create_api_app


    def create_app(agent, html):
        api = create_api_app(agent=agent)

        async def index(request):
            headers = {"Cache-Control": "public, max-age=3600"}
            headers["cache-control"] = "no-store"
            return HTMLResponse(content=html, headers=headers)

        return api, index
"""


def test_http_cache_control_header_is_not_a_marker():
    """A web handler's response headers neither make the module worth evaluating (which follows
    its imports through the project and can run out of time) nor give findings."""
    import ast

    from cachelint.python.scan import scan

    found = scan(ast.parse(textwrap.dedent(_WEB_HANDLER)))
    assert not found.has_markers
    assert not any(f.relevant for f in found.functions)
    assert not codes(_WEB_HANDLER)


def test_cache_control_header_spelling_on_a_content_block_is_still_a_misspelled_marker():
    found = codes(
        """
        import anthropic

        client = anthropic.Anthropic()
        POLICY = {"type": "text", "text": "Policies", "Cache-Control": {"type": "ephemeral"}}

        def ask(q):
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10, system=[POLICY],
                messages=[{"role": "user", "content": q}],
            )
        """
    )
    assert found == [(5, "CL103")]


# ---- one block marked again on every pass of an agent loop ----------------------------------


def test_marker_set_again_on_the_same_block_in_an_agent_loop_is_one_breakpoint():
    assert not codes(
        """
        import anthropic

        SYSTEM = "You operate a sandboxed virtual machine. " * 300


        class Agent:
            def __init__(self):
                self.client = anthropic.Anthropic()
                self.tools_block = {"name": "shell", "input_schema": {"type": "object"}}

            def run(self, messages, caching):
                system = {"type": "text", "text": SYSTEM}
                while True:
                    if caching:
                        system["cache_control"] = {"type": "ephemeral"}
                    self.tools_block["cache_control"] = {"type": "ephemeral"}
                    reply = self.client.messages.create(
                        model="claude-sonnet-4-5", max_tokens=1024, system=[system],
                        tools=[self.tools_block], messages=messages,
                    )
                    if reply.stop_reason != "tool_use":
                        return reply
                    messages.append({"role": "assistant", "content": reply.content})
        """
    )


def test_marker_on_a_name_bound_to_each_item_in_turn_is_still_reported():
    found = codes(
        """
        import anthropic

        client = anthropic.Anthropic()
        HISTORY = [
            {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Hello"}]},
        ]

        def send(extra):
            history = HISTORY + extra
            for message in history:
                block = message["content"][-1]
                block["cache_control"] = {"type": "ephemeral"}
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10, messages=history
            )
        """
    )
    assert found == [(14, "CL105")]
