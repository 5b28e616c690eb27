"""Byte-identical reports for a Python tree whatever the worker count and hash seed: code that
iterates sets must not leak set order into findings, and workers must not reorder them."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from conftest import ROOT, run_cli

SET_CODE = textwrap.dedent(
    """
    import anthropic, os
    from datetime import datetime

    TAGS = {"alpha", "beta", "gamma", "delta", "epsilon"}
    NAMES = set(["x", "y"]) | {"z", "w"}
    client = anthropic.Anthropic()

    def ask(q, n=N):
        system = [{"type": "text", "text": t} for t in TAGS]
        system.append({"type": "text", "text": ", ".join(NAMES) + str(n)})
        system.append({"type": "text", "text": str(sorted(os.listdir(".")))})
        for k in {"k1", "k2", "k3"}:
            system.append({"type": "text", "text": f"{k} at {datetime.now()}"})
        system[-1]["cache_control"] = {"type": "ephemeral", "ttl": "1h"}
        extra = {**{t: 1 for t in TAGS}}
        return client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1, system=system, metadata=extra,
            messages=[{"role": "user", "content": q,
                       "cache_control": {"type": "ephemeral"}}],
        )
    """
)
RUNS = [("1", "0"), ("2", "1"), ("2", "random")]  # (-j, PYTHONHASHSEED)
FORMATS = ["json", "sarif", "concise"]


def _tree(root: Path) -> None:
    for i in range(72):  # at least 64 files: the runner uses worker processes
        sub = root / f"pkg{i % 4}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"mod{i:02}.py").write_text(SET_CODE.replace("n=N", f"n={i}"))
    for example in (ROOT / "examples").iterdir():
        shutil.copy(example, root / example.name)


def test_python_tree_reports_are_byte_identical(tmp_path):
    _tree(tmp_path)
    reports: dict[str, set[bytes]] = {fmt: set() for fmt in FORMATS}
    for jobs, seed in RUNS:
        out = tmp_path / f"out-{jobs}-{seed}"
        out.mkdir()
        extra = [a for fmt in FORMATS[1:] for a in ("--output", f"{fmt}:{out}/report.{fmt}")]
        r = run_cli(
            "check", ".", "--format", "json", "--no-cache", "-j", jobs, *extra,
            cwd=tmp_path, env={"PYTHONHASHSEED": seed},
        )  # fmt: skip
        assert r.returncode == 1, r.stderr
        reports["json"].add(r.stdout)
        for fmt in FORMATS[1:]:
            reports[fmt].add((out / f"report.{fmt}").read_bytes())
    for fmt, seen in reports.items():
        assert len(seen) == 1, fmt
    report = next(iter(reports["concise"])).decode()
    assert report.count("[CL303]") >= 72 and "[CL301]" in report
    assert "alpha" not in report and "'k1'" not in report  # no set members, in any order
