"""This repository's GitHub Action (`action.yml`) run here as the Actions runner runs a composite
action: each step's `env` and the action's outputs evaluated from the inputs the action defines
(defaults, then the workflow's `with:`), the `run` script in `bash --noprofile --norc -eo
pipefail` in the workspace with the runner's variables (GITHUB_OUTPUT, RUNNER_TEMP, ...), step
outputs read back from GITHUB_OUTPUT, and the steps after a failing one not run.

The one substitution: pip finds packages in a wheelhouse on disk (tests/local_install.py) instead
of the package index, so the run needs no network.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conftest import ROOT

ACTION_FILE = ROOT / "action.yml"
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"


def load_action() -> dict[str, Any]:
    return yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))


@dataclass
class ActionRun:
    procs: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)  # by step id
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)  # the `steps` context
    outputs: dict[str, str] = field(default_factory=dict)  # the action's outputs
    failed: str | None = None  # the id of the step that failed

    @property
    def last(self) -> subprocess.CompletedProcess:
        return list(self.procs.values())[-1]


def evaluate(text: str, context: dict[str, Any]) -> str:
    """`text` with its `${{ }}` expressions replaced; only the forms the action may use (input,
    step output and github.action_path lookups) are known, anything else is an error here."""

    def value(m: re.Match) -> str:
        expr = m.group(1)
        if found := re.fullmatch(rf"inputs\.({_NAME})", expr):
            return context["inputs"][found.group(1)]
        if found := re.fullmatch(rf"steps\.({_NAME})\.outputs\.({_NAME})", expr):
            step = context["steps"].get(found.group(1), {})
            return step.get("outputs", {}).get(found.group(2), "")
        if expr == "github.action_path":
            return context["github"]["action_path"]
        raise ValueError(f"expression not understood by this runner: {expr!r}")

    return _EXPRESSION.sub(value, text)


def _outputs(path: Path) -> dict[str, str]:
    """A GITHUB_OUTPUT file: `name=value` lines and `name<<DELIMITER` blocks."""
    out: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            out[name] = "\n".join(block)
        elif line:
            name, _, value = line.partition("=")
            out[name] = value
    return out


def run_action(
    action_path: Path,
    workspace: Path,
    runner_temp: Path,
    env: dict[str, str],
    with_: dict[str, str] | None = None,
    steps: dict[str, dict[str, Any]] | None = None,
) -> ActionRun:
    """Run the action at `action_path` on `workspace`. `steps` are steps already run (the
    outputs of an earlier run's install step, say): they are not run again."""
    action = yaml.safe_load((action_path / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    declared = action.get("inputs") or {}
    unknown = set(with_ or {}) - set(declared)
    assert not unknown, f"inputs the action does not define: {sorted(unknown)}"
    inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    inputs.update(with_ or {})
    result = ActionRun(steps=dict(steps or {}))
    context = {"inputs": inputs, "steps": result.steps, "github": {"action_path": str(action_path)}}
    for n, step in enumerate(action["runs"]["steps"]):
        sid = step.get("id", f"__{n}")
        if sid in result.steps:
            continue
        assert step.get("shell") == "bash" and "run" in step, f"step {sid}: only bash run steps"
        output = runner_temp / f"output-{sid}"
        output.write_text("", encoding="utf-8")
        script = runner_temp / f"step-{sid}.sh"
        script.write_text(evaluate(step["run"], context), encoding="utf-8")
        step_env = {
            **env,
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_ACTION_PATH": str(action_path),
            "GITHUB_OUTPUT": str(output),
            "RUNNER_TEMP": str(runner_temp),
            **{k: evaluate(str(v), context) for k, v in (step.get("env") or {}).items()},
        }
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        result.procs[sid] = proc
        result.steps[sid] = {"outputs": _outputs(output)}
        if proc.returncode != 0:
            result.failed = sid
            break
    for name, spec in (action.get("outputs") or {}).items():
        result.outputs[name] = evaluate(spec["value"], context)
    return result
