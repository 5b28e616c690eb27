"""Requests whose texts the client library renders before sending them.

instructor (`instructor.from_anthropic(...)`, `instructor.patch(...)`, and the other
`from_*` clients) takes `context=` (the deprecated `validation_context=` before it) on a call
with a `response_model=`, and when the context is not empty renders each message's string
content and each text part as a Jinja template with it (instructor/templating.py:
`handle_templating`, `apply_template`, in the released package). So each text is the template
rendered with the context's values, read as `jinja2.Template(text).render(**context)` is
(strings.render); and instructor adds the response model to the request (as a tool, or as
instructions in the system prompt, by mode), so the prefix is longer than the known text.
"""

from __future__ import annotations

from typing import Any

from cachelint.python.operations import truth
from cachelint.python.strings import render
from cachelint.python.values import LDict, LList, hole

_CONTEXT_KEYS = ("context", "validation_context")
_TEXT_KEYS = ("content", "text")
_MAX_DEPTH = 6


def render_instructor(req: LDict) -> None:
    """Render the texts of an instructor call in place, and leave room for what instructor
    adds; a call without `response_model=` and a context is left as it is."""
    key = next((k for k in _CONTEXT_KEYS if k in req), None)
    if key is None or "response_model" not in req:
        return
    context = req.drop(key)
    if truth(context) is not False:  # instructor renders nothing for an empty context
        _render_in(req, "messages", [context], 0)
    if req.open is None:
        req.open = hole("unknown", "the response model that instructor adds to the request")


def _render_in(parent: LDict | LList, at: Any, args: list[Any], depth: int) -> None:
    """Render the texts under parent[at]: a string in place, and the strings under
    `content` and `text` of what it holds."""
    v = parent[at] if isinstance(parent, LList) or at in parent else None
    if depth > _MAX_DEPTH or v is None:
        return
    if isinstance(v, str):
        if "{" in v:
            rendered = render(v, args, {}, "a message template")
            if isinstance(parent, LList):
                parent.set(at, rendered, parent.loc_at(at))
            else:
                parent.put(at, rendered, parent.locs.get(at))
    elif isinstance(v, LList):
        for i in range(len(v)):
            _render_in(v, i, args, depth + 1)
    elif isinstance(v, LDict):
        for k in _TEXT_KEYS:
            _render_in(v, k, args, depth + 1)
