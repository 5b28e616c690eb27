"""A hostile repository, end to end: a committed cache folder of forged entries and links, a
malicious config, FIFOs, a link to /dev/zero and names made to inject report lines. Through
`check` in every format and `clean`, its findings are those of a `--no-cache` run on a clean copy,
and nothing outside it changes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

FORMATS = ["text", "concise", "json", "sarif", "github", "gitlab", "junit"]
TTL_ORDER = (
    b'{"model": "claude-sonnet-4-5", "max_tokens": 10, "system": [{"type": "text", "text": "hi",'
    b' "cache_control": {"type": "ephemeral", "ttl": "5m"}}], "messages": [{"role": "user",'
    b' "content": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral",'
    b' "ttl": "1h"}}]}]}\n'
)
INJECTING_NAME = "a\n::error file=app.py,line=1::forged\x1b[2K.json"
MAIN_PY = (
    "import anthropic, datetime\nc = anthropic.Anthropic()\ndef f(q):\n"
    '    return c.messages.create(model="claude-sonnet-4-5", max_tokens=1, system=[{"type": '
    '"text", "text": f"Now: {datetime.datetime.now()}", "cache_control": {"type": '
    '"ephemeral"}}], messages=[{"role": "user", "content": q}])\n'
)

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="FIFOs and /dev/zero"),
    pytest.mark.project_cache,  # the hostile repository's own cache folder and config
    pytest.mark.slow,  # every format over many hostile files
]


def _tree(root: Path) -> None:
    """The repository's own content: what a clean copy holds too."""
    (root / "payloads").mkdir(parents=True)
    (root / "payloads" / "bad.json").write_bytes(TTL_ORDER)
    (root / "payloads" / "support.json").write_bytes(
        (ROOT / "examples" / "support_bot_request.json").read_bytes()
    )
    (root / "app").mkdir()
    (root / "app" / "main.py").write_text(MAIN_PY)
    (root / INJECTING_NAME).write_bytes(TTL_ORDER)
    (root / "b.json").write_bytes(b'{"cache_control": 1}\r::warning file=x.py::forged\x1b[8m\n')
    os.mkfifo(root / "pipe.json")
    os.symlink("/dev/zero", root / "zero.json")


def _hostile(root: Path, outside: Path, other_home: Path, config: str) -> None:
    _tree(root)
    # a cache folder made by another user's run, every entry then forged as clean
    r = run_cli("check", ".", cwd=root, env={"XDG_CACHE_HOME": str(other_home)})
    assert r.returncode == 1, r.stderr
    cache = root / ".cachelint_cache"
    for p in list(cache.rglob("*")):
        if p.is_file() and p.name != "CACHEDIR.TAG":
            p.write_text('{"format": 1, "deps": [], "findings": [], "entries": {}, "folders": {}}')
    (cache / ".gitignore").unlink()
    os.symlink(outside / "dotfile", cache / ".gitignore")
    version = next(p for p in cache.iterdir() if p.is_dir())
    os.symlink("/dev/zero", version / "zero")
    os.mkfifo(version / "fifo")
    (root / "cachelint.toml").write_text(config)


def _digest(root: Path) -> dict[str, str]:
    """Every entry of a tree but the cache folder: content of regular files, target of links."""
    out = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".cachelint_cache"]
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            p = os.path.join(folder, name)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = "-> " + os.readlink(p)
            elif os.path.isfile(p):
                out[rel] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
            else:
                out[rel] = "special"
    return out


@pytest.mark.parametrize(
    "config",
    [
        "count-tokens = true\n",
        'cache-dir = "payloads"\ncount-tokens = true\n',
    ],
    ids=["network", "cache-dir-hides-payloads"],
)
def test_a_hostile_repository_changes_no_verdict(tmp_path, config):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "dotfile").write_text("export IMPORTANT=1\n")
    hostile, clean_copy = tmp_path / "hostile", tmp_path / "clean"
    _hostile(hostile, outside, tmp_path / "other-home", config)
    _tree(clean_copy)
    (clean_copy / "cachelint.toml").write_text(config)
    before = _digest(hostile)
    env = {"ANTHROPIC_API_KEY": "", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}

    def report(root: Path, fmt: str, *args: str) -> tuple[int, str]:
        r = run_cli("check", ".", "--format", fmt, *args, cwd=root, env=env)
        assert b"Traceback" not in r.stderr, r.stderr
        return r.returncode, r.stdout.decode("utf-8").replace(str(root), "<root>")

    for fmt in FORMATS:
        expected = report(clean_copy, fmt, "--no-cache")
        assert expected[0] == 1
        for _ in range(2):  # the first run, then one with whatever cache that left
            assert report(hostile, fmt) == expected, fmt
    findings = json.loads(report(hostile, "json")[1])["findings"]
    codes = {(f["path"], f["code"]) for f in findings}
    assert {("payloads/bad.json", "CL102"), ("pipe.json", "CL000")} <= codes
    assert ("app/main.py", "CL304") in codes
    # a walk follows no symlink; named, the link to /dev/zero is a CL000, read no further
    r = run_cli("check", "zero.json", "pipe.json", "--format", "concise", cwd=hostile, env=env)
    assert r.returncode == 1 and r.stdout.count(b"[CL000]") == 2
    for fmt in ("text", "concise"):
        out = report(hostile, fmt)[1]
        lines = out.replace("\r", "\n").split("\n")
        assert not [ln for ln in lines if ln.lstrip().startswith("::")], fmt
        assert "\x1b" not in out
    r = run_cli("clean", cwd=hostile)
    assert r.returncode in (0, 2) and b"Traceback" not in r.stderr
    assert (hostile / "payloads" / "bad.json").exists()
    assert _digest(hostile) == before, "check and clean never write to the checked tree"
    assert (outside / "dotfile").read_text() == "export IMPORTANT=1\n"
    assert sorted(p.name for p in outside.iterdir()) == ["dotfile"]
    shutil.rmtree(tmp_path / "other-home")
