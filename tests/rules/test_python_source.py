"""Python source analysis: defects found in realistic code shapes, correct code left alone."""

from __future__ import annotations

import textwrap

import pytest

from cachelint.runner import run

from conftest import lint
from payloads import HELPER_TIMESTAMP_SOURCE


def check(src: str, **kw):
    return lint(textwrap.dedent(src), "app.py", **kw)


def codes(src: str, **kw) -> list[tuple[int, str]]:
    """(line, code) of the findings, leaving out CL201: these examples have tiny prompts."""
    return sorted((f.span.line, f.code) for f in check(src, **kw) if f.code != "CL201")


# ---- volatile values (CL301 / CL304) ---------------------------------------------------------


def test_timestamp_built_in_a_helper_is_reported_where_it_is_created():
    found = check(HELPER_TIMESTAMP_SOURCE)
    assert [(f.code, f.span.line, f.span.column) for f in found] == [("CL301", 8, 13)]
    assert "datetime.now()" in found[0].message
    assert found[0].notes and found[0].notes[0][1].line == 11  # the breakpoint


def test_breakpoint_set_later_by_item_assignment():
    found = check(
        """
        import time, uuid
        import anthropic

        async def ask(client: anthropic.AsyncAnthropic, q):
            system = [
                {"type": "text", "text": "Request " + str(uuid.uuid4())},
                {"type": "text", "text": "Clock %s" % time.time()},
                {"type": "text", "text": "Long policies"},
            ]
            system[-1]["cache_control"] = {"type": "ephemeral"}
            return await client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10, system=system,
                messages=[{"role": "user", "content": q}],
            )
        """
    )
    assert sorted((f.code, f.span.line) for f in found) == [("CL301", 7), ("CL301", 8)]
    assert all(f.notes[0][1].line == 11 for f in found)  # every tainted value, one note each


def test_value_from_another_module_is_reported_at_the_call_site(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "prompts.py").write_text(
        textwrap.dedent(
            """
            import datetime

            def system_blocks(tenant):
                today = datetime.datetime.now().isoformat()
                return [
                    {"type": "text", "text": "Date " + today},
                    {"type": "text", "text": "Policies", "cache_control": {"type": "ephemeral"}},
                ]
            """
        )
    )
    main = pkg / "main.py"
    main.write_text(
        textwrap.dedent(
            """
            from anthropic import AnthropicBedrock
            from .prompts import system_blocks

            client = AnthropicBedrock()

            def ask(q):
                return client.messages.create(
                    model="anthropic.claude-sonnet-4-5-20250929-v1:0",
                    max_tokens=10,
                    system=system_blocks("acme"),
                    messages=[{"role": "user", "content": q}],
                )
            """
        )
    )
    from conftest import make_engine

    engine = make_engine()
    engine.config.root = tmp_path
    found = run(engine, [main]).findings
    assert [(f.code, f.span.line) for f in found] == [("CL301", 11)]
    assert "the current time" in found[0].message
    assert found[0].message.endswith("prompts.py:5)")  # where the value is built


def test_volatile_after_the_last_breakpoint_is_fine():
    assert not codes(
        """
        from datetime import datetime
        import anthropic

        client = anthropic.Anthropic()

        def ask(q):
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10,
                system=[
                    {"type": "text", "text": open("rules.md").read(),
                     "cache_control": {"type": "ephemeral"}},
                    {"type": "text", "text": f"Now: {datetime.now()}"},
                ],
                messages=[{"role": "user", "content": f"{datetime.now()}: {q}"}],
            )
        """
    )


def test_time_computed_once_at_import_or_cached_is_stable():
    assert not codes(
        """
        import functools
        from datetime import datetime
        import anthropic

        STARTED = datetime.now().isoformat()
        client = anthropic.Anthropic()

        @functools.lru_cache
        def session_date():
            return datetime.now().strftime("%Y-%m-%d")

        def ask(q):
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10,
                system=[{"type": "text", "text": f"Since {STARTED}, date {session_date()}",
                         "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": q}],
            )
        """
    )


def test_configured_volatile_names():
    src = """
        import anthropic
        from myapp.clock import current_tick

        client = anthropic.Anthropic()

        def ask(q):
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10,
                system=[{"type": "text", "text": f"tick {current_tick()}"},
                        {"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": q}],
            )
        """
    assert not [c for _, c in codes(src) if c == "CL301"]
    assert "CL301" in [c for _, c in codes(src, volatile_names=["myapp.clock.current_tick"])]


def test_date_subprocess_is_volatile():
    found = codes(
        """
        import subprocess
        import anthropic

        def ask(client: anthropic.Anthropic, q):
            now = subprocess.check_output(["date"]).decode()
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10,
                system=[{"type": "text", "text": "Now " + now},
                        {"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": q}],
            )
        """
    )
    assert (6, "CL301") in found


# ---- request data (CL302) and order (CL303) --------------------------------------------------


def test_request_data_in_system_template():
    found = codes(
        """
        import anthropic
        client = anthropic.Anthropic()

        def handle(request):
            user = request.user
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10,
                system=[{"type": "text", "text": "Helping {}. Rules...".format(user.name),
                         "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": request.body}],
            )
        """
    )
    assert [c for _, c in found] == ["CL302"]


def test_sorted_sets_and_unrelated_set_iteration_are_fine():
    assert not codes(
        """
        import glob
        import anthropic

        client = anthropic.Anthropic()
        NAMES = {"search", "fetch"}

        def ask(q):
            for name in NAMES:
                print(name)
            docs = "\\n".join(open(p).read() for p in sorted(glob.glob("docs/*.md")))
            tools = [{"name": n, "input_schema": {}} for n in sorted(NAMES)]
            tools[-1]["cache_control"] = {"type": "ephemeral"}
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10, tools=tools,
                system=[{"type": "text", "text": docs}],
                messages=[{"role": "user", "content": q}],
            )
        """
    )


def test_unsorted_listing_in_a_loop_is_reported():
    found = codes(
        """
        from pathlib import Path
        import anthropic

        def ask(client: anthropic.Anthropic, q):
            parts = []
            for p in Path("docs").iterdir():
                parts.append({"type": "text", "text": p.read_text()})
            parts[-1]["cache_control"] = {"type": "ephemeral"}
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10, system=parts,
                messages=[{"role": "user", "content": q}],
            )
        """
    )
    assert found == [(7, "CL303")]


# ---- loops and history (CL105) ---------------------------------------------------------------


def test_multi_turn_pattern_marking_the_latest_user_turn_is_fine():
    assert not codes(
        """
        import anthropic

        class Agent:
            def __init__(self):
                self.client = anthropic.Anthropic()
                self.history = []

            def turn(self, text):
                self.history.append({"role": "user", "content": [{"type": "text", "text": text}]})
                for message in self.history:
                    for block in message["content"]:
                        block.pop("cache_control", None)
                self.history[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
                reply = self.client.messages.create(
                    model="claude-sonnet-4-5", max_tokens=10, messages=self.history
                )
                self.history.append({"role": "assistant", "content": reply.content})
                return reply
        """
    )


def test_marker_in_agent_loop_piles_up():
    found = codes(
        """
        import anthropic

        def run(client: anthropic.Anthropic, task):
            messages = []
            while True:
                messages.append({"role": "user", "content": [
                    {"type": "text", "text": task, "cache_control": {"type": "ephemeral"}}]})
                reply = client.messages.create(
                    model="claude-sonnet-4-5", max_tokens=10, messages=messages)
                if reply.stop_reason == "end_turn":
                    return reply
                messages.append({"role": "assistant", "content": reply.content})
        """
    )
    assert found == [(8, "CL105")]


def test_marker_on_last_tool_by_index_is_fine():
    assert not codes(
        """
        import anthropic
        TOOLS = [{"name": f"t{i}", "input_schema": {}} for i in range(3)]

        def ask(client: anthropic.Anthropic, q, extra):
            tools = [
                {**t, "cache_control": {"type": "ephemeral"}} if i == len(TOOLS) - 1 else t
                for i, t in enumerate(TOOLS + extra)
            ]
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10, tools=tools,
                messages=[{"role": "user", "content": q}],
            )
        """
    )


def test_too_many_breakpoints_when_a_small_known_list_is_marked_item_by_item():
    found = codes(
        """
        import anthropic
        DOCS = ["a", "b", "c", "d", "e"]

        def ask(client: anthropic.Anthropic, q):
            blocks = [{"type": "text", "text": d} for d in DOCS]
            for b in blocks:
                b["cache_control"] = {"type": "ephemeral"}
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10, system=blocks,
                messages=[{"role": "user", "content": q}],
            )
        """
    )
    assert (8, "CL101") in found


# ---- other APIs ------------------------------------------------------------------------------


def test_bedrock_converse_cache_point_after_volatile():
    found = codes(
        """
        import boto3, uuid

        bedrock = boto3.client("bedrock-runtime")

        def ask(q):
            return bedrock.converse(
                modelId="anthropic.claude-sonnet-4-5-20250929-v1:0",
                system=[{"text": f"trace {uuid.uuid4()}"}, {"text": "rules"},
                        {"cachePoint": {"type": "default"}}],
                messages=[{"role": "user", "content": [{"text": q}]}],
            )
        """
    )
    assert found == [(9, "CL301")]


def test_invoke_model_body_on_legacy_bedrock_with_automatic_caching():
    found = check(
        """
        import json, boto3

        client = boto3.client("bedrock-runtime")
        body = {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 10,
            "cache_control": {"type": "ephemeral"},
            "messages": [{"role": "user", "content": "hi"}],
        }
        client.invoke_model(modelId="anthropic.claude-sonnet-4-5-20250929-v1:0",
                            body=json.dumps(body))
        """
    )
    assert [(f.code, f.span.line) for f in found if f.code != "CL201"] == [("CL106", 8)]


def test_a_text_made_by_json_dumps_is_never_empty():
    src = """
        import json

        import anthropic

        TOOLS = [{{"name": "search"}}]


        def ask(question: str):
            return anthropic.Anthropic().messages.create(
                model="claude-sonnet-4-5",
                max_tokens=100,
                system=[{{"type": "text", "text": {text}, "cache_control": {{"type": "ephemeral"}}}}],
                messages=[{{"role": "user", "content": question}}],
            )
    """
    assert codes(src.format(text="json.dumps(TOOLS)")) == []
    assert codes(src.format(text='""')) == [(13, "CL104")]


def test_gateway_calls():
    found = codes(
        """
        import litellm
        from openai import OpenAI

        router = OpenAI(base_url="https://openrouter.ai/api/v1")
        SYSTEM = "x" * 10

        def via_litellm(q):
            return litellm.completion(
                model="anthropic/claude-sonnet-4-5",
                messages=[{"role": "system", "content": SYSTEM,
                           "cache_control": {"type": "ephemeral"}},
                          {"role": "user", "content": q}],
            )

        def via_openrouter(q):
            return router.chat.completions.create(
                model="anthropic/claude-sonnet-4.5",
                messages=[{"role": "system", "content": SYSTEM,
                           "cache_control": {"type": "ephemeral"}},
                          {"role": "user", "content": q}],
            )
        """
    )
    assert [c for _, c in found if c == "CL106"] == ["CL106"]  # dropped on openrouter only
    assert (20, "CL106") in found


def test_http_post_and_message_batches():
    found = codes(
        """
        import httpx
        import anthropic

        def post(q):
            return httpx.post(
                "https://api.anthropic.com/v1/messages",
                headers={"anthropic-beta": "prompt-caching-2024-07-31"},
                json={"model": "claude-sonnet-4-5", "max_tokens": 10,
                      "system": [{"type": "text", "text": "x",
                                  "cache_control": {"type": "ephemeral", "ttl": "10m"}}],
                      "messages": [{"role": "user", "content": q}]},
            )

        def batch(client: anthropic.Anthropic, items):
            return client.messages.batches.create(requests=[
                {"custom_id": str(i), "params": {
                    "model": "claude-sonnet-4-5", "max_tokens": 10,
                    "system": [{"type": "text", "text": "y",
                                "cache_control": {"type": "persistent"}}],
                    "messages": [{"role": "user", "content": item}]}}
                for i, item in enumerate(items)
            ])
        """
    )
    assert found == [(8, "CL501"), (11, "CL103"), (20, "CL103")]


def test_standalone_marker_dicts_get_block_rules():
    found = codes(
        """
        def thinking_block(text):
            return {"type": "thinking", "thinking": text, "cache_control": {"type": "ephemeral"}}

        EMPTY = {"type": "text", "text": "", "cache_control": {"type": "ephemeral"}}
        GOOD = {"type": "text", "text": "Policies", "cache_control": {"type": "ephemeral"}}
        UNKNOWN_TTL = {"type": "text", "text": "x",
                       "cache_control": {"type": "ephemeral", "ttl": TTL}}
        """
    )
    assert found == [(3, "CL104"), (5, "CL104")]


# ---- code that must stay silent --------------------------------------------------------------


def test_unrelated_cache_code_is_silent():
    assert not codes(
        """
        import functools
        from django.core.cache import cache

        @functools.lru_cache(maxsize=None)
        def load(name):
            cache_control = "max-age=3600"
            headers = {"Cache-Control": cache_control}
            cache.set(name, headers)
            return {"cache_control": cache_control, "tags": {"a", "b"}}

        for tag in {"x", "y"}:
            print(tag)
        """
    )


def test_no_caching_at_all_is_silent():
    assert not codes(
        """
        from datetime import datetime
        import anthropic

        client = anthropic.Anthropic()

        def ask(user, q):
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10,
                system=f"Hello {user}, it is {datetime.now()}",
                messages=[{"role": "user", "content": q}],
            )
        """
    )


def test_other_messages_apis_are_not_requests():
    assert not codes(
        """
        from twilio.rest import Client
        from openai import OpenAI

        def notify(now):
            Client().messages.create(body=f"at {now}", to="+1", from_="+2")
            OpenAI().beta.threads.messages.create(thread_id="t", role="user", content="x")
        """
    )


# ---- robustness ------------------------------------------------------------------------------


def test_recursion_and_pathological_code_terminate():
    src = (
        "def f(n):\n    return f(n - 1) + [{'cache_control': 1}]\n\nX = "
        + "[" * 60
        + "1"
        + "]" * 60
    )
    src += (
        "\nfor i in range(10**9):\n    y = ["
        + ", ".join(f"{{'cache_control': {i}}}" for i in range(300))
        + "]\n"
    )
    found = lint(src, "app.py")
    assert all(f.code in ("CL103", "CL105") for f in found)


def test_circular_imports_between_helpers(tmp_path):
    (tmp_path / "a.py").write_text("from b import B\nA = 'a' + B\n")
    (tmp_path / "b.py").write_text("from a import A\nB = 'b'\n")
    main = tmp_path / "main.py"
    main.write_text(
        "import anthropic\nfrom a import A\n"
        "anthropic.Anthropic().messages.create(model='claude-sonnet-4-5', max_tokens=1,\n"
        "  system=[{'type': 'text', 'text': A, 'cache_control': {'type': 'ephemeral'}}],\n"
        "  messages=[])\n"
    )
    from conftest import make_engine

    engine = make_engine()
    engine.config.root = tmp_path
    found = run(engine, [main]).findings
    assert [f.code for f in found] == ["CL201"]  # 'ab' is far below the minimum


def test_symlinked_helper_outside_the_tree_is_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(
        "import time\nNOW = time.time()\ndef now():\n    return time.time()\n"
    )
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text("")
    (proj / "helpers.py").symlink_to(outside / "secret.py")
    main = proj / "main.py"
    main.write_text(
        "import anthropic\nfrom helpers import now\n"
        "def ask(q):\n"
        "    anthropic.Anthropic().messages.create(model='claude-sonnet-4-5', max_tokens=1,\n"
        "      system=[{'type': 'text', 'text': str(now())}, {'type': 'text', 'text': 'x',\n"
        "              'cache_control': {'type': 'ephemeral'}}], messages=[])\n"
    )
    from conftest import make_engine

    engine = make_engine()
    engine.config.root = proj
    assert not [f for f in run(engine, [main]).findings if f.code == "CL301"]


def test_configuration_parameters_are_not_request_data():
    assert not codes(
        """
        import anthropic

        class Bot:
            def __init__(self, persona_name, system_prompt):
                self.client = anthropic.Anthropic()
                self.system = f"You are {persona_name}.\\n{system_prompt}"

            def ask(self, q):
                return self.client.messages.create(
                    model="claude-sonnet-4-5", max_tokens=10,
                    system=[{"type": "text", "text": self.system,
                             "cache_control": {"type": "ephemeral"}}],
                    messages=[{"role": "user", "content": q}],
                )

        def build(tool_docs, q, client: anthropic.Anthropic):
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10,
                system=[{"type": "text", "text": f"Tools:\\n{tool_docs}",
                         "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": q}],
            )
        """
    )


def test_thread_target_and_raw_response_and_typed_dict_params():
    found = codes(
        """
        import threading, time
        from anthropic import Anthropic
        from anthropic.types import TextBlockParam

        class Warmer:
            def start(self, messages):
                client = Anthropic()

                def ping():
                    while True:
                        block = TextBlockParam(type="text", text=f"ping {time.time()}")
                        client.messages.with_raw_response.create(
                            model="claude-sonnet-4-5", max_tokens=1,
                            system=[block, {"type": "text", "text": "x",
                                            "cache_control": {"type": "ephemeral"}}],
                            messages=messages,
                        )
                        time.sleep(270)

                threading.Thread(target=ping).start()
        """
    )
    assert found == [(12, "CL301")]


def test_guard_that_proves_the_text_is_not_empty():
    assert not codes(
        """
        def with_marker(system):
            if isinstance(system, str) and system:
                return [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}]
            return system

        def caller():
            return with_marker("")
        """
    )


def test_every_truncation_of_the_rule_examples_lints_without_error():
    """Half-written code (each example cut after every line) never raises: CL000 or findings."""
    from cachelint.catalog import catalog

    for info in catalog().values():
        for ex in info.examples:
            if ex.language != "python":
                continue
            lines = ex.source.splitlines(keepends=True)
            for n in range(1, len(lines), 3):
                lint("".join(lines[:n]), "cut.py")


def test_os_walk_order_reaches_the_prompt_through_nested_loops():
    found = codes(
        """
        import os
        import anthropic

        def ask(client: anthropic.Anthropic, q):
            docs = ""
            for root, dirs, files in os.walk("kb"):
                for name in files:
                    docs += open(os.path.join(root, name)).read()
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10,
                system=[{"type": "text", "text": docs, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": q}],
            )
        """
    )
    assert found == [(7, "CL303")]


def test_module_level_history_and_setup_in_init():
    found = codes(
        """
        import anthropic

        client = anthropic.Anthropic()
        HISTORY = []
        MARK = {"type": "ephemeral"}

        def chat(text):
            HISTORY.append({"role": "user", "content": [
                {"type": "text", "text": text, "cache_control": MARK}]})
            return client.messages.create(model="claude-sonnet-4-5", max_tokens=10,
                                          messages=HISTORY)

        class Primed:
            def __init__(self, manual):
                self.client = anthropic.Anthropic()
                self.messages = []
                self.messages.append({"role": "user", "content": [
                    {"type": "text", "text": manual, "cache_control": MARK}]})

            def ask(self, q):
                return self.client.messages.create(
                    model="claude-sonnet-4-5", max_tokens=10,
                    messages=self.messages + [{"role": "user", "content": q}])
        """
    )
    assert found == [(10, "CL105")]


_MARK_AFTER_APPEND = """
import copy

import anthropic


class Assistant:
    def __init__(self):
        self.client = anthropic.Anthropic()
        self.messages = []

    @staticmethod
    def cache_up_to(message):
        message["content"][-1]["cache_control"] = {{"type": "ephemeral"}}

    def turn(self, text):
        self.messages.append({{"role": "user", "content": [{{"type": "text", "text": text}}]}})
{marking}
        reply = self.client.messages.create(
            model="claude-sonnet-4-5", max_tokens=10, messages={sent})
        self.messages.append({{"role": "assistant", "content": reply.content}})
"""


@pytest.mark.parametrize(
    ("marking", "sent", "expected"),
    [
        # the message just appended to the kept history is marked there: it keeps the marker
        ("        self.cache_up_to(self.messages[-1])", "self.messages", [(14, "CL105")]),
        (
            '        self.messages[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}',
            "self.messages",
            [(18, "CL105")],
        ),
        # a shallow copy shares the message: marking it marks the history
        (
            "        sent = list(self.messages)\n        self.cache_up_to(sent[-1])",
            "sent",
            [(14, "CL105")],
        ),
        # a deep copy is marked, the history is not
        (
            "        sent = copy.deepcopy(self.messages)\n        self.cache_up_to(sent[-1])",
            "sent",
            [],
        ),
        # earlier markers are removed before the new one is set
        (
            "        for m in self.messages:\n"
            "            for b in m['content']:\n"
            "                b.pop('cache_control', None)\n"
            "        self.cache_up_to(self.messages[-1])",
            "self.messages",
            [],
        ),
    ],
    ids=["helper", "subscript", "shallow-copy", "deep-copy", "markers-removed"],
)
def test_marking_the_message_just_appended_to_a_kept_history(marking, sent, expected):
    assert codes(_MARK_AFTER_APPEND.format(marking=marking, sent=sent)) == expected


@pytest.mark.parametrize(
    ("expr", "flagged"),
    [
        ("date.today().isoformat()", False),
        ("datetime.now().strftime('%Y-%m-%d')", False),
        ("datetime.now().date()", False),
        ("time.strftime('%A %d %B %Y')", False),
        ("f'{date.today():%d %B}'", False),
        ("datetime.now().strftime('%Y-%m-%d %H:%M')", True),
        ("datetime.now().isoformat()", True),
        ("time.strftime('%d %B %X')", True),
        ("time.strftime(user_format)", True),
        ("str(uuid.uuid4())", True),
    ],
)
def test_the_date_of_the_day_is_not_a_volatile_value(expr, flagged):
    """A date changes once a day (one miss a day): only a time of day, an id or a random value
    is reported."""
    src = textwrap.dedent(
        f"""
        import time, uuid
        from datetime import date, datetime
        import anthropic

        client = anthropic.Anthropic()

        def ask(q, user_format):
            stamp = {expr}
            return client.messages.create(
                model="claude-sonnet-4-5",
                max_tokens=10,
                system=[
                    {{"type": "text", "text": f"Date: {{stamp}}"}},
                    {{"type": "text", "text": "Rules", "cache_control": {{"type": "ephemeral"}}}},
                ],
                messages=[{{"role": "user", "content": q}}],
            )
        """
    )
    codes = [f.code for f in lint(src, "app.py")]
    assert codes == (["CL301"] if flagged else [])


@pytest.mark.parametrize("replaced", [True, False])
def test_a_marked_turn_replaced_after_the_call_does_not_pile_up(replaced):
    """Each pass appends a turn with a cache point, sends, then puts the same turn back without
    it (`messages[-1] = ...`): one cache point per request. Without the replacement, the
    cache points pile up."""
    src = """
        import boto3

        client = boto3.client("bedrock-runtime")


        def chat(questions: list[str]):
            messages = []
            for q in questions:
                turn = [{"text": q}, {"cachePoint": {"type": "default"}}]
                messages.append({"role": "user", "content": turn})
                out = client.converse(modelId="anthropic.claude-sonnet-4-5", messages=messages)
                messages[-1] = {"role": "user", "content": [{"text": q}]}
                messages.append(out["output"]["message"])
    """
    if not replaced:
        src = src.replace('messages[-1] = {"role": "user", "content": [{"text": q}]}', "pass")
    assert [c for _, c in codes(src)] == ([] if replaced else ["CL105"])
