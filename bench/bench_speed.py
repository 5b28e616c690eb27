"""Speed at scale, side by side with the peers (issue 5 benchmark).

Generates three inputs under a temporary directory:
  (a) dense:  N Python files that all build cached requests (default 4,000), each only the
              request-building code (about 15 lines);
      dense+: the same, each file also carrying a module's worth of ordinary code (realistic
              LLM modules; default 4,000);
  (b) sparse: M ordinary Python files with 1% LLM code (default 20,000);
  (c) log:    a JSONL request log (default 100,000 requests);
then runs `cachelint check` on each:
  cold:    with an empty result cache;
  warm:    re-runs of the unchanged tree, as users run them (the stat index and the result
           cache settle every file);
  edit1:   a re-run after one LLM file was edited (it is linted again, the rest is settled);
and the peers `pcdlint` and `cachedrift` on the Python trees when they are installed (on PATH,
or in the folder given by --peers-bin). A shared machine runs faster and slower in phases of
seconds: the runs alternate over --rounds rounds (the cache emptied before each cold run; the
log gets one round, its cold run takes minutes), and each figure is the median of its runs.
Each command runs in a child of its own, so peak memory is per command. Prints wall time, files
(or requests) per second and peak RSS, and the ratios, from one run.

    python bench/bench_speed.py [--dense 4000] [--dense-real 4000] [--sparse 20000] [--log 100000]
                                [--peers-bin DIR]
"""

from __future__ import annotations

import argparse
import compileall
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_payloads  # noqa: E402  (generators shared with the other benchmarks)
import bench_python  # noqa: E402

_MEASURE = """
import resource, subprocess, sys, time
t0 = time.perf_counter()
r = subprocess.run(sys.argv[2:], cwd=sys.argv[1], stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{wall} {rss} {r.returncode}")
sys.stderr.write(r.stderr.decode(errors="replace")[-2000:])
"""


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit code) of cmd run in a fresh child."""
    r = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(cwd), *cmd], capture_output=True, text=True, check=True
    )
    wall, rss, code = r.stdout.split()
    if int(code) not in (0, 1, 2):
        print(f"  ! {cmd[0]} exited {code}: {r.stderr.strip()[-300:]}")
    return float(wall), int(rss) / 1024, int(code)


def dense(root: Path, n: int) -> int:
    bench_python.generate(root, 0, n)
    return n + 1


def dense_real(root: Path, n: int) -> int:
    bench_python.generate(root, 0, n, realistic=True)
    return n + 1


def sparse(root: Path, n: int) -> int:
    llm = max(1, n // 100)
    bench_python.generate(root, n - llm, llm)
    return n + 1


def log(root: Path, n: int) -> int:
    root.mkdir(parents=True)
    bench_payloads.generate(root / "requests.jsonl", n)
    return n


def _llm_file(root: Path) -> Path:
    """The first file of the tree that builds a cached request."""
    return next(p for p in sorted(root.rglob("*.py")) if "cache_control" in p.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dense", type=int, default=4000)
    ap.add_argument(
        "--dense-real",
        type=int,
        default=4000,
        help="dense+ tree: LLM modules that also carry ordinary code, as real ones do",
    )
    ap.add_argument("--sparse", type=int, default=20000)
    ap.add_argument("--log", type=int, default=100_000)
    ap.add_argument("--peers-bin", type=Path, help="folder holding pcdlint and cachedrift")
    ap.add_argument("--jobs", type=int, help="cachelint -j (default: one per CPU)")
    ap.add_argument("--rounds", type=int, default=3, help="cold run, then warm runs; repeated")
    ap.add_argument("--warm-runs", type=int, default=3, help="warm runs in each round")
    a = ap.parse_args()

    def peer(name: str) -> str | None:
        if a.peers_bin and (a.peers_bin / name).exists():
            return str(a.peers_bin / name)
        return shutil.which(name)

    # Installed packages have their bytecode compiled (pip does it for the peers); an editable
    # checkout under PYTHONDONTWRITEBYTECODE=1 would compile cachelint's modules on every run.
    import cachelint

    compileall.compile_dir(Path(cachelint.__file__).parent, quiet=1)
    # the `cachelint` command, as users and pre-commit run it (`python -m` also loads runpy)
    script = Path(sys.executable).parent / "cachelint"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "cachelint"]
    cachelint_cmd = [*launcher, "check", ".", "--format", "concise", "-q"]
    if a.jobs:
        cachelint_cmd += ["-j", str(a.jobs)]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make, size, unit in (
            ("dense", dense, a.dense, "files"),
            ("dense+", dense_real, a.dense_real, "files"),
            ("sparse", sparse, a.sparse, "files"),
            ("log", log, a.log, "requests"),
        ):
            if not size:
                continue
            root = Path(tmp) / name
            count = make(root, size)
            cache = Path(tmp) / f"cache-{name}"
            cmd = cachelint_cmd + ["--cache-dir", str(cache)]
            labels = ["cachelint cold", "cachelint warm", "cachelint edit1"]
            if unit != "files":
                labels.pop()  # the log is one file: an edit re-reads all of it
            runs = dict.fromkeys(labels, cmd)
            if unit == "files":
                for p in ("pcdlint", "cachedrift"):
                    if exe := peer(p):
                        runs[p] = [exe, "."]
            row = {"input": name, "count": count, "unit": unit, "runs": {}}
            rounds = max(1, a.rounds) if unit == "files" else 1
            timed: dict[str, list[tuple[float, float]]] = {label: [] for label in labels}
            edited = _llm_file(root) if unit == "files" else None
            for _ in range(rounds):
                shutil.rmtree(cache, ignore_errors=True)
                timed["cachelint cold"].append(measure(cmd, root)[:2])
                time.sleep(0.2)  # changes newer than this are not trusted by signature
                for _ in range(max(1, a.warm_runs)):
                    timed["cachelint warm"].append(measure(cmd, root)[:2])
                if edited is not None:
                    with edited.open("a") as f:
                        f.write("\n# edited\n")
                    time.sleep(0.2)
                    timed["cachelint edit1"].append(measure(cmd, root)[:2])
            for label, cmd in runs.items():
                walls, rsss = zip(*(timed.get(label) or [measure(cmd, root)[:2]]), strict=True)
                wall, rss = statistics.median(walls), max(rsss)
                row["runs"][label] = (wall, rss)
                note = f"  (median of {len(walls)})" if len(walls) > 1 else ""
                print(
                    f"{name:<7} {label:<16} {wall:8.2f} s {count / wall:10,.0f} {unit}/s "
                    f"{rss:8.0f} MB peak{note}",
                    flush=True,
                )
            results.append(row)
            shutil.rmtree(root)
    print()
    for row in results:
        runs = row["runs"]
        cold = runs["cachelint cold"][0]
        parts = [
            f"{kind} is {cold / runs['cachelint ' + kind][0]:.1f}x faster than cold"
            for kind in ("warm", "edit1")
            if "cachelint " + kind in runs
        ]
        for p in ("pcdlint", "cachedrift"):
            if p in runs:
                parts.append(
                    f"cold is {runs[p][0] / cold:.1f}x faster than {p} "
                    f"(memory {runs['cachelint cold'][1] / runs[p][1]:.1f}x)"
                )
        print(f"{row['input']}: " + "; ".join(parts))
    print(json.dumps({r["input"]: r["runs"] for r in results}))


if __name__ == "__main__":
    main()
