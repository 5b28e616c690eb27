"""The checked tree is untrusted input: only regular files are read, never more than the size
limit; a folder that cannot be listed is reported; a file reached by several paths is checked
once; and a walk finds what naming the file finds."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cachelint.discovery import find
from cachelint.reading import NotRegular, TooLarge, read_regular

from conftest import run_cli

# Two findings when checked: CL201 (prefix under the minimum) and CL102 (1h after 5m).
BAD = (
    '{"model":"claude-sonnet-4-5","max_tokens":10,"system":[{"type":"text","text":"hi",'
    '"cache_control":{"type":"ephemeral","ttl":"5m"}}],"messages":[{"role":"user","content":'
    '[{"type":"text","text":"x","cache_control":{"type":"ephemeral","ttl":"1h"}}]}]}'
)


def _check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    r = run_cli("check", "--no-cache", "--format", "concise", *args, cwd=cwd)
    assert b"Traceback" not in r.stderr, r.stderr
    return r


def _lines(r: subprocess.CompletedProcess) -> list[str]:
    return [ln for ln in r.stdout.decode().splitlines() if "[CL" in ln]


# --- only regular files are read ---


def test_a_fifo_in_a_walk_is_reported_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    os.mkfifo(tmp_path / "pipe.py")
    os.mkfifo(tmp_path / "pipe.jsonl")
    (tmp_path / "bad.json").write_text(BAD)
    r = _check(tmp_path, ".")  # a read would block: run_cli's timeout fails the test
    assert r.returncode == 1
    for name in ("pipe.json", "pipe.py", "pipe.jsonl"):
        assert f"{name}:1:1: error: not a regular file (a FIFO); not read [CL000]" in _lines(r)
    assert sum("bad.json" in ln for ln in _lines(r)) == 2  # the walk went on


def test_a_fifo_in_a_walk_is_reported_on_every_run_with_the_cache(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    for _ in range(2):  # nothing about it is cached or replayed
        r = run_cli("check", "--cache-dir", str(tmp_path / "cache"), ".", cwd=tmp_path)
        assert r.returncode == 1 and b"not a regular file (a FIFO)" in r.stdout


def test_a_fifo_named_on_the_command_line_is_reported(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    r = _check(tmp_path, "pipe.json")
    assert r.returncode == 1
    assert _lines(r) == ["pipe.json:1:1: error: not a regular file (a FIFO); not read [CL000]"]


@pytest.mark.parametrize("name", ["zero.json", "zero.jsonl", "zero.py"])
def test_a_symlink_to_a_device_named_on_the_command_line_is_not_read(tmp_path, name):
    os.symlink("/dev/zero", tmp_path / name)
    r = _check(tmp_path, name)
    assert r.returncode == 1
    assert _lines(r) == [
        f"{name}:1:1: error: not a regular file (a character device); not read [CL000]"
    ]


def test_a_socket_is_reported(tmp_path):
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "s.json"))
    except OSError as e:  # a path too long for AF_UNIX
        pytest.skip(f"cannot bind a socket here: {e}")
    try:
        r = _check(tmp_path, ".")
    finally:
        sock.close()
    assert _lines(r) == ["s.json:1:1: error: not a regular file (a socket); not read [CL000]"]


def test_a_log_folder_with_a_fifo_is_reported(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "1.json").write_text(BAD)
    os.mkfifo(logs / "2.json")
    r = run_cli("check", "--no-cache", "--format", "concise", "--log-dir", "logs", cwd=tmp_path)
    assert "logs/2.json:1:1: error: not a regular file (a FIFO); not read [CL000]" in _lines(r)
    assert sum("logs/1.json" in ln for ln in _lines(r)) == 2


def test_diff_of_a_fifo_is_a_cl000_error(tmp_path):
    os.mkfifo(tmp_path / "old.json")
    (tmp_path / "new.json").write_text(BAD)
    r = run_cli("diff", "old.json", "new.json", cwd=tmp_path)
    assert r.returncode == 2
    assert b"old.json: not a regular file (a FIFO); not read [CL000]" in r.stderr


def test_a_helper_module_that_is_a_fifo_or_a_device_stays_unknown(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.cachelint]\n")
    (tmp_path / "app.py").write_text(
        "import anthropic\nfrom prompts import SYSTEM\nfrom other import RULES\n"
        "c = anthropic.Anthropic()\n"
        "def ask(q):\n"
        "    return c.messages.create(model='claude-sonnet-4-5', max_tokens=10,\n"
        "        system=[{'type': 'text', 'text': SYSTEM + RULES,\n"
        "                 'cache_control': {'type': 'ephemeral'}}],\n"
        "        messages=[{'role': 'user', 'content': q}])\n"
    )
    os.mkfifo(tmp_path / "prompts.py")
    os.symlink("/dev/zero", tmp_path / "other.py")
    r = _check(tmp_path, "app.py")
    assert r.returncode in (0, 1)  # finished: neither helper was opened for reading


def test_stdin_over_the_size_limit_is_a_cl000(tmp_path):
    (tmp_path / "cachelint.toml").write_text("max-file-size = 1000\n")
    r = run_cli("check", "--no-cache", "--format", "concise", "-", cwd=tmp_path, stdin=b" " * 5000)
    assert r.returncode == 1
    assert b"input is over the max-file-size limit of 1,000 [CL000]" in r.stdout


def test_reads_stop_at_the_limit(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as f:  # sparse: reading it whole would take minutes and gigabytes
        f.truncate(1 << 36)
    with pytest.raises(TooLarge, match="68,719,476,736 bytes, over the max-file-size limit"):
        read_regular(big, 1000)
    small = tmp_path / "small.json"
    small.write_bytes(b"x" * 1000)
    assert read_regular(small, 1000) == b"x" * 1000
    with pytest.raises(TooLarge):
        read_regular(small, 999)
    with pytest.raises(NotRegular, match="a character device"):
        read_regular("/dev/zero", 1000)


# --- folders that cannot be listed ---


def _without_read_override() -> list[str]:
    """A prefix that runs a command without root's right to read everything (as in CI)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: every folder can be listed")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def test_a_folder_that_cannot_be_listed_is_reported(tmp_path):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "bad.json").write_text(BAD)
    (tmp_path / "ok.json").write_text(BAD)
    (tmp_path / "locked").chmod(0)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    try:
        for options in (["--no-cache"], cache, cache):  # a warm run reports it again
            r = subprocess.run(
                [*_without_read_override(), sys.executable, "-m", "cachelint", "check"]
                + [*options, "--format", "concise", "."],
                cwd=tmp_path,
                capture_output=True,
                timeout=120,
            )
            out = r.stdout.decode()
            assert r.returncode == 1, (r.stdout, r.stderr)
            assert "locked:1:1: error: cannot list folder: Permission denied [CL000]" in out
            assert out.count("ok.json") == 2
    finally:
        (tmp_path / "locked").chmod(0o755)


def test_unlisted_folders_and_unstatable_entries_are_problems(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.json").write_text("{}")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "y.json").write_text("{}")
    real_scandir = os.scandir

    class Entry:
        def __init__(self, e: os.DirEntry) -> None:
            self._e, self.name, self.path = e, e.name, e.path

        def is_dir(self, follow_symlinks: bool = True) -> bool:
            raise PermissionError(13, "Permission denied")

        def is_symlink(self) -> bool:
            raise PermissionError(13, "Permission denied")

    class Listing:
        def __init__(self, path) -> None:
            self._it = real_scandir(path)
            self._fake = str(path).endswith("b")

        def __enter__(self):
            return [Entry(e) if self._fake else e for e in self._it]

        def __exit__(self, *exc) -> None:
            self._it.close()

    def scandir(path):
        if str(path).endswith("a"):
            raise PermissionError(13, "Permission denied")
        return Listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    problems: list = []
    found = find([Path(".")], tmp_path, [], False, problems=problems)
    assert found == []
    assert problems == [
        ("a", "a", "cannot list folder: Permission denied"),
        ("b/y.json", "b/y.json", "cannot stat: Permission denied"),
    ]


def test_a_file_named_in_a_folder_that_cannot_be_searched_is_a_cl000(tmp_path):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "bad.json").write_text(BAD)
    (tmp_path / "locked").chmod(0)
    try:
        r = subprocess.run(
            [*_without_read_override(), sys.executable, "-m", "cachelint", "check"]
            + ["--no-cache", "--format", "concise", "locked/bad.json"],
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
        )
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert r.returncode == 1, r.stderr
    assert b"locked/bad.json:1:1: error: cannot read file: Permission denied [CL000]" in r.stdout


# --- each file once ---


def test_a_file_named_twice_or_in_a_named_folder_is_checked_once(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.json").write_text(BAD)
    once = _lines(_check(tmp_path, "x/a.json"))
    assert len(once) == 2
    r = run_cli(
        "check", "--no-cache", "--format", "json", "x", "x/a.json", "./x/a.json", "x", cwd=tmp_path
    )
    report = json.loads(r.stdout)
    assert [f["path"] for f in report["findings"]] == ["x/a.json", "x/a.json"]
    assert report["summary"]["files_checked"] == 1


def test_symlinks_to_one_file_or_folder_are_one_file(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.json").write_text(BAD)
    os.symlink("x/a.json", tmp_path / "l1.json")
    os.symlink("x/a.json", tmp_path / "l2.json")
    os.symlink("x", tmp_path / "xl")
    r = _check(tmp_path, "l1.json", "l2.json", "x", "xl")
    # once (a named symlink is shown by the path it resolves to)
    assert [ln.split(":")[0] for ln in _lines(r)] == ["x/a.json", "x/a.json"]


def test_a_file_both_walked_and_named_is_checked_as_named(tmp_path):
    # a walk skips a file that never mentions caching; a named one is always checked
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "broken.json").write_text('{"model": ')
    assert _lines(_check(tmp_path, "x")) == []
    r = _check(tmp_path, "x", "x/broken.json")
    assert len(_lines(r)) == 1 and "x/broken.json:1:" in _lines(r)[0]


def test_overlapping_paths_with_the_cache_give_the_same_findings(tmp_path):
    (tmp_path / "x" / "y").mkdir(parents=True)
    (tmp_path / "x" / "a.json").write_text(BAD)
    (tmp_path / "x" / "y" / "b.json").write_text(BAD)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    expected = _lines(_check(tmp_path, "x"))
    assert len(expected) == 4
    for _ in range(3):  # cold, then warm (stat index, folder summaries)
        r = run_cli("check", *cache, "--format", "concise", "x", "x/y", "x/a.json", cwd=tmp_path)
        assert _lines(r) == expected


# --- a walk finds what naming the file finds ---


def _escaped(text: str, letters: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if c in letters else c for c in text)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("req.json", BAD.replace('"cache_control"', '"\\u0063ache_control"')),
        ("req.json", BAD.replace('"cache_control"', '"' + _escaped("cache_control", "cahe") + '"')),
        ("req.json", BAD.replace('"cache_control"', '"\\u0043\\u0041che_control"')),
        ("log.jsonl", BAD.replace('"cache_control"', '"c\\u0061\\u0063he_control"') + "\n"),
    ],
)
def test_an_escaped_marker_is_found_by_a_walk(tmp_path, name, content):
    (tmp_path / "payloads").mkdir()
    (tmp_path / "payloads" / name).write_text(content)
    assert "cach" not in content.lower()
    named = _lines(_check(tmp_path, f"payloads/{name}"))
    assert len(named) == 2
    assert _lines(_check(tmp_path, ".")) == named


def test_an_escaped_cache_point_is_found_by_a_walk(tmp_path):
    converse = {
        "modelId": "anthropic.claude-sonnet-4-5",
        "system": [{"text": "hi"}, {"cachePoint": {"type": "bogus"}}],
        "messages": [{"role": "user", "content": [{"text": "x"}]}],
    }
    text = json.dumps(converse).replace("cachePoint", _escaped("cachePoint", "h"))
    assert "cach" not in text.lower()
    (tmp_path / "c.json").write_text(text)
    named = _lines(_check(tmp_path, "c.json"))
    assert named and _lines(_check(tmp_path, ".")) == named


def test_an_escape_across_the_blocks_of_a_streamed_log_is_decoded():
    from io import BytesIO

    from cachelint.engine import _candidate_stream

    escaped = _escaped("cache", "cache").encode()
    for pad in range(len(escaped) + 1):  # every cut of the escapes by the block boundary
        data = b" " * (64 - pad) + escaped + b" " * 64
        assert _candidate_stream(BytesIO(data), chunk=64), pad
    assert not _candidate_stream(BytesIO(b" " * 300 + b"\\u0063ach"), chunk=64)


def test_a_json_file_without_any_marker_is_still_skipped_by_a_walk(tmp_path):
    (tmp_path / "data.json").write_text('{"name": "caf\\u00e9", "broken": ')
    r = run_cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert json.loads(r.stdout)["summary"]["files_checked"] == 0
