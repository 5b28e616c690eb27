"""What a CI gate must be able to rely on: cachelint never imports or runs the code it checks,
never follows a symlink out of the tree, never writes into checked files, and never touches the
network unless asked to (--count-tokens)."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from cachelint.formatters import available

from conftest import ROOT, run_cli
from payloads import APP_USING_HELPER as APP
from payloads import POLICY, anthropic_request
from payloads import PROMPTS_HELPER as HELPER


def _side_effects(marker: Path) -> str:
    """Module-level code that would leave traces if it ever ran."""
    return textwrap.dedent(
        f"""
        import os, sys
        open({str(marker)!r}, "w").write("imported")
        print("EXECUTED-AT-IMPORT")
        sys.stderr.write("EXECUTED-AT-IMPORT\\n")
        os.system("touch {marker}.sh")
        raise SystemExit(3)
        """
    )


def _project(root: Path, helper: str = HELPER) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.cachelint]\n")
    (root / "prompts.py").write_text(helper)
    (root / "app.py").write_text(APP)


def test_checked_code_is_never_imported_or_run(tmp_path):
    marker = tmp_path / "marker"
    proj = tmp_path / "proj"
    _project(proj, _side_effects(marker) + HELPER)
    (proj / "app.py").write_text(_side_effects(marker) + APP)
    (proj / "conftest.py").write_text(_side_effects(marker) + "# cache_control\n")
    (proj / "sitecustomize.py").write_text(_side_effects(marker) + "# cache_control\n")
    (proj / "__main__.py").write_text(_side_effects(marker) + "# cache_control\n")
    r = run_cli("check", ".", "--format", "concise", "--no-cache", cwd=proj)
    assert r.returncode == 1, r.stderr
    assert not list(tmp_path.glob("marker*"))
    assert b"EXECUTED" not in r.stdout + r.stderr
    # the analysis itself still happened, through the helper module
    assert "app.py:16:" in r.stdout.decode() and "(built in prompts.py:" in r.stdout.decode()


def test_imports_never_follow_a_symlink_out_of_the_tree(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "prompts.py").write_text(HELPER)
    inside = tmp_path / "inside"
    _project(inside)
    r = run_cli("check", "app.py", "--format", "concise", "--no-cache", cwd=inside)
    assert "(built in prompts.py:" in r.stdout.decode()  # control: a real file is followed
    (inside / "prompts.py").unlink()
    os.symlink(outside / "prompts.py", inside / "prompts.py")
    r = run_cli("check", "app.py", "--format", "concise", "--no-cache", cwd=inside)
    assert r.returncode == 0, r.stdout  # the helper's value stays unknown: nothing reported
    assert b"outside" not in r.stdout


def test_a_walk_never_follows_a_symlinked_folder_or_module(tmp_path):
    outside = tmp_path / "outside"
    _project(outside)
    inside = tmp_path / "inside"
    inside.mkdir()
    (inside / "pyproject.toml").write_text("[tool.cachelint]\n")
    os.symlink(outside, inside / "linked")
    os.symlink(outside / "app.py", inside / "app.py")
    r = run_cli("check", ".", "--no-cache", cwd=inside)
    assert r.returncode == 0 and b"0 files checked" in r.stdout
    assert run_cli("check", ".", "--no-cache", cwd=outside).returncode == 1  # control


def _tree(root: Path, n_python: int = 70) -> None:
    """A tree with every kind of checked file, enough of them for worker processes."""
    _project(root)
    for i in range(n_python):
        (root / "pkg").mkdir(exist_ok=True)
        (root / "pkg" / f"m{i:03}.py").write_text(APP.replace("q):", f"q, n={i}):"))
    for example in sorted((ROOT / "examples").iterdir()):
        (root / "payloads").mkdir(exist_ok=True)
        (root / "payloads" / example.name).write_bytes(example.read_bytes())


def _snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[p.relative_to(root).as_posix()] = (p.read_bytes(), st.st_mtime_ns, st.st_mode)
    return out


@pytest.mark.project_cache
def test_checked_files_are_never_written(tmp_path):
    root = tmp_path / "tree"
    _tree(root)
    before = _snapshot(root)
    (root / "reports").mkdir()
    outputs = {f"reports/{fmt}.out" for fmt in available()}
    extra = [a for name in sorted(outputs) for a in ("--output", f"{Path(name).stem}:{name}")]
    # a fresh run in worker processes fills the result cache; the second one reads it
    for fmt, jobs in (("text", "2"), ("json", "1")):
        r = run_cli("check", ".", "--format", fmt, "-j", jobs, *extra, cwd=root)
        assert r.returncode == 1, (fmt, r.stderr)
    after = _snapshot(root)
    assert {k: v for k, v in after.items() if k in before} == before
    new = set(after) - set(before)
    assert outputs <= new
    assert all(n in outputs or n.startswith(".cachelint_cache/") for n in new), new
    assert any(n.startswith(".cachelint_cache/") for n in new)  # the cache was really on


_GUARD = """
import os, socket

LOG = os.environ["NETWORK_GUARD_LOG"]


def _blocked(*args, **kwargs):
    with open(LOG, "a") as f:
        f.write(repr(args[:2]) + "\\n")
    raise OSError("network blocked by the test guard")


socket.socket.connect = _blocked
socket.socket.connect_ex = _blocked
socket.create_connection = _blocked
socket.getaddrinfo = _blocked
"""


@pytest.fixture
def network_guard(tmp_path):
    """Environment for a subprocess in which every socket connection and lookup fails, and is
    logged to a file."""
    site = tmp_path / "guard"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_GUARD)
    log = tmp_path / "network.log"
    env = {
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "NETWORK_GUARD_LOG": str(log),
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": "https://api.anthropic.com",
    }
    return env, log


def test_no_network_by_default(tmp_path, network_guard):
    env, log = network_guard
    root = tmp_path / "tree"
    _tree(root, n_python=3)
    req = anthropic_request()
    req["system"][0]["text"] = POLICY[:3000]  # an estimate that --count-tokens would settle
    (root / "payloads" / "borderline.json").write_text(json.dumps(req, indent=1))
    r = run_cli("check", ".", "--format", "json", "--no-cache", cwd=root, env=env)
    assert r.returncode == 1, r.stderr
    assert r.stderr == b""
    codes = {f["code"] for f in json.loads(r.stdout)["findings"]}
    assert {"CL301", "CL201"} <= codes
    assert not log.exists()
    # the guard is live: asked to count tokens, cachelint tries the network and is stopped
    r = run_cli("check", "payloads/borderline.json", "--count-tokens", cwd=root, env=env)
    assert log.exists() and log.read_text()
    assert b"network blocked by the test guard" in r.stderr
    assert b"estimates used instead" in r.stderr
