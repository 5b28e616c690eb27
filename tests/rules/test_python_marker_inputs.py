"""Code that places markers on data it does not see (a message list passed in, the parts of
each message, the tools a registry returns): what it can do for any input it could be given.

Each defect is a shape met in open-source projects (rewritten, not copied), next to the fixed or
correct code that must stay silent."""

from __future__ import annotations

import textwrap

from conftest import lint


def found(src: str, filename: str = "app.py") -> list[tuple[int, str]]:
    """(line, code) of the findings, leaving out CL201: these examples have tiny prompts."""
    return sorted(
        (f.span.line, f.code) for f in lint(textwrap.dedent(src), filename) if f.code != "CL201"
    )


def messages_of(src: str, code: str) -> list[str]:
    return [f.message for f in lint(textwrap.dedent(src), "app.py") if f.code == code]


def inserted(src: str, after: str, lines: str) -> str:
    """src with `lines` (indented as the line that contains `after`) added after that line."""
    out = src.splitlines(keepends=True)
    (at,) = [i for i, line in enumerate(out) if after in line]
    indent = out[at][: len(out[at]) - len(out[at].lstrip())]
    added = [indent + line + "\n" for line in lines.splitlines()]
    return "".join(out[: at + 1] + added + out[at + 1 :])


# ---- a message-level cache flag passed to the converter of every part ------------------------

_EVERY_PART = """
    def convert_part(part, cache=False):
        if part.kind == "text":
            return {
                "type": "text",
                "text": part.text,
                "cache_control": {"type": "ephemeral"} if cache else None,
            }
        return {"type": "image", "source": {"type": "url", "url": part.url}}


    def to_message(item):
        return {
            "role": "user",
            "content": [
                convert_part(part, cache=item.meta.get("cache") == "ephemeral")
                for part in item.parts
            ],
        }
"""


def test_a_message_flag_given_to_the_converter_of_every_part_marks_every_part():
    assert found(_EVERY_PART) == [(7, "CL105")]
    (msg,) = messages_of(_EVERY_PART, "CL105")
    assert "`item.parts`" in msg and "Found 5" in msg


def test_marking_the_last_block_of_a_flagged_message_is_one_marker():
    assert not found(
        """
        def convert_part(part):
            if part.kind == "text":
                return {"type": "text", "text": part.text}
            return {"type": "image", "source": {"type": "url", "url": part.url}}


        def to_message(item):
            content = [convert_part(part) for part in item.parts]
            if item.meta.get("cache") == "ephemeral":
                for block in reversed(content):
                    if block["type"] in ("text", "image"):
                        block["cache_control"] = {"type": "ephemeral"}
                        break
            return {"role": "user", "content": content}


        def to_messages(items):
            return [to_message(item) for item in items]
        """
    )


def test_a_cache_flag_of_each_item_places_the_markers_the_input_asks_for():
    """A marker per part whose own type says "cache here" is the caller's choice, not one per
    item; so is a marker per message whose own settings carry one."""
    assert not found(
        """
        def convert(messages):
            out = []
            for message in messages:
                content = []
                for part in message.parts:
                    if part.type == "text":
                        content.append({"type": "text", "text": part.text})
                    elif part.type == "cache_control" and content:
                        content[-1]["cache_control"] = {"type": part.cache_type}
                out.append({"role": message.role, "content": content})
            return out


        def from_meta(messages):
            out = []
            i = 0
            while i < len(messages):
                message = messages[i]
                cache_control = message.meta.get("cache_control")
                block = {"type": "text", "text": message.text}
                if cache_control:
                    block["cache_control"] = cache_control
                out.append({"role": message.role, "content": [block]})
                i += 1
            return out
        """
    )


# ---- a helper that marks each block it builds, called in a loop -----------------------------

_TOOL_CALLS = """
    from anthropic.types import CacheControlEphemeralParam, ToolUseBlockParam


    def cache_control(use_cache):
        if use_cache:
            return CacheControlEphemeralParam(type="ephemeral")
        return None


    def tool_use_blocks(tool_calls, use_cache=False):
        blocks = []
        for call in tool_calls:
            blocks.append(
                ToolUseBlockParam(
                    id=call.id,
                    name=call.name,
                    input=call.arguments,
                    type="tool_use",
                    cache_control=cache_control(use_cache),
                )
            )
        return blocks
"""


def test_each_tool_use_block_built_with_the_message_flag_is_marked():
    assert found(_TOOL_CALLS) == [(20, "CL105")]


def test_the_flag_passed_only_for_the_last_block_is_one_marker():
    fixed = _TOOL_CALLS.replace("for call in tool_calls:", "for i, call in enumerate(tool_calls):")
    fixed = fixed.replace(
        "cache_control=cache_control(use_cache),",
        "cache_control=cache_control(use_cache and i == len(tool_calls) - 1),",
    )
    assert not found(fixed)


_EVERY_TOOL = """
    import anthropic

    client = anthropic.Anthropic()


    def to_api_tool(tool):
        return {
            "name": tool.name,
            "description": tool.description,
            "input_schema": tool.input_schema,
            "cache_control": {"type": "ephemeral"},
        }


    def run(registry, messages):
        tools = [to_api_tool(t) for t in registry.list_tools()]
        return client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024, tools=tools, messages=messages
        )
"""


def test_a_tool_converter_that_marks_every_tool():
    assert found(_EVERY_TOOL) == [(12, "CL105")]
    last_only = inserted(
        _EVERY_TOOL.replace('        "cache_control": {"type": "ephemeral"},\n', ""),
        "tools = [to_api_tool(t)",
        'if tools:\n    tools[-1]["cache_control"] = {"type": "ephemeral"}',
    )
    assert not found(last_only)


def test_marking_each_tool_but_only_under_a_last_index_test_is_one_marker():
    assert not found(
        """
        def cached_tools(tools):
            out = []
            for i, tool in enumerate(tools):
                copy = dict(tool)
                if i == len(tools) - 1:
                    copy["cache_control"] = {"type": "ephemeral"}
                out.append(copy)
            return out


        def last_turn(turns):
            messages = []
            for i, turn in enumerate(turns):
                content = [{"type": "text", "text": c} for c in turn.texts]
                is_last_turn = i == len(turns) - 1
                if is_last_turn and len(content) > 0:
                    content[-1]["cache_control"] = {"type": "ephemeral"}
                messages.append({"role": turn.role, "content": content})
            return messages
        """
    )


# ---- a marker on content[-1] of every message a pipeline formats -----------------------------


def test_every_message_of_a_pipeline_is_marked():
    assert found(
        """
        def format_messages(messages):
            formatted = []
            for msg in messages:
                if msg["role"] == "system":
                    continue
                if isinstance(msg["content"], str):
                    formatted.append(
                        {"role": msg["role"], "content": [{"type": "text", "text": msg["content"]}]}
                    )
                else:
                    formatted.append({"role": msg["role"], "content": msg["content"]})
                formatted[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
            return formatted
        """
    ) == [(13, "CL105")]


def test_the_last_three_messages_and_a_counter_are_bounded():
    assert not found(
        """
        def mark_recent(messages, n=3):
            for msg in messages[-n:]:
                if isinstance(msg["content"], list) and msg["content"]:
                    msg["content"][-1]["cache_control"] = {"type": "ephemeral"}


        def inject(messages):
            left = 3
            for message in reversed(messages):
                if message["role"] == "user" and isinstance(content := message["content"], list):
                    if left:
                        left -= 1
                        content[-1]["cache_control"] = {"type": "ephemeral"}
                    else:
                        content[-1].pop("cache_control", None)
                        break


        def configured(msgs, cache_idxs=(-1,)):
            for i in cache_idxs:
                msgs[i]["content"][-1]["cache_control"] = {"type": "ephemeral"}
        """
    )


def test_re_collecting_marked_messages_in_a_comprehension_adds_no_marker():
    assert not found(
        """
        def system_messages(blocks):
            content = []
            for block in blocks:
                if "text" in block:
                    content.append({"type": "text", "text": block["text"]})
                elif "cachePoint" in block and content:
                    content[-1]["cache_control"] = {"type": "ephemeral"}
            return [{"role": "system", "content": content}] if content else []


        def all_messages(blocks, messages):
            formatted = system_messages(blocks)
            formatted.extend(messages)
            return [m for m in formatted if "content" in m]
        """
    )


# ---- a marker on a text block whose text can be empty ---------------------------------------

_SPLIT = """
    import anthropic

    client = anthropic.Anthropic()
    BOUNDARY = "<!-- cache boundary -->"


    def ask(system, messages):
        if BOUNDARY in system:
            static, dynamic = system.split(BOUNDARY, 1)
            blocks = [
                {"type": "text", "text": static.rstrip(), "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": dynamic.lstrip()},
            ]
        else:
            blocks = [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}]
        return client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024, system=blocks, messages=messages
        )
"""


def test_the_static_half_of_a_split_system_prompt_can_be_empty():
    assert found(_SPLIT) == [(12, "CL104")]
    (msg,) = messages_of(_SPLIT, "CL104")
    assert "system.split(" in msg and "empty text blocks" in msg


def test_checking_the_static_half_before_marking_it():
    assert not found(inserted(_SPLIT, "system.split(", "if not static.rstrip():\n    return None"))


_LAST_MESSAGES = """
    def mark_last_messages(messages, n=3):
        out = list(messages)
        targets = [i for i, m in enumerate(out) if m.get("role") != "system"][-n:]
        for i in targets:
            msg = dict(out[i])
            content = msg.get("content")
            if isinstance(content, str):
                msg["content"] = [
                    {"type": "text", "text": content, "cache_control": {"type": "ephemeral"}}
                ]
            elif isinstance(content, list) and content:
                last = dict(content[-1])
                last["cache_control"] = {"type": "ephemeral"}
                msg["content"] = [*content[:-1], last]
            else:
                continue
            out[i] = msg
        return out
"""


def test_the_string_content_of_an_assistant_turn_can_be_empty():
    """An assistant turn that only calls tools has content '' in the chat format: marking the
    text block made from it is rejected."""
    assert found(_LAST_MESSAGES) == [(10, "CL104")]
    (msg,) = messages_of(_LAST_MESSAGES, "CL104")
    assert '`messages[i]["content"]`' in msg and "assistant turn" in msg


def test_skipping_empty_content_and_marking_user_turns_only_are_silent():
    fixed = inserted(
        _LAST_MESSAGES, "if isinstance(content, str):", "    if not content:\n        continue"
    )
    assert not found(fixed)
    assert not found(
        """
        import copy


        def with_markers(messages):
            marked = copy.deepcopy(messages)
            users = []
            for i in range(len(marked) - 1, -1, -1):
                if marked[i]["role"] == "user":
                    users.append(i)
                    if len(users) == 2:
                        break
            for index in users:
                message = marked[index]
                if isinstance(message["content"], str):
                    message["content"] = [{"type": "text", "text": message["content"]}]
                message["content"][-1]["cache_control"] = {"type": "ephemeral"}
            return marked
        """
    )


def test_a_message_picked_by_position_is_not_assumed_to_be_an_assistant_turn():
    assert not found(
        """
        def mark(messages):
            msg = messages[-1]
            if isinstance(msg["content"], str):
                msg["content"] = [
                    {"type": "text", "text": msg["content"], "cache_control": {"type": "ephemeral"}}
                ]
        """
    )


def test_the_first_message_checked_to_be_the_system_message_is_not_an_assistant_turn():
    assert not found(
        """
        def system_blocks(messages):
            if messages[0]["role"] != "system":
                raise ValueError("the first message must be the system message")
            text = messages[0]["content"]
            return [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]
        """
    )


def test_a_filter_that_leaves_out_tool_messages_keeps_assistant_turns():
    src = """
        from fastcore.utils import L


        def add_cache_control(msg):
            if isinstance(msg["content"], str):
                msg["content"] = [{"type": "text", "text": msg["content"]}]
            if isinstance(msg["content"], list) and msg["content"]:
                msg["content"][-1]["cache_control"] = {"type": "ephemeral"}
            return msg


        def apply_cache_idxs(msgs, cache_idxs=(-1,)):
            ms = L(msgs).filter(lambda m: m["role"] != "tool")
            for i in cache_idxs:
                add_cache_control(ms[i])


        def mk_msgs(msgs, cache=False):
            res = [m for m in msgs]
            if cache:
                apply_cache_idxs(res)
            return res
        """
    assert found(src) == [(9, "CL104")]
    fixed = src.replace(
        '    if isinstance(msg["content"], list) and msg["content"]:',
        '    if isinstance(msg["content"], list) and msg["content"][-1].get("text"):',
    )
    assert not found(fixed)


# ---- a Bedrock cachePoint after the last assistant turn --------------------------------------

_CACHE_POINT = """
    def inject_cache_point(messages):
        last = None
        for idx, msg in enumerate(messages):
            if msg.get("role") == "assistant":
                last = idx
        if last is not None and messages[last].get("content"):
            messages[last]["content"].append({"cachePoint": {"type": "default"}})
"""


def test_a_cache_point_after_the_last_assistant_turn_can_follow_a_reasoning_block():
    assert found(_CACHE_POINT) == [(8, "CL104")]
    (msg,) = messages_of(_CACHE_POINT, "CL104")
    assert "reasoning block" in msg


def test_a_cache_point_after_the_last_user_turn_is_fine():
    assert not found(_CACHE_POINT.replace('== "assistant"', '== "user"'))


def test_a_cache_point_after_a_copied_system_prompt_marks_it():
    """`system.copy() if system else []` holds the caller's blocks, if any: the cachePoint
    appended to it has content before it."""
    assert not found(
        """
        import boto3

        client = boto3.client("bedrock-runtime")


        def converse(messages, system=None, cache=None):
            blocks = system.copy() if system else []
            if cache:
                blocks.append({"cachePoint": {"type": cache}})
            return client.converse(modelId="anthropic.claude", messages=messages, system=blocks)
        """
    )


def test_a_static_method_called_through_cls_gets_its_own_arguments():
    """`cls.normalise(m.content)` on a static method passes no receiver: the block's text is
    the content, not the class."""
    assert not found(
        """
        import anthropic

        client = anthropic.Anthropic()


        class Provider:
            @classmethod
            def chat(cls, messages):
                messages = [{"role": m.role, "content": cls.normalise(m.content)} for m in messages]
                system = [
                    {"type": "text", "text": m["content"]}
                    for m in messages
                    if m["role"] == "system"
                ]
                if system:
                    system[-1]["cache_control"] = {"type": "ephemeral"}
                rest = [m for m in messages if m["role"] != "system"]
                return client.messages.create(
                    model="claude-sonnet-4-5", max_tokens=10, system=system, messages=rest
                )

            @staticmethod
            def normalise(content):
                if isinstance(content, str):
                    return content
                return [{"type": "text", "text": c.text} for c in content]
        """
    )


def test_each_block_a_helper_returns_marked_in_a_loop():
    assert found(
        """
        def tool_uses(calls):
            return [{"type": "tool_use", "id": c.id, "name": c.name, "input": {}} for c in calls]


        def assistant_turn(message):
            content = [{"type": "text", "text": message.text}]
            blocks = tool_uses(message.tool_calls)
            cache_control = message.meta.get("cache_control")
            if cache_control:
                for block in blocks:
                    block["cache_control"] = cache_control
            content.extend(blocks)
            return {"role": "assistant", "content": content}
        """
    ) == [(12, "CL105")]


# ---- the last tool when some tools are deferred (tool search) --------------------------------

_DEFERRED = """
    import anthropic

    client = anthropic.Anthropic()


    def ask(schemas, messages):
        tools = []
        for s in schemas:
            tool = {"name": s["name"], "description": s["doc"], "input_schema": s["schema"]}
            if s.get("defer_loading"):
                tool["defer_loading"] = True
            tools.append(tool)
        if tools:
            tools[-1]["cache_control"] = {"type": "ephemeral"}
        return client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024, tools=tools, messages=messages
        )
"""


def test_the_last_tool_can_be_a_deferred_one():
    assert found(_DEFERRED) == [(15, "CL104")]
    (msg,) = messages_of(_DEFERRED, "CL104")
    assert "defer_loading" in msg and "can have" in msg


def test_marking_the_last_tool_that_is_not_deferred():
    fixed = _DEFERRED.replace(
        """    if tools:
            tools[-1]["cache_control"] = {"type": "ephemeral"}""",
        """    for tool in reversed(tools):
            if tool.get("defer_loading"):
                continue
            tool["cache_control"] = {"type": "ephemeral"}
            break""",
    )
    assert "reversed" in fixed
    assert not found(fixed)


def test_a_deferred_tool_with_a_marker_in_a_payload():
    payload = """{
      "model": "claude-sonnet-4-5", "max_tokens": 100,
      "tools": [
        {"type": "tool_search_tool_regex_20251119", "name": "tool_search"},
        {"name": "a", "input_schema": {"type": "object"}},
        {"name": "b", "input_schema": {"type": "object"}, "defer_loading": true,
         "cache_control": {"type": "ephemeral"}}
      ],
      "messages": [{"role": "user", "content": "hi"}]
    }"""
    codes = [(f.span.line, f.code) for f in lint(payload, "req.json") if f.code == "CL104"]
    assert codes == [(7, "CL104")]


# ---- history kept on the object, rebuilt from itself with fresh markers each turn ------------

_REBUILT = """
    import litellm


    def mark(msg):
        if isinstance(msg["content"], str):
            msg["content"] = [{"type": "text", "text": msg["content"]}]
        msg["content"][-1]["cache_control"] = {"type": "ephemeral"}
        return msg


    def as_message(m):
        if isinstance(m, dict):
            return m
        return {"role": "user", "content": m}


    def mk_msgs(msgs, cache=False):
        if not msgs:
            return []
        res = [as_message(m) for m in msgs]
        if cache:
            res[-1] = mark(res[-1])
            res[-2] = mark(res[-2])
        return res


    class Chat:
        def __init__(self, model, cache):
            self.model, self.cache, self.hist = model, cache, []

        def __call__(self, msg):
            self.hist = mk_msgs(self.hist + [msg], self.cache)
            res = litellm.completion(model=self.model, messages=self.hist)
            self.hist.append(res.choices[0].message)
            return res
"""


def test_history_rebuilt_from_itself_with_new_markers_each_turn():
    assert found(_REBUILT) == [(33, "CL105")]
    (msg,) = messages_of(_REBUILT, "CL105")
    assert "self.hist is rebuilt from itself" in msg


def test_history_rebuilt_after_removing_the_old_markers():
    fixed = inserted(
        _REBUILT,
        "res = [as_message(m) for m in msgs]",
        'for m in res:\n    if isinstance(m["content"], list):\n'
        '        m["content"][-1].pop("cache_control", None)',
    )
    assert not found(fixed)


# ---- a TTL chosen at run time ----------------------------------------------------------------

_RUN_TIME_TTL = """
    import anthropic

    client = anthropic.Anthropic()
    SYSTEM = "You answer questions about our billing policies."


    def ask(messages, question, long_session):
        ttl = "1h" if long_session else "5m"
        return client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            system=[{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
            messages=[
                *messages,
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "text",
                            "text": question,
                            "cache_control": {"ttl": ttl, "type": "ephemeral"},
                        }
                    ],
                },
            ],
        )
"""


def test_a_ttl_picked_by_a_condition_names_the_condition():
    assert found(_RUN_TIME_TTL) == [(22, "CL102")]
    (msg,) = messages_of(_RUN_TIME_TTL, "CL102")
    assert msg.startswith("when long_session is true, a ttl='1h' breakpoint")


def test_a_ttl_picked_for_every_breakpoint_alike_is_in_order():
    same = _RUN_TIME_TTL.replace(
        '"cache_control": {"type": "ephemeral"}}]',
        '"cache_control": {"type": "ephemeral", "ttl": ttl}}]',
    )
    assert same != _RUN_TIME_TTL
    assert not found(same)


def test_a_ttl_from_a_setting_after_a_default_breakpoint():
    src = """
        import anthropic

        client = anthropic.Anthropic()


        def ask(messages, settings):
            return client.messages.create(
                model="claude-sonnet-4-5",
                max_tokens=1024,
                tools=[{"name": "a", "input_schema": {}, "cache_control": {"type": "ephemeral"}}],
                system=[
                    {
                        "type": "text",
                        "text": "Rules",
                        "cache_control": {"type": "ephemeral", "ttl": settings.ttl},
                    }
                ],
                messages=messages,
            )
        """
    assert found(src) == [(16, "CL102")]
    (msg,) = messages_of(src, "CL102")
    assert "chosen at run time (`settings.ttl`)" in msg


# ---- the platform a branch sends to ----------------------------------------------------------

_PLATFORM = """
    import litellm
    from anthropic import Anthropic, AnthropicBedrock


    def via_gateway(messages, on_aws):
        aws = "bedrock/anthropic.claude-3-7-sonnet-20250219-v1:0"
        model = aws if on_aws else "claude-sonnet-4-5"
        ttl = {"type": "ephemeral", "ttl": "1h"}
        block = {"type": "text", "text": "Rules", "cache_control": ttl}
        return litellm.completion(
            model=model, messages=[{"role": "system", "content": [block]}, *messages]
        )


    def direct(messages, on_aws):
        client = AnthropicBedrock() if on_aws else Anthropic()
        return client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            messages=messages,
            cache_control={"type": "ephemeral"},
        )
"""


def test_a_feature_the_platform_of_one_branch_rejects_names_the_branch():
    assert found(_PLATFORM) == [(9, "CL106"), (22, "CL106")]
    msgs = messages_of(_PLATFORM, "CL106")
    assert all(m.startswith("when on_aws is true, ") for m in msgs)


def test_the_other_branch_alone_is_fine():
    direct_only = _PLATFORM.replace("aws if on_aws else ", "").replace(
        "AnthropicBedrock() if on_aws else Anthropic()", "Anthropic()"
    )
    assert direct_only != _PLATFORM
    assert not found(direct_only)


# ---- a proxy that adds markers to the body a client sent -------------------------------------

_PROXY = """
    import httpx
    from fastapi import FastAPI, Request

    app = FastAPI()


    @app.post("/v1/messages")
    async def messages(request: Request):
        body = await request.json()
        if body.get("tools"):
            body["tools"][-1]["cache_control"] = {"type": "ephemeral", "ttl": "1h"}
        async with httpx.AsyncClient() as client:
            r = await client.post("https://api.anthropic.com/v1/messages", json=body)
        return r.json()
"""


def test_a_proxy_that_adds_a_marker_whatever_the_client_sent():
    assert found(_PROXY) == [(12, "CL105")]
    (msg,) = messages_of(_PROXY, "CL105")
    assert "client that already uses 4 breakpoints gets 5" in msg


def test_a_proxy_that_adds_a_marker_only_when_the_client_sent_none():
    counted = _PROXY.replace(
        'if body.get("tools"):',
        'if body.get("tools") and not any("cache_control" in t for t in body["tools"]):',
    )
    assert counted != _PROXY
    assert not found(counted)


def test_a_proxy_marking_the_system_with_1h_can_follow_a_client_5m():
    system = _PROXY.replace('body.get("tools")', 'body.get("system")').replace(
        'body["tools"][-1]', 'body["system"][-1]'
    )
    assert found(system) == [(12, "CL102"), (12, "CL105")]
    msg = messages_of(system, "CL102")[0]
    assert "ttl='1h' breakpoint in system" in msg


def test_a_helper_that_marks_a_request_it_builds_is_no_proxy():
    assert not found(
        """
        def add_caching(params):
            params["tools"][-1]["cache_control"] = {"type": "ephemeral"}
            params["system"][-1]["cache_control"] = {"type": "ephemeral"}
            return params
        """
    )


def test_a_marker_bounded_in_a_helper_that_a_batch_loop_calls():
    """The batch loop builds one request per item: the marker the helper bounds to the last
    turn stays one per request."""
    assert not found(
        """
        import anthropic

        client = anthropic.Anthropic()


        def as_messages(turns):
            messages = []
            for i, turn in enumerate(turns):
                content = [{"type": "text", "text": c} for c in turn.texts]
                if i == len(turns) - 1 and content:
                    content[-1]["cache_control"] = {"type": "ephemeral"}
                messages.append({"role": turn.role, "content": content})
            return messages


        def batch(conversations):
            requests = []
            for n, turns in enumerate(conversations):
                params = {"model": "claude-sonnet-4-5", "max_tokens": 10}
                params["messages"] = as_messages(turns)
                requests.append({"custom_id": str(n), "params": params})
            return client.messages.batches.create(requests=requests)
        """
    )
