"""A large JSONL log is streamed: peak memory stays far below the file size."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT
from payloads import anthropic_request

pytestmark = pytest.mark.slow  # runs processes over large files

FILE_SIZE = 200_000_000
RSS_LIMIT = 100_000_000  # half the file; a run measures about 40 MB


def test_200mb_jsonl_peak_rss_stays_bounded(tmp_path):
    req = anthropic_request()
    req["metadata"] = {"user_id": "u" * 400_000}  # big lines, cheap to check
    line = json.dumps(req).encode() + b"\n"
    bad = dict(req, cache_control="bad")  # CL103 on the lines that carry it
    bad_line = json.dumps(bad).encode() + b"\n"
    n = FILE_SIZE // len(line)
    path = tmp_path / "big.jsonl"
    with open(path, "wb") as f:
        for i in range(n):
            f.write(bad_line if i in (0, n // 2, n - 1) else line)
    assert path.stat().st_size >= FILE_SIZE * 0.99
    # a fresh intermediate process, so RUSAGE_CHILDREN sees only this run of cachelint
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run([sys.executable, '-m', 'cachelint', 'check', sys.argv[1],\n"
        "    '--no-cache', '--format', 'concise'], capture_output=True)\n"
        "sys.stdout.buffer.write(r.stdout)\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    try:
        r = subprocess.run(
            [sys.executable, "-c", probe, str(path)], cwd=ROOT, capture_output=True, timeout=120
        )
    finally:
        path.unlink()  # pytest keeps recent temporary folders: do not leave 200 MB behind
    *report, last = r.stdout.decode().splitlines()
    code, max_rss_kb = map(int, last.split())
    assert code == 1, r.stderr
    # the lines repeat one conversation: its cause is reported once, counted to the file's end
    cl103 = [x for x in report if "[CL103]" in x]
    assert [int(x.split(":")[1]) for x in cl103] == [1], report[:5]
    assert f"(in 3 of the {n} requests of this conversation, the last at line {n})" in cl103[0]
    assert max_rss_kb * 1024 < RSS_LIMIT, f"peak RSS {max_rss_kb / 1024:.0f} MiB"
