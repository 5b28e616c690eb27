"""Result cache and worker processes change speed, never findings."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, run_cli

BAD = (ROOT / "examples" / "support_bot_request.json").read_bytes()
CLEAN = (ROOT / "examples" / "clean_request.json").read_bytes()


@pytest.fixture
def tree(tmp_path):
    """80 payload files (enough for worker processes), half with defects, in nested folders."""
    root = tmp_path / "tree"
    for i in range(80):
        d = root / f"pkg{i % 7}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"req{i:03}.json").write_bytes(BAD if i % 2 else CLEAN)
    return root


def _json(*args, cwd):
    r = run_cli("check", *args, "--format", "json", cwd=cwd)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)["findings"]


def test_same_findings_with_and_without_cache_and_workers(tree, tmp_path):
    cache = tmp_path / "cache"
    base = _json(".", "--no-cache", "-j", "1", cwd=tree)
    assert len(base) > 40
    assert _json(".", "--no-cache", "-j", "2", cwd=tree) == base
    assert _json(".", "--cache-dir", str(cache), "-j", "2", cwd=tree) == base  # cold
    assert _json(".", "--cache-dir", str(cache), "-j", "1", cwd=tree) == base  # warm
    assert _json(".", "--cache-dir", str(cache), "-j", "2", cwd=tree) == base  # warm, workers
    assert not (tree / ".cachelint_cache").exists()


def _entries(cache):
    return [p for p in cache.rglob("*") if p.is_file() and len(p.name) == 40]


def test_warm_run_reads_the_cache_and_content_changes_invalidate(tree, tmp_path):
    cache = tmp_path / "cache"
    target = tree / "pkg1" / "req001.json"
    _json(str(target), "--cache-dir", str(cache), cwd=tree)
    (entry,) = _entries(cache)
    record = json.loads(entry.read_bytes())
    record["findings"][0][5] = "served from the cache"
    entry.write_text(json.dumps(record))
    got = _json(str(target), "--cache-dir", str(cache), cwd=tree)
    assert got[0]["message"] == "served from the cache"
    # a changed file is a different key: checked again, never the stale result
    target.write_bytes(BAD.replace(b"10:42:07", b"10:42:08"))
    got = _json(str(target), "--cache-dir", str(cache), cwd=tree)
    assert all(f["message"] != "served from the cache" for f in got)
    # other settings use another part of the cache
    got = _json(str(target), "--cache-dir", str(cache), "--select", "CL3", cwd=tree)
    assert {f["code"] for f in got} == {"CL301"}


def test_corrupt_or_unwritable_cache_is_ignored(tree, tmp_path):
    cache = tmp_path / "cache"
    base = _json(".", "--cache-dir", str(cache), cwd=tree)
    for entry in _entries(cache)[:10]:
        entry.write_bytes(b"\x00not json")
    for entry in _entries(cache)[10:20]:
        entry.write_text('{"deps": [], "findings": [["CL101"]]}')
    assert _json(".", "--cache-dir", str(cache), cwd=tree) == base
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    r = run_cli("check", ".", "--cache-dir", str(blocker / "sub"), "--format", "json", cwd=tree)
    assert r.returncode == 1 and json.loads(r.stdout)["findings"] == base


def test_no_cache_writes_nothing_and_clean_removes_the_cache(tree):
    _json(".", "--no-cache", cwd=tree)
    assert not (tree / ".cachelint_cache").exists()
    _json(".", cwd=tree)
    cache = tree / ".cachelint_cache"
    assert (cache / "CACHEDIR.TAG").exists() and (cache / ".gitignore").read_text().endswith("*\n")
    r = run_cli("clean", cwd=tree)
    assert r.returncode == 0 and not cache.exists()
    r = run_cli("clean", cwd=tree)
    assert b"No cachelint cache" in r.stdout
    (tree / "mine").mkdir()
    r = run_cli("clean", "--cache-dir", "mine", cwd=tree)
    assert (tree / "mine").exists(), "clean must not delete a folder cachelint did not create"


def test_concurrent_runs_share_one_cache(tree, tmp_path):
    cache = tmp_path / "cache"
    cmd = [
        sys.executable,
        "-m",
        "cachelint",
        "check",
        ".",
        "--format",
        "json",
        "-j",
        "1",
        "--cache-dir",
        str(cache),
    ]
    procs = [
        subprocess.Popen(cmd, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 1 for p in procs), [e for _, e in outs]
    assert len({o for o, _ in outs}) == 1
    assert not [p for p in cache.rglob(".tmp-*")], "temporary files left behind"


def test_a_changed_helper_module_invalidates_the_cached_result(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "prompts.py").write_text('def system():\n    return "You are a support agent."\n')
    (proj / "app.py").write_text(
        "import anthropic\nfrom prompts import system\n\nclient = anthropic.Anthropic()\n\n"
        "def ask(q):\n    return client.messages.create(\n"
        '        model="claude-sonnet-4-5", max_tokens=100,\n'
        '        system=[{"type": "text", "text": system(),\n'
        '                 "cache_control": {"type": "ephemeral"}}],\n'
        '        messages=[{"role": "user", "content": q}])\n'
    )
    cache = tmp_path / "cache"
    first = _json("app.py", "--cache-dir", str(cache), "--select", "CL3", cwd=proj)
    assert first == []
    (proj / "prompts.py").write_text(
        "import datetime\n\ndef system():\n    return f'Now: {datetime.datetime.now()}'\n"
    )
    second = _json("app.py", "--cache-dir", str(cache), "--select", "CL3", cwd=proj)
    assert [f["code"] for f in second] == ["CL304"]
