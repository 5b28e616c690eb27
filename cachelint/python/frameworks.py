"""Breakpoints that frameworks place, mapped into the request form the request rules check.

LiteLLM's `cache_control_injection_points` become markers on the evaluated request of a
`litellm.completion` call. An agent built by pydantic-ai, Agno or LangChain with its model's
caching settings becomes a request of its own, made at the agent call: the system blocks and
tools the framework sends, the markers it places on them, and one user turn standing for the
conversation the agent is run with. What each framework does, and where that was read, is in
`rules/frameworks.toml`. A setting that is not recognised or not known places no breakpoint.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cachelint.prompt import Hole
from cachelint.python.calls import Api, RequestSite
from cachelint.python.objects import project_sources
from cachelint.python.values import LDict, LList, Loc, Ref, Text, copy_value, hole
from cachelint.rule_pages import rules_dir

if TYPE_CHECKING:
    from cachelint.python.project import ModuleInfo, Project

# Words in a file that make it worth parsing for a framework's caching setting.
PREFILTER = (
    b"cache_system_prompt",
    b"anthropic_cache",
    b"PromptCachingMiddleware",
    b"wrap_model_call",
)
# Tails of the calls that build agents (scan.py: the functions holding them are evaluated).
AGENT_CALLS = frozenset({"Agent", "create_agent"})
_CONVERSATION = "the conversation the agent is run with"
_MAX_MARKERS = 4


@dataclass(eq=False, slots=True, repr=False)
class Configured:
    """An object a framework builds from its arguments: a model, a middleware, an agent."""

    framework: str
    role: str  # agent | model | middleware
    args: list[Any]
    kwargs: dict[str, Any]
    loc: Loc
    kw_locs: dict[str, Loc] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<{self.framework} {self.role}>"

    def get(self, name: str, position: int | None = None) -> Any:
        if name in self.kwargs:
            return self.kwargs[name]
        if position is not None and position < len(self.args):
            return self.args[position]
        return None

    def at(self, name: str) -> Loc:
        return self.kw_locs.get(name, self.loc)


@cache
def _table() -> dict[str, tuple[str, str]]:
    """Canonical name -> (framework id, role), from rules/frameworks.toml."""
    with open(rules_dir() / "frameworks.toml", "rb") as f:
        data = tomllib.load(f)
    return {
        name: (fw["id"], role)
        for fw in data["framework"]
        for role, names in fw.get("calls", {}).items()
        for name in names
    }


@cache
def _middleware() -> tuple[frozenset[str], frozenset[str]]:
    """(hook method names, canonical base classes) of agent middleware, from frameworks.toml."""
    with open(rules_dir() / "frameworks.toml", "rb") as f:
        data = tomllib.load(f)
    hooks = {h for fw in data["framework"] for h in fw.get("middleware-hooks", ())}
    bases = {b for fw in data["framework"] for b in fw.get("middleware-bases", ())}
    return frozenset(hooks), frozenset(bases)


def construct(ev: Any, name: str, args: list, kwargs: dict, frame: Any, node: Any) -> Any:
    """The value of a call to a framework's class or agent factory (None: not one); an agent
    call also records the request it makes."""
    entry = _table().get(name)
    if entry is None or entry[1] == "request":
        return None
    framework, role = entry
    kw_locs = {
        kw.arg: frame.loc(kw.value)
        for kw in getattr(node, "keywords", ())
        if kw.arg is not None and kw.arg in kwargs
    }
    if role == "settings":  # TypedDicts: a plain dict
        out = ev.new_dict(frame, node)
        for k, v in kwargs.items():
            out.put(k, v, kw_locs.get(k))
        return out
    obj = Configured(framework, role, list(args), dict(kwargs), frame.loc(node), kw_locs)
    if role == "agent":
        request = _AGENTS[framework](obj)
        if request is not None:
            ev.requests.append(RequestSite(Api("messages", "anthropic"), obj.loc, request))
    return obj


# ---- LiteLLM ----------------------------------------------------------------------------


def inject_litellm(req: LDict) -> None:
    """Apply `cache_control_injection_points` to the messages of a litellm call, as LiteLLM's
    AnthropicCacheControlHook does before the request is sent."""
    points = req.get("cache_control_injection_points")
    if points is None:
        return
    points_loc = req.locs.get("cache_control_injection_points")
    req.drop("cache_control_injection_points")  # LiteLLM pops it: never sent
    messages = req.get("messages")
    if not isinstance(points, list) or not isinstance(messages, LList):
        return
    messages = copy_value(messages, deep=True)  # the hook works on a deep copy
    message_points = [
        (i, p)
        for i, p in enumerate(points)
        if isinstance(p, dict) and p.get("location") == "message"
    ]
    limit = _MAX_MARKERS - any(
        isinstance(p, dict) and p.get("location") == "tool_config" for p in points
    )
    used = sum(_markers_on(m) for m in messages)
    for i, point in message_points:
        control = point.get("control") or LDict([("type", "ephemeral", None)])
        if not _known_control(control):
            continue
        where = (points.loc_at(i) if isinstance(points, LList) else None) or points_loc
        for index in _targets(point, messages):
            if used >= limit:
                break
            msg = messages[index]
            if _markers_on(msg):
                continue  # the client's own marker is kept
            if _mark_message(msg, control, where):
                used += 1
    req.put("messages", messages, req.locs.get("messages"))


def _known_control(control: Any) -> bool:
    return isinstance(control, dict) and all(
        isinstance(v, str) and not isinstance(v, Text) for v in control.values()
    )


def _targets(point: dict, messages: LList) -> list[int]:
    """The messages an injection point marks: its index (which wins), else every message with
    its role. Positions and roles that are not known mark nothing."""
    index = point.get("index")
    if isinstance(index, str) and not isinstance(index, Text):
        try:
            index = int(index)
        except ValueError:
            index = None
    if isinstance(index, int) and not isinstance(index, bool):
        i = index + len(messages) if index < 0 else index
        # the position is known when no unknown or repeated item can shift it
        span = range(i, len(messages)) if index < 0 else range(0, i + 1)
        if not 0 <= i < len(messages) or any(
            isinstance(messages[j], Hole) or j in messages.repeated for j in span
        ):
            return []
        return [i]
    if index is not None:
        return []
    role = point.get("role")
    if not isinstance(role, str) or isinstance(role, Text):
        return []
    return [
        i
        for i, m in enumerate(messages)
        if isinstance(m, dict) and m.get("role") == role and i not in messages.repeated
    ]


def _markers_on(msg: Any) -> int:
    if not isinstance(msg, dict):
        return 0
    n = int(msg.get("cache_control") is not None)
    content = msg.get("content")
    if isinstance(content, list):
        n += sum(1 for b in content if isinstance(b, dict) and b.get("cache_control") is not None)
    return n


def _mark_message(msg: Any, control: Any, where: Loc | None) -> bool:
    """A string content gets the marker on the message (LiteLLM moves it onto the block), a
    list on its last part; content only known at run time is one or the other, and the message
    is marked either way."""
    if not isinstance(msg, LDict):
        return False
    content = msg.get("content")
    value = copy_value(control, deep=True)
    if isinstance(content, str | Hole):
        msg.put("cache_control", value, where)
        return True
    if isinstance(content, LList) and content and not content.is_open():
        last = content[-1]
        if isinstance(last, LDict) and len(content) - 1 not in content.repeated:
            last.put("cache_control", value, where)
            return True
    return False


# ---- agents -----------------------------------------------------------------------------


def _ttl(flag: Any, true_means: str = "5m") -> str | None:
    """The TTL a caching setting asks for: True, "5m" or "1h"; None when off or not known."""
    if flag is True:
        return true_means
    if flag in ("5m", "1h") and not isinstance(flag, Text):
        return str(flag)
    return None


def _control(ttl: str, with_ttl: bool = True) -> LDict:
    items = [("type", "ephemeral", None)]
    if with_ttl:
        items.append(("ttl", ttl, None))
    return LDict(items)


def _text_block(text: Any, loc: Loc | None) -> LDict:
    if not isinstance(text, str):
        text = Text([_piece(text)])
    return LDict([("type", "text", loc), ("text", text, loc)], loc=loc)


def _piece(v: Any) -> Any:
    """A piece of text: a string, a hole, or an unknown text for any other value."""
    return v if isinstance(v, str | Hole) else hole("unknown", "a text")


def _joined(values: list[Any], sep: str) -> Any:
    parts: list[Any] = []
    for v in values:
        if parts:
            parts.append(sep)
        parts.append(_piece(v))
    return Text(parts)


def _strings(value: Any) -> list[Any] | None:
    """The texts of a str / list-of-str setting; None when it is not known to be one."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple) and not (isinstance(value, LList) and value.is_open()):
        return list(value)
    return None


def _tools(value: Any, loc: Loc, sort: bool = False) -> LList | None:
    """Tool definitions for the tools given to an agent, in the order the framework sends."""
    if not isinstance(value, LList) or not value:
        return None
    out = LList(loc=value.loc or loc)
    items = list(enumerate(value))
    if sort:
        names = [_tool_name(v) for _, v in items]
        if all(isinstance(n, str) for n in names):
            items.sort(key=lambda t: _tool_name(t[1]))
    for i, v in items:
        name = _tool_name(v)
        tool = LDict(
            [
                ("name", name if isinstance(name, str) else hole("stable", "a tool name"), None),
                ("description", Text([hole("stable", "the tool's description")]), None),
                ("input_schema", LDict([("type", "object", None)]), None),
            ],
            loc=value.loc_at(i) or loc,
        )
        out.add(tool, value.loc_at(i) or loc, i in value.repeated)
    if not sort:  # a framework that sorts by name sends the same order whatever it was given
        out.unordered = value.unordered
    return out


def _tool_name(v: Any) -> Any:
    if isinstance(v, Ref) and v.kind == "function":
        return v.name.rpartition(".")[2]
    return None


def _request(
    model: Any,
    tools: LList | None,
    system: LList | None,
    loc: Loc,
    automatic: LDict | None = None,
    last_message: LDict | None = None,
) -> LDict:
    """An Anthropic request with one user turn standing for the run's conversation."""
    req = LDict(loc=loc)
    req.depth = 0
    if isinstance(model, str) and not isinstance(model, Text):
        req.put("model", model, loc)
    if tools:
        req.put("tools", tools, tools.loc)
    if system:
        req.put("system", system, system.loc)
    turn = _text_block(hole("request", _CONVERSATION, loc), loc)
    if last_message is not None:
        turn.put("cache_control", last_message, loc)
    user = LDict([("role", "user", loc), ("content", LList([turn], loc=loc), loc)], loc=loc)
    req.put("messages", LList([user], loc=loc), loc)
    if automatic is not None:
        req.put("cache_control", automatic, loc)
    # tools registered elsewhere (decorators, toolsets) and text the framework adds may be
    # missing: the prefix length is not known
    req.open = hole("unknown", "what the framework adds to the request")
    return req


def _mark_last(items: LList | None, control: LDict, loc: Loc) -> None:
    """Mark the last of the items; when it stands for any number of items (built in a loop),
    the last one of them gets an entry of its own."""
    if not items or not isinstance(items[-1], LDict):
        return
    last = items[-1]
    if len(items) - 1 in items.repeated:
        last = copy_value(last, deep=True)
        items.add(last, items.loc_at(len(items) - 1))
    last.put("cache_control", control, loc)


# pydantic-ai ------------------------------------------------------------------------------


def _pydantic_ai(agent: Configured) -> LDict | None:
    model = agent.get("model", 0)
    settings: dict[str, Any] = {}
    if isinstance(model, Configured) and model.framework == "pydantic-ai":
        model_id = model.get("model_name", 0)
        _merge(settings, model.get("settings"), model)
    elif isinstance(model, str) and not isinstance(model, Text) and model.startswith("anthropic:"):
        model_id = model.partition(":")[2]
    else:
        return None  # not known to be an Anthropic model: the settings are not applied
    _merge(settings, agent.get("model_settings"), agent)
    flags = {k: (_ttl(v), loc) for k, (v, loc) in settings.items()}
    instr_ttl, instr_loc = flags.get("anthropic_cache_instructions", (None, None))
    tools_ttl, tools_loc = flags.get("anthropic_cache_tool_definitions", (None, None))
    auto_ttl, auto_loc = flags.get("anthropic_cache", (None, None))
    msgs_ttl, _ = flags.get("anthropic_cache_messages", (None, None))
    if auto_ttl and msgs_ttl:
        return None  # pydantic-ai raises a UserError
    if "1h" in (instr_ttl, tools_ttl, auto_ttl, msgs_ttl):
        # 2.78.0 sends mixed TTLs all as 1h (observed): never a 1h-after-5m request
        instr_ttl, tools_ttl, auto_ttl, msgs_ttl = (
            t and "1h" for t in (instr_ttl, tools_ttl, auto_ttl, msgs_ttl)
        )
    system = LList(loc=agent.loc)
    prompts = _strings(agent.get("system_prompt"))
    if prompts:
        system.add(_text_block(_joined(prompts, "\n\n"), agent.at("system_prompt")), None)
    instructions = agent.get("instructions")
    listed = [instructions] if not isinstance(instructions, list | tuple) else list(instructions)
    static = [i for i in listed if isinstance(i, str)]
    dynamic = [i for i in listed if i is not None and not isinstance(i, str)]
    if static:
        system.add(_text_block(_joined(static, "\n\n"), agent.at("instructions")), None)
    marked = system[-1] if system else None
    for _ in dynamic:  # instruction functions: run for each request, after the cached part
        system.add(_text_block(hole("unknown", "an instructions function"), agent.loc), None)
    if instr_ttl and isinstance(marked, LDict):
        marked.put("cache_control", _control(instr_ttl), instr_loc)
    tools = _tools(agent.get("tools"), agent.at("tools"))
    if tools_ttl:
        _mark_last(tools, _control(tools_ttl), tools_loc)
    automatic = _control(auto_ttl) if auto_ttl else None
    last = _control(msgs_ttl) if msgs_ttl else None
    req = _request(model_id, tools, system or None, agent.loc, automatic, last)
    if automatic is not None:
        req.locs["cache_control"] = auto_loc
    return req


def _merge(into: dict[str, Any], settings: Any, owner: Configured) -> None:
    """Known entries of a settings dict, each with where it was set."""
    if not isinstance(settings, dict):
        return
    for k, v in settings.items():
        if isinstance(k, str) and k.startswith("anthropic_cache"):
            loc = settings.locs.get(k) if isinstance(settings, LDict) else None
            into[k] = (v, loc or owner.at("model_settings"))


# Agno -------------------------------------------------------------------------------------


def _agno(agent: Configured) -> LDict | None:
    model = agent.get("model")
    if not (isinstance(model, Configured) and model.framework == "agno"):
        return None
    cache_system = model.get("cache_system_prompt") is True
    cache_tools = model.get("cache_tools") is True
    if not cache_system and not cache_tools:
        return None
    system = LList(loc=agent.loc)
    text = _agno_system(agent)
    if text is not None:
        block = _text_block(text, agent.loc)
        if cache_system:
            extended = model.get("extended_cache_time") is True
            control = _control("1h", with_ttl=extended)
            block.put("cache_control", control, model.at("cache_system_prompt"))
        system.add(block, None)
    tools = _tools(agent.get("tools"), agent.at("tools"), sort=True)  # agno sorts by name
    if cache_tools:
        _mark_last(tools, _control("5m", with_ttl=False), model.at("cache_tools"))
    model_id = model.get("id")
    return _request(model_id, tools, system or None, agent.loc)


def _agno_system(agent: Configured) -> Any:
    """The system message an Agno agent builds (get_system_message), as far as it matters
    here: the parts it is made of, in order. None when the agent sends none."""
    given = agent.get("system_message")
    if given is not None:
        return given if isinstance(given, str) else None
    if agent.get("build_context") is False:
        return None
    parts: list[Any] = []
    description = agent.get("description")
    if description is not None:
        parts += [_piece(description), "\n"]
    instructions = agent.get("instructions")
    texts = _strings(instructions)
    if texts is not None:
        for t in texts:
            parts += [_piece(t), "\n"]
    elif instructions is not None:
        parts += [hole("unknown", "instructions from a function"), "\n"]
    if agent.get("add_datetime_to_context") is True:
        loc = agent.at("add_datetime_to_context")
        when = hole("volatile", "the current time (Agent(add_datetime_to_context=True))", loc)
        parts += ["The current time is ", when, ".\n"]
    for name in ("expected_output", "additional_context"):
        value = agent.get(name)
        if value is not None:
            parts += [_piece(value), "\n"]
    return Text(parts) if parts else None


# LangChain --------------------------------------------------------------------------------


def _langchain(agent: Configured) -> LDict | None:
    model = agent.get("model", 0)
    if isinstance(model, Configured) and model.framework == "langchain":
        model_id = model.get("model") or model.get("model_name")
    elif isinstance(model, str) and not isinstance(model, Text) and _anthropic_name(model):
        model_id = model.partition(":")[2] if ":" in model else model
    else:
        return None  # the middleware caches only for ChatAnthropic
    middleware = agent.get("middleware")
    if not isinstance(middleware, list | tuple):
        return None
    caching = next(
        (
            m
            for m in middleware
            if isinstance(m, Configured) and m.framework == "langchain" and m.role == "middleware"
        ),
        None,
    )
    if caching is None:
        return None
    ttl = caching.get("ttl", 1) if caching.get("ttl", 1) is not None else "5m"
    if _ttl(ttl) is None or caching.get("type", 0) not in (None, "ephemeral"):
        return None
    system = None
    prompt = agent.get("system_prompt")
    if prompt is not None and prompt != "":  # an empty system prompt is left unmarked
        block = _text_block(prompt, agent.at("system_prompt"))
        block.put("cache_control", _control(ttl), caching.loc)
        system = LList([block], loc=agent.at("system_prompt"))
    tools = _tools(agent.get("tools", 1), agent.at("tools"))
    _mark_last(tools, _control(ttl), caching.loc)
    req = _request(model_id, tools, system, agent.loc, automatic=_control(ttl))
    req.locs["cache_control"] = caching.loc
    return req


def _anthropic_name(model: str) -> bool:
    """init_chat_model's provider for a model string: "anthropic:..." or a "claude" name."""
    provider, sep, _ = model.partition(":")
    return provider == "anthropic" if sep else model.startswith("claude")


_AGENTS = {"pydantic-ai": _pydantic_ai, "agno": _agno, "langchain": _langchain}


def builds_request(parts: list[str]) -> bool:
    """A call whose name may be an agent factory of a framework (resolved when evaluated)."""
    return bool(parts) and parts[-1] in AGENT_CALLS


# LangChain agent middleware ---------------------------------------------------------------

_CACHING_CALL = re.compile(rb"PromptCachingMiddleware\s*\(")


def is_hook(node: ast.AST, cls: ast.ClassDef | None) -> bool:
    """A method that may wrap an agent's model call (its base is checked when evaluated)."""
    return (
        cls is not None
        and bool(cls.bases)
        and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name in _middleware()[0]
    )


def hook_request(
    ev: Any, module: ModuleInfo, node: Any, cls: ast.ClassDef, frame: Any
) -> Configured | None:
    """The model request a middleware hook is given, when its class derives from LangChain's
    AgentMiddleware and a project file builds it ahead of the Anthropic caching middleware
    (None otherwise: what the hook hands on is not known to be cached)."""
    hooks, bases = _middleware()
    if node.name not in hooks or len(node.args.args) < 2:
        return None
    if not any(ev.canonical(b, frame) in bases for b in cls.bases):
        return None
    setup = _cached_after(ev.project, module, cls.name)
    if setup is None:
        return None
    loc = frame.loc(node.args.args[1])
    tools = LList([hole("stable", "the agent's tools", loc)], loc=loc)
    tools.repeated.add(0)
    state = LDict(loc=loc)
    state.open = hole(
        "volatile",
        "the agent's state (request.state), which changes between the model calls of a run",
        loc,
    )
    kwargs = {
        "system_prompt": hole("stable", "the agent's system prompt", loc),
        "tools": tools,
        "state": state,
        "messages": hole("request", _CONVERSATION, loc),
    }
    return Configured("langchain", "model-request", [setup], kwargs, loc)


def request_attr(obj: Configured, attr: str, loc: Loc) -> Any:
    """An attribute of a model request given to a middleware hook."""
    if attr in obj.kwargs:
        return obj.kwargs[attr]
    return hole("unknown", f"request.{attr}", loc)


def request_method(ev: Any, obj: Configured, method: str, kwargs: dict, frame: Any, node) -> Any:
    """request.override(...): the request handed on, which the caching middleware marks."""
    loc = frame.loc(node)
    if method != "override":
        return hole("unknown", f"request.{method}()", loc)
    merged = {**obj.kwargs, **kwargs}
    out = Configured(obj.framework, obj.role, obj.args, merged, loc)
    control = _control("5m", with_ttl=False)
    system = None
    prompt = merged.get("system_prompt")
    if prompt is not None and prompt != "":  # "" or None: no system message
        block = _text_block(prompt if isinstance(prompt, str | Hole) else _piece(prompt), loc)
        block.put("cache_control", control, loc)
        system = LList([block], loc=loc)
    tools = _tools(merged.get("tools"), loc)
    _mark_last(tools, control, loc)
    req = _request(None, tools, system, loc, automatic=control)
    ev.requests.append(RequestSite(Api("messages", "anthropic"), loc, req))
    return out


def _cached_after(project: Project, module: ModuleInfo, name: str) -> Path | None:
    """A project file calling `name(...)` before a PromptCachingMiddleware(...) (the middleware
    list of create_agent, where the first is the outermost layer), or None."""
    if _built_before_caching(module.text.encode(), name):  # the same file builds the agent
        return module.path or Path(module.display)
    if module.path is None:
        return None
    roots = project._roots_of(module.path)
    if roots is None:
        return None
    for path in _agent_setups(project, roots[0]):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if _built_before_caching(data, name):
            project.touched.add(path)  # the verdict depends on that file
            return path
    return None


def _built_before_caching(data: bytes, name: str) -> bool:
    """`name(...)` is called (not defined: `class name(Base):`) before the last caching
    middleware is built."""
    call = re.search(rb"(?<!class )\b" + re.escape(name.encode()) + rb"\s*\(", data)
    caching = [m.start() for m in _CACHING_CALL.finditer(data)]
    return call is not None and bool(caching) and call.start() < caching[-1]


def _agent_setups(project: Project, root: Path) -> list[Path]:
    """The project's .py files that build a PromptCachingMiddleware, found once per run."""
    found = project.framework_files.get(root)
    if found is None:
        found = project.framework_files[root] = [
            path
            for path, data in project_sources(root)
            if b"PromptCachingMiddleware" in data and _CACHING_CALL.search(data)
        ]
    return found
