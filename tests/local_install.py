"""Installing cachelint the way a user does, without the network.

A package index on disk (a wheelhouse): the wheel of this checkout, built by pip, beside wheels
of everything it and its build backend need, repacked from the distributions installed in the
running environment. And copies of this checkout, plain or as a git repository with one commit,
for installs from a folder or a git URL.

`pip_env(house)` points pip at it alone (`PIP_NO_INDEX`, `PIP_FIND_LINKS`, no pip config files):
`pip install cachelint-llm` then installs this checkout's build as it would install the published
one, and `pip install .` builds in an isolated environment with hatchling from the same folder.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT

DIST_NAME = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
_LEFT_OUT = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache",
    ".mypy_cache", ".cachelint_cache", ".tox", ".nox", "build", "dist", "node_modules",
)  # fmt: skip


def copy_checkout(dest: Path) -> Path:
    """This checkout's files at `dest`, without version control, virtual environments, caches
    or build output: uncommitted changes included, so tests see the working tree."""
    shutil.copytree(ROOT, dest, ignore=NOT_SOURCE, symlinks=True)
    return dest


def git_env(home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment in which git commits as the tests, with no user or system git config."""
    (home / ".gitconfig").write_text("", encoding="utf-8")
    return {
        **(base or os.environ),
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "cachelint tests",
        "GIT_AUTHOR_EMAIL": "tests@example.invalid",
        "GIT_COMMITTER_NAME": "cachelint tests",
        "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    }


def git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


def committed_checkout(dest: Path, env: dict[str, str]) -> str:
    """A copy of this checkout at `dest`, committed as a git repository of its own (as pip and
    pre-commit clone at a commit, this holds the working tree's changes too); its commit SHA."""
    copy_checkout(dest)
    git(dest, "init", "-q", env=env)
    git(dest, "add", "-A", env=env)
    git(dest, "commit", "-q", "--no-gpg-sign", "-m", "checkout under test", env=env)
    return git(dest, "rev-parse", "HEAD", env=env)


def build(house: Path) -> Path:
    """The wheel of this checkout, built into `house` (hatchling from this environment)."""
    house.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(house), str(ROOT)],
        capture_output=True,
        text=True,
        env=pip_env(house),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = house.glob(f"{DIST_NAME.replace('-', '_')}-*.whl")
    return wheel


def fill(house: Path) -> list[Path]:
    """Wheels of what installing and building cachelint needs, repacked from this
    environment: the runtime requirements and the build-system requirements, transitively."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [*pyproject["project"]["dependencies"], *pyproject["build-system"]["requires"]]
    seen: set[str] = set()
    wheels = []
    while wanted:
        req = Requirement(wanted.pop())
        name = canonicalize_name(req.name)
        if name in seen or (req.marker is not None and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        try:
            dist = distribution(req.name)
        except PackageNotFoundError:
            raise AssertionError(f"{req.name} is not installed: pip install -e '.[test]'") from None
        assert req.specifier.contains(dist.version, prereleases=True), f"{req} vs {dist.version}"
        wheels.append(repack(dist, house))
        wanted.extend(dist.requires or [])
    return wheels


def repack(dist: Distribution, house: Path) -> Path:
    """An installed distribution as a wheel again: the files its RECORD lists inside the
    installation folder (no scripts, which pip writes from the entry points, no bytecode) under
    the tag its WHEEL file names."""
    info = next(f for f in dist.files or [] if f.name == "METADATA").parent
    tag = re.search(r"^Tag: (\S+)$", dist.read_text("WHEEL") or "", re.M)
    assert tag, f"{dist.name} was not installed from a wheel"
    name = re.sub(r"[-_.]+", "_", dist.name).lower()
    wheel = house / f"{name}-{dist.version}-{tag.group(1)}.whl"
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
        for f in dist.files or []:
            parts = f.parts
            if parts[0] == ".." or "__pycache__" in parts or f.suffix == ".pyc":
                continue
            if f.parent == info and f.name in _LEFT_OUT:
                continue
            data = Path(dist.locate_file(f)).read_bytes()
            z.writestr(f.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            writer.writerow([f.as_posix(), f"sha256={digest.decode()}", len(data)])
        writer.writerow([f"{info.as_posix()}/RECORD", "", ""])
        z.writestr(f"{info.as_posix()}/RECORD", record.getvalue())
    return wheel


def pip_env(house: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a pip that finds packages in `house` and nowhere else."""
    env = {k: v for k, v in (base or os.environ).items() if not k.startswith("PIP_")}
    env.update(
        PIP_CONFIG_FILE=os.devnull,  # no user or site pip.conf (another index, constraints)
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(house),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_CACHE_DIR="1",
        PIP_NO_INPUT="1",
    )
    return env
