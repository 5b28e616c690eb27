"""A file's findings do not depend on which other files the run checked before it: the summaries
of what leads to a request (reach.py) are shared by the files of a run, and must be the same
whatever order they were computed in. Small projects whose modules import each other in cycles,
checked alone, in order and in reverse order."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from conftest import run_cli, write_files

_SEND = (
    "def send(text):\n    return client.messages.create(model='claude-sonnet-4-5', max_tokens=10, "
    "system=[{'type': 'text', 'text': text, 'cache_control': {'type': 'ephemeral'}}], "
    "messages=[{'role': 'user', 'content': 'q'}])\n"
)


def _project(root: Path, seed: int, n: int = 6) -> list[str]:
    """Modules importing two others each (cycles included); m0 sends; the others pass either
    their argument or the current time on to a function of a module they import."""
    rnd = random.Random(seed)
    files = {"pkg/__init__.py": ""}
    for i in range(n):
        imports = rnd.sample([j for j in range(n) if j != i], 2)
        lines = ["import time", *(f"from pkg import m{j}" for j in imports), ""]
        if i == 0:
            lines = ["import anthropic", *lines, "client = anthropic.Anthropic()", "", _SEND]
        for k in range(2):
            j = rnd.choice(imports)
            callee = "send" if j == 0 else rnd.choice(["f0", "f1"])
            arg = "f'{time.time()} x'" if rnd.random() < 0.3 else "text"
            lines += [f"def f{k}(text):", f"    return m{j}.{callee}({arg})", ""]
        files[f"pkg/m{i}.py"] = "\n".join(lines)
    write_files(root, files)
    return [f"pkg/m{i}.py" for i in range(n)]


def _found(root: Path, files: list[str]) -> list[tuple]:
    out = run_cli(
        "check", "--no-cache", "--format", "json", "--ignore", "CL201", *files, cwd=root
    )  # fmt: skip
    assert out.returncode in (0, 1), out.stderr
    return sorted((f["path"], f["line"], f["code"]) for f in json.loads(out.stdout)["findings"])


@pytest.mark.parametrize("seed", [12, 3, 27])
def test_findings_are_the_same_alone_and_in_any_order(tmp_path, seed):
    files = _project(tmp_path, seed)
    in_order = _found(tmp_path, files)
    assert in_order  # the time passed on reaches the breakpoint somewhere
    assert _found(tmp_path, files[::-1]) == in_order
    assert sorted(x for f in files for x in _found(tmp_path, [f])) == in_order
