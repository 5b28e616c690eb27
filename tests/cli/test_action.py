"""The GitHub Action in action.yml: valid against SchemaStore's published schema for action
metadata (kept in tests/schemas/), and run here as the runner runs it (tests/composite_action.py)
from a copy of this checkout on a git repository with payloads: it installs cachelint from its
own checkout, annotates the findings, writes the SARIF file, fails the step on findings, and
never runs its inputs as code."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from composite_action import ActionRun, load_action, run_action
from conftest import ROOT, write_files
from format_fixtures import BAD, GOOD, parse_command, reported
from local_install import copy_checkout, pip_env

pytestmark = pytest.mark.slow  # installs the package from a wheelhouse

SCHEMA = json.loads((ROOT / "tests/schemas/github-action.json").read_text(encoding="utf-8"))


def test_action_matches_the_published_schema():
    validator = jsonschema.Draft7Validator(SCHEMA)
    action = load_action()
    assert not [e.message for e in validator.iter_errors(action)]
    broken = copy.deepcopy(action)
    del broken["runs"]["steps"][0]["shell"]  # a composite run step must name its shell
    assert list(validator.iter_errors(broken)), "the schema checks composite steps"


def test_inputs_reach_the_shell_only_through_the_environment():
    action = load_action()
    for step in action["runs"]["steps"]:
        assert "${{" not in step["run"], step["name"]
    env_values = {v for s in action["runs"]["steps"] for v in (s.get("env") or {}).values()}
    for name in action["inputs"]:
        assert f"${{{{ inputs.{name} }}}}" in env_values, f"input {name} is not used through env"


@pytest.fixture(scope="module")
def action(tmp_path_factory, wheelhouse) -> tuple[Path, dict]:
    """A copy of the checkout (the action as a workflow gets it) and the runner's environment."""
    path = copy_checkout(tmp_path_factory.mktemp("actions") / "cachelint")
    return path, pip_env(wheelhouse)


def _workspace(root: Path, files: dict[str, str]) -> Path:
    """A checked-out repository of these files, as actions/checkout leaves it."""
    subprocess.run(["git", "init", "-q", str(write_files(root, files))], check=True)
    return root


@pytest.fixture(scope="module")
def installed(action, tmp_path_factory) -> tuple[ActionRun, Path]:
    """A whole run of the action with its default inputs on a clean workspace: the install step's
    outputs are then reused by the other tests, which run the check step only."""
    path, env = action
    temp = tmp_path_factory.mktemp("runner-temp")
    workspace = _workspace(tmp_path_factory.mktemp("clean"), {"requests/support.json": GOOD})
    run = run_action(path, workspace, temp, env)
    return run, temp


def check(action, installed, workspace: Path, **with_: str) -> ActionRun:
    path, env = action
    first, temp = installed
    return run_action(path, workspace, temp, env, with_, steps={"install": first.steps["install"]})


def test_installs_from_its_own_checkout_and_passes_a_clean_tree(action, installed):
    run, _ = installed
    assert run.failed is None, run.last.stdout + run.last.stderr
    venv = Path(run.steps["install"]["outputs"]["bin"]).parent
    # the action's checkout, not a package index name, is what got installed
    (origin,) = venv.glob("lib/python*/site-packages/cachelint_llm-*/direct_url.json")
    assert json.loads(origin.read_text(encoding="utf-8"))["url"] == action[0].as_uri()
    assert run.procs["check"].stdout == "", "no annotations for a clean tree"
    assert run.outputs == {"sarif-file": ""}


def test_annotates_findings_writes_sarif_and_fails(action, installed, tmp_path):
    ws = _workspace(tmp_path, {"requests/support.json": BAD, "other/clean.json": GOOD})
    run = check(action, installed, ws, **{"sarif-file": "reports/cachelint.sarif"})
    assert run.failed == "check" and run.last.returncode == 1, run.last.stderr
    commands = [parse_command(line) for line in run.last.stdout.splitlines()]
    assert commands and all(c == "error" or c == "warning" for c, _, _ in commands)
    assert {p["file"] for _, p, _ in commands} == {str(ws / "requests/support.json")}
    assert any("CL103" in p["title"] for _, p, _ in commands)
    assert run.outputs == {"sarif-file": "reports/cachelint.sarif"}
    sarif = (ws / "reports/cachelint.sarif").read_text(encoding="utf-8")
    assert {r["ruleId"] for r in reported("sarif", sarif)} >= {"CL103"}


def test_paths_and_args_are_split_as_a_shell_splits_words(action, installed, tmp_path):
    ws = _workspace(
        tmp_path,
        {"checked dir/a.json": BAD, "other/b.json": BAD, "plain/c.json": BAD},
    )
    run = check(
        action, installed, ws, paths="'checked dir'\nplain", args="--select CL1 --fail-on error"
    )
    assert run.last.returncode == 1, run.last.stderr
    files = {parse_command(line)[1]["file"] for line in run.last.stdout.splitlines()}
    assert files == {str(ws / "checked dir/a.json"), str(ws / "plain/c.json")}
    titles = [parse_command(line)[1]["title"] for line in run.last.stdout.splitlines()]
    assert titles and all("(CL1" in t for t in titles), titles  # CL201 left out by --select


@pytest.mark.parametrize(
    "inputs",
    [
        {"paths": "requests $(touch pwned) `touch pwned` ; touch pwned"},
        {"args": '--select "$(touch pwned)" && touch pwned'},
        {"sarif-file": "x.sarif; touch pwned"},
        {"paths": "requests\n::error::forged"},
    ],
)
def test_inputs_are_never_code(action, installed, tmp_path, inputs):
    ws = _workspace(tmp_path, {"requests/support.json": GOOD})
    run = check(action, installed, ws, **inputs)
    assert not (ws / "pwned").exists()
    assert not any(p.name == "pwned" for p in ws.parent.iterdir())
    shown = (run.last.stdout + run.last.stderr).splitlines()
    assert not any(line.startswith("::error::forged") for line in shown)


def test_an_unbalanced_quote_is_an_error_before_cachelint_runs(action, installed, tmp_path):
    ws = _workspace(tmp_path, {"requests/support.json": BAD})
    run = check(action, installed, ws, args="--select 'CL1")
    assert run.failed == "check" and run.last.returncode != 0
    assert "cachelint action: input args: No closing quotation" in run.last.stderr
    assert run.last.stdout == "" and not (ws / ".cachelint_cache").exists()


def test_a_sarif_file_name_on_two_lines_is_refused(action, installed, tmp_path):
    ws = _workspace(tmp_path, {"requests/support.json": BAD})
    run = check(action, installed, ws, **{"sarif-file": "a.sarif\nb=c"})
    assert run.last.returncode == 2
    assert "sarif-file: one file name, on one line" in run.last.stderr
    assert run.steps["check"]["outputs"] == {}


def test_a_usage_error_of_cachelint_fails_the_step(action, installed, tmp_path):
    ws = _workspace(tmp_path, {"requests/support.json": GOOD})
    run = check(action, installed, ws, args="--select CL999")
    assert run.failed == "check" and run.last.returncode == 2
    assert "CL999" in run.last.stderr
