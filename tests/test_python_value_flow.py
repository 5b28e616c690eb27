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
