"""Replay: an unchanged re-run prints the recorded output without importing the linter, and any
change to what the output depended on runs the linter again.

The CLI runs as a subprocess, as the console script; `-X importtime` tells whether the linter was
imported (a replay never imports click)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cachelint import replay
from tests.payloads import APP_USING_HELPER, PROMPTS_HELPER

ROOT = Path(__file__).resolve().parent.parent
SETTLE = 0.25  # longer than the racy margin of the stat index (0.1 s for sub-second timestamps)

# The stable version of the helper: the same blocks without the time.
STABLE = PROMPTS_HELPER.replace('f"Now: {datetime.now()}"', '"Be brief."')
TIMESTAMP_PAYLOAD = (
    '{"model": "claude-sonnet-4-5", "max_tokens": 10, "system": [{"type": "text", '
    '"text": "Current time: 2025-01-01T10:00:00Z", "cache_control": {"type": "ephemeral"}}], '
    '"messages": [{"role": "user", "content": "hi"}]}'
)


def run(cwd: Path, *args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, bool]:
    """(the completed run, whether it was replayed)."""
    full_env = {k: v for k, v in os.environ.items() if k != "CACHELINT_CACHE_DIR"}
    full_env.update({"NO_COLOR": "1", **(env or {})})
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cachelint", *args],
        cwd=cwd,
        capture_output=True,
        env=full_env,
        timeout=120,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.decode().splitlines()}
    return r, "click" not in imported


def settle() -> None:
    time.sleep(SETTLE)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    (proj / "app").mkdir(parents=True)
    (proj / "pyproject.toml").write_text('[project]\nname = "p"\n[tool.cachelint]\n')
    (proj / "app" / "prompts.py").write_text(PROMPTS_HELPER)
    (proj / "app" / "client.py").write_text(APP_USING_HELPER)
    (proj / "app" / "plain.py").write_text("def f(x):\n    return x + 1\n")
    (proj / "payloads").mkdir()
    (proj / "payloads" / "req.json").write_text(TIMESTAMP_PAYLOAD)
    settle()
    return proj


def warm(proj: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run until a record holds, and return the first (cold, not replayed) run. The cold run
    records itself, but when it creates the cache folder inside the tree it changes a walked
    folder: the run after it records again."""
    first, replayed = run(proj, "check", *args, env=env)
    assert not replayed
    settle()
    second, _ = run(proj, "check", *args, env=env)
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)
    return first


def out(r: subprocess.CompletedProcess) -> str:
    return r.stdout.decode()


def test_an_unchanged_rerun_is_replayed_with_the_same_output_and_exit_code(project):
    first = warm(project)
    assert first.returncode == 1 and "CL" in out(first)
    again, replayed = run(project, "check")
    assert replayed
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout)
    uncached, replayed = run(project, "check", "--no-cache")
    assert not replayed and uncached.stdout == first.stdout


@pytest.mark.parametrize(
    "change",
    ["edit_helper", "edit_payload", "add_file", "add_folder", "delete_file", "add_config"],
)
def test_any_change_runs_the_linter_again(project, change):
    before = warm(project)
    app = project / "app"
    if change == "edit_helper":  # a helper module the findings depend on: the finding goes
        (app / "prompts.py").write_text(STABLE)
    elif change == "edit_payload":
        (project / "payloads" / "req.json").write_text(TIMESTAMP_PAYLOAD.replace("Current", "No"))
    elif change == "add_file":
        (app / "more.json").write_text(TIMESTAMP_PAYLOAD)
    elif change == "add_folder":
        (app / "sub").mkdir()
        (app / "sub" / "more.json").write_text(TIMESTAMP_PAYLOAD)
    elif change == "delete_file":
        (project / "payloads" / "req.json").unlink()
    elif change == "add_config":  # found before pyproject.toml; selects none of the findings
        (project / "cachelint.toml").write_text('select = ["CL9"]\n')
    after, replayed = run(project, "check")
    assert not replayed
    assert after.stdout != before.stdout
    expected, _ = run(project, "check", "--no-cache")
    assert after.stdout == expected.stdout


def test_a_changed_config_upward_is_seen(project):
    before = warm(project)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "p"\n[tool.cachelint]\nignore = ["CL1", "CL2", "CL3", "CL4", "CL5"]\n'
    )
    after, replayed = run(project, "check")
    assert not replayed and after.stdout != before.stdout


def test_the_command_line_and_environment_are_part_of_the_key(project):
    warm(project)
    for args, env in (
        (("check", "--select", "CL1"), None),
        (("check", "--format", "json"), None),
        (("check",), {"CI_PROJECT_DIR": str(project)}),
    ):
        _, replayed = run(project, *args, env=env)
        assert not replayed, (args, env)
    _, replayed = run(project, "check")
    assert replayed


def test_clean_removes_the_records(project):
    warm(project)
    subprocess.run(
        [sys.executable, "-m", "cachelint", "clean"], cwd=project, check=True, capture_output=True
    )
    _, replayed = run(project, "check")
    assert not replayed


def test_a_run_that_writes_a_report_file_is_not_replayed(project, tmp_path):
    report = tmp_path / "report.json"
    warm(project, "--output", f"json:{report}")
    report.unlink()
    _, replayed = run(project, "check", "--output", f"json:{report}")
    assert not replayed and report.is_file()


def test_no_cache_writes_no_record(project):
    run(project, "check", "--no-cache")
    settle()
    run(project, "check", "--no-cache")
    assert not (project / ".cachelint_cache").exists()


def test_a_corrupt_record_is_a_miss(project):
    first = warm(project)
    records = list((project / ".cachelint_cache").rglob(f"{replay.RUNS}/*"))
    assert len(records) == 1
    records[0].write_bytes(b"\x00garbage")
    r, replayed = run(project, "check")
    assert not replayed and r.stdout == first.stdout


def test_a_custom_cache_dir_is_replayed_from_there(project, tmp_path):
    cache = tmp_path / "elsewhere"
    first = warm(project, "--cache-dir", str(cache))
    r, replayed = run(project, "check", "--cache-dir", str(cache))
    assert replayed and r.stdout == first.stdout
    assert list(cache.rglob(f"{replay.RUNS}/*"))
    assert not (project / ".cachelint_cache").exists()


def test_named_files_as_pre_commit_passes_them(project):
    args = ("app/client.py", "payloads/req.json")
    first = warm(project, *args)
    r, replayed = run(project, "check", *args)
    assert replayed and r.stdout == first.stdout
    (project / "app" / "prompts.py").write_text(STABLE)  # a helper of a named file
    r, replayed = run(project, "check", *args)
    assert not replayed and r.stdout != first.stdout


def test_a_change_too_recent_to_trust_is_not_recorded(project):
    warm(project)
    plain = project / "app" / "plain.py"
    plain.write_text("def f(x):\n    return x + 2\n")
    future = time.time_ns() + 30_000_000_000  # "changed just now" for the next 30 s
    os.utime(plain, ns=(future, future))
    for _ in range(2):  # a later edit within the same tick could keep this signature
        _, replayed = run(project, "check")
        assert not replayed


def test_every_environment_variable_cachelint_reads_is_in_the_key():
    source = "\n".join(p.read_text() for p in (ROOT / "cachelint").rglob("*.py"))
    names = set(re.findall(r"environ(?:\.get)?\(\s*\"([A-Z_]+)\"", source))
    names |= set(re.findall(r"\"([A-Z_]+)\" (?:not )?in os\.environ", source))
    names |= set(re.findall(r"getenv\(\s*\"([A-Z_]+)\"", source))
    names |= set(re.findall(r"envvar=\"([A-Z_]+)\"", source))
    assert {"NO_COLOR", "CACHELINT_CACHE_DIR", "CI_PROJECT_DIR"} <= names  # the scan works
    keyed = {n for n in names if n.startswith(replay.ENV_PREFIXES) or n in replay.ENV_NAMES}
    assert names - keyed == replay.COUNT_TOKENS_ENV  # read only by runs never recorded


def test_a_cold_run_in_workers_records_the_helpers_its_files_used(project, tmp_path):
    """Files linted in worker processes: the helper modules they read (here outside the paths
    checked) are part of the record, so editing one runs the linter again."""
    many = project / "many"
    many.mkdir()
    for i in range(70):  # enough files for worker processes
        (many / f"m{i:02}.py").write_text(f"def f{i}(x):\n    return x + {i}\n")
    settle()
    args = ("app/client.py", "many", "-j", "2", "--cache-dir", str(tmp_path / "cache"))
    first, replayed = run(project, "check", *args)
    assert not replayed and "CL301" in out(first)
    settle()
    again, replayed = run(project, "check", *args)
    assert replayed and again.stdout == first.stdout
    (project / "app" / "prompts.py").write_text(STABLE)
    after, replayed = run(project, "check", *args)
    assert not replayed and "CL301" not in out(after)


def config_only(tmp_path: Path, table: str = "") -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text(f'[project]\nname = "p"\n[tool.cachelint]\n{table}')
    return proj


def test_force_excluded_named_symlink_that_now_points_inside_is_checked(tmp_path):
    """pre-commit style `--force-exclude FILE`: the named file was excluded because its link
    led into build/ (a default exclude); once the link leads elsewhere it must be checked. The
    excluded path had no signature in the record, so the old, empty report is replayed."""
    proj = config_only(tmp_path)
    (proj / "build").mkdir()
    (proj / "src").mkdir()
    (proj / "build" / "gen.json").write_text(TIMESTAMP_PAYLOAD)
    (proj / "src" / "real.json").write_text(TIMESTAMP_PAYLOAD)
    (proj / "link.json").symlink_to("build/gen.json")
    settle()
    args = ("--force-exclude", "link.json", "--format", "concise")
    first = warm(proj, *args)
    assert first.returncode == 0 and out(first) == ""
    (proj / "link.json").unlink()
    (proj / "link.json").symlink_to("src/real.json")
    settle()
    expected, _ = run(proj, "check", *args, "--no-cache")
    assert expected.returncode == 1 and "src/real.json" in out(expected)
    r, replayed = run(proj, "check", *args)
    assert (r.returncode, r.stdout) == (expected.returncode, expected.stdout), replayed


def test_named_file_reached_through_a_retargeted_symlinked_folder(tmp_path):
    """`current -> releases/v1`, then v1 renamed to v2 and `current` pointed at it: the file
    `current/req.json` is the same inode with the same stat, but it is reported under its
    resolved path, which changed."""
    proj = config_only(tmp_path)
    (proj / "releases" / "v1").mkdir(parents=True)
    (proj / "releases" / "v1" / "req.json").write_text(TIMESTAMP_PAYLOAD)
    (proj / "current").symlink_to("releases/v1")
    settle()
    args = ("current/req.json", "--format", "concise")
    first = warm(proj, *args)
    assert "releases/v1/req.json" in out(first)
    (proj / "releases" / "v1").rename(proj / "releases" / "v2")
    (proj / "current").unlink()
    (proj / "current").symlink_to("releases/v2")
    settle()
    expected, _ = run(proj, "check", *args, "--no-cache")
    assert "releases/v2/req.json" in out(expected)
    r, replayed = run(proj, "check", *args)
    assert r.stdout == expected.stdout, replayed


def test_a_record_does_not_store_secret_environment_values(project):
    """The cache folder is often uploaded as a CI cache: a record keeps its key as a digest,
    and environment variables no report depends on are not part of it."""
    env = {"ANTHROPIC_API_KEY": "sk-ant-review-fake-key", "CI_JOB_TOKEN": "review-fake-token"}
    warm(project, env=env)
    records = list((project / ".cachelint_cache").rglob("runs/*"))
    assert records
    for record in records:
        data = record.read_bytes()
        assert b"review-fake" not in data


def test_a_cache_folder_inside_the_walk_does_not_prevent_replay(tmp_path):
    """`exclude = [...]` replaces the default excludes: the cache folder, which each run
    writes to, is still left out of the walk."""
    proj = config_only(tmp_path, 'exclude = ["build"]\n')
    (proj / "payloads").mkdir()
    (proj / "payloads" / "req.json").write_text(TIMESTAMP_PAYLOAD)
    settle()
    warm(proj)
    settle()
    _, replayed = run(proj, "check")
    assert replayed


def test_a_closed_stdout_gives_no_traceback(project):
    """`cachelint check >&-`: the outcome is the exit code alone, replayed or not."""
    warm(project)
    r = subprocess.run(
        [sys.executable, "-m", "cachelint", "check"],
        cwd=project,
        capture_output=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"},
        preexec_fn=lambda: os.close(1),
        timeout=120,
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr.decode(), r.stderr.decode()


def test_a_helper_module_created_after_the_run_is_followed(tmp_path):
    """An import that found nothing depends on its candidates staying absent: in the result
    cache (the first run after the change) and in the record (the run after it)."""
    proj = config_only(tmp_path)
    (proj / "app").mkdir()
    (proj / "app" / "client.py").write_text(APP_USING_HELPER)  # `from prompts import ...`
    settle()
    first = warm(proj, "--format", "concise")
    assert first.returncode == 0
    (proj / "app" / "prompts.py").write_text(PROMPTS_HELPER)  # the import now resolves
    settle()
    expected, _ = run(proj, "check", "--format", "concise", "--no-cache")
    assert "CL301" in out(expected)
    for _ in range(2):  # the first run records, the second replays
        r, replayed = run(proj, "check", "--format", "concise")
        assert r.stdout == expected.stdout, replayed
        settle()


def test_a_symlinked_helper_module_retargeted(tmp_path):
    """A helper is a dependency by the path the import tried, so a link led elsewhere shows."""
    proj = config_only(tmp_path)
    (proj / "app").mkdir()
    (proj / "shared").mkdir()
    (proj / "app" / "client.py").write_text(APP_USING_HELPER)
    (proj / "shared" / "volatile.py").write_text(PROMPTS_HELPER)
    (proj / "shared" / "stable.py").write_text(STABLE)
    (proj / "app" / "prompts.py").symlink_to("../shared/volatile.py")
    settle()
    args = ("app/client.py", "--format", "concise")
    first = warm(proj, *args)
    assert "CL301" in out(first)
    (proj / "app" / "prompts.py").unlink()
    (proj / "app" / "prompts.py").symlink_to("../shared/stable.py")
    settle()
    expected, _ = run(proj, "check", *args, "--no-cache")
    assert "CL301" not in out(expected)
    r, replayed = run(proj, "check", *args)
    assert r.stdout == expected.stdout, replayed
