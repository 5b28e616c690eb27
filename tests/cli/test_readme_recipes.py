"""The README's recipes run as written: the 30-second trial and the Quick start install this
checkout into fresh virtual environments, the CI recipes (the GitHub workflow through this
repository's action, GitLab CI, the plain shell script) install it from a git URL pinned to a
commit, and every `cachelint check` command line of the "CI and editors" section is run on a
project with a defect. (The pre-commit recipe runs in test_pre_commit.py.)

What differs from a user's machine, and nothing else:
- pip finds packages in a wheelhouse on disk instead of the package index (tests/local_install.py),
  so no test needs the network;
- the placeholders the README asks users to replace, `<cachelint-repository-url>`,
  `<owner>/<repo>` and `<commit-sha>`, become a committed copy of this checkout and its commit;
- a CI image's Python (`python:3.12`, setup-python) is this machine's `python3`, in a fresh
  virtual environment whose `bin` is first on PATH;
- `mktemp -d` makes its folder in the test's temporary folder (TMPDIR).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from composite_action import run_action
from conftest import ROOT, run_cli, write_files
from format_fixtures import BAD, GOOD, parse_command, reported
from local_install import committed_checkout, copy_checkout, git_env, pip_env
from readme import README, blocks, section, substituted

pytestmark = pytest.mark.slow  # installs the package and runs every recipe

SECTION = section("CI and editors")
BLOCKS = re.findall(r"^```(yaml|sh)\n(.*?)^```", SECTION, re.S | re.M)
COMMANDS = [
    m.group(1).strip() for _, body in BLOCKS for m in re.finditer(r"(cachelint check[^\n#]*)", body)
]


def test_the_section_has_the_recipes():
    assert {kind for kind, _ in BLOCKS} == {"yaml", "sh"}
    assert len(COMMANDS) >= 3
    for kind, body in BLOCKS:
        if kind == "yaml":
            assert yaml.safe_load(body)
    workflow = next(yaml.safe_load(b) for k, b in BLOCKS if k == "yaml" and "jobs:" in b)
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["cachelint"]["steps"]
    assert any(s.get("uses") == "github/codeql-action/upload-sarif@v4" for s in steps)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_runs(command, tmp_path):
    (tmp_path / "requests").mkdir()
    (tmp_path / "requests" / "support.json").write_text(BAD, encoding="utf-8")
    args = shlex.split(command.split("<")[0])[2:]  # after "cachelint check"; stdin comes below
    proc = run_cli("check", *args, cwd=tmp_path, stdin=BAD.encode())
    assert proc.returncode == 1, proc.stderr.decode()
    assert b"CL103" in proc.stdout
    for spec in (args[i + 1] for i, a in enumerate(args) if a == "--output"):
        fmt, _, target = spec.partition(":")
        report = (tmp_path / target).read_text(encoding="utf-8")
        assert reported(fmt, report), f"{target} holds no findings"


def test_every_install_line_names_our_distribution():
    installs = re.findall(r"pip install[^\n]*", "\n".join(blocks(README, "(?:sh|yaml)")))
    assert installs
    for line in installs:
        assert not re.search(r"install (--?\S+ )*[\"']?cachelint(?![-\w])", line), line


# Runs of the recipes, each in a project of its own.


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> tuple[Path, str]:
    """A git repository holding this checkout in one commit, and that commit."""
    env = git_env(tmp_path_factory.mktemp("git-home"))
    repo = tmp_path_factory.mktemp("origin") / "cachelint"
    return repo, committed_checkout(repo, env)


def shell(script: str, cwd: Path, env: dict[str, str], *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", *flags, "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def machine(wheelhouse, tmp_path) -> dict[str, str]:
    """The environment of a fresh machine here: pip reads the wheelhouse, temporary folders are
    the test's."""
    (tmp_path / "tmp").mkdir()
    return {**pip_env(wheelhouse), "TMPDIR": str(tmp_path / "tmp")}


@pytest.fixture
def ci_image(machine, tmp_path) -> dict[str, str]:
    """A CI job's Python (3.11 or later, pip and its scripts on PATH): a fresh venv's bin first."""
    venv = tmp_path / "image-python"
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True, env=machine)
    return {**machine, "PATH": f"{venv / 'bin'}{os.pathsep}{machine['PATH']}"}


def test_try_it_in_30_seconds(machine, tmp_path):
    (script,) = blocks(section("Try it in 30 seconds"), "sh")
    assert len(script.splitlines()) <= 10
    clone = copy_checkout(tmp_path / "cachelint")
    proc = shell(script, clone, machine)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the last line, init, succeeded
    out = proc.stdout
    assert "request.json:2:53: error[CL301] volatile-before-breakpoint" in out
    assert "error[CL201] prefix-below-minimum" in out
    assert "Found 2 findings (2 errors) in 1 file checked." in out
    assert "volatile-before-breakpoint (CL301)" in out  # the rule page
    (config,) = (tmp_path / "tmp").glob("*/cachelint.toml")
    assert 'default-model = "claude-sonnet-4-5"' in config.read_text(encoding="utf-8")
    assert "Wrote to cachelint.toml:" in out and "      - id: cachelint" in out


def test_quick_start(machine, tmp_path):
    install_and_run, run_tests = blocks(section("Quick start"), "sh")
    clone = copy_checkout(tmp_path / "cachelint")
    proc = shell(install_and_run, clone, machine)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the examples have defects
    assert re.search(r"Found \d+ findings .* in 6 files checked\.", proc.stdout)
    # the second command is what CI runs (and what runs this test)
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert run_tests.strip() in ci.splitlines()


def test_install_from_a_clone(ci_image, tmp_path):
    from_clone, from_git = blocks(section("Install"), "sh")[0].splitlines()
    copy_checkout(tmp_path / "cachelint")
    proc = shell(from_clone, tmp_path, ci_image)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert shell("cachelint --version", tmp_path, ci_image).stdout.startswith("cachelint, version")
    # the git line is the CI recipes' install line, run by the tests below
    assert from_git.split("#")[0].strip() in section("CI and editors")


def test_github_workflow_through_the_action(machine, origin, tmp_path):
    (recipe,) = [b for b in blocks(section("GitHub Actions"), "yaml") if "jobs:" in b]
    steps = yaml.safe_load(recipe)["jobs"]["cachelint"]["steps"]
    (ours,) = [s for s in steps if s["uses"].startswith("<owner>/<repo>@")]
    assert ours["uses"] == "<owner>/<repo>@<commit-sha>"
    action_path = Path(substituted(ours["uses"], *origin).rpartition("@")[0])
    upload = next(s for s in steps if s["uses"].startswith("github/codeql-action/upload-sarif"))
    workspace = write_files(tmp_path / "ws", {"requests/support.json": BAD, "ok.json": GOOD})
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    run = run_action(action_path, workspace, temp, machine, ours["with"])
    assert run.failed == "check" and run.last.returncode == 1, run.last.stderr
    annotations = [parse_command(line) for line in run.last.stdout.splitlines()]
    assert any(c == "error" and "CL103" in p["title"] for c, p, _ in annotations)
    assert run.outputs["sarif-file"] == upload["with"]["sarif_file"]
    sarif = (workspace / upload["with"]["sarif_file"]).read_text(encoding="utf-8")
    assert reported("sarif", sarif)


def test_gitlab_job(ci_image, origin, tmp_path):
    (recipe,) = blocks(section("GitLab CI"), "yaml")
    job = yaml.safe_load(substituted(recipe, *origin))["cachelint"]
    workspace = write_files(tmp_path / "ws", {"requests/support.json": BAD})
    # GitLab runs the script lines in one shell that stops at the first failing one
    proc = shell("\n".join(job["script"]), workspace, ci_image, "-e")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the job fails on findings
    for fmt, name in (("gitlab", "codequality"), ("junit", "junit")):
        report = job["artifacts"]["reports"][name]
        assert reported(fmt, (workspace / report).read_text(encoding="utf-8")), report


@pytest.mark.parametrize(("payload", "code", "said"), [(BAD, 1, "found problems"), (GOOD, 0, "")])
def test_plain_shell(ci_image, origin, tmp_path, payload, code, said):
    (recipe,) = [b for b in blocks(section("CI and editors"), "sh") if "case $?" in b]
    workspace = write_files(tmp_path / "ws", {"requests/support.json": payload})
    proc = shell(substituted(recipe, *origin), workspace, ci_image)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == (f"cachelint {said}" if said else "cache-safe")
    # installed from a git URL, `cachelint init` prints the pre-commit block filled in
    init = shell("cachelint init --cachelint-toml", workspace, ci_image)
    repo, sha = origin
    assert f"  - repo: {repo.as_uri()}\n    rev: {sha}\n" in init.stdout, init.stderr


def test_init_prints_the_readme_pre_commit_block():
    (block,) = blocks(section("pre-commit"), "yaml")
    from cachelint.project_setup import pre_commit_config

    assert pre_commit_config() == block  # this environment's cachelint is no git install
