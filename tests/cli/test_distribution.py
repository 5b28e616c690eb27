"""One name and one version everywhere: the distribution is cachelint-llm (the command and the
import package are cachelint), and `__version__` is the version of the metadata, the CLI and the
reports. The wheel carries the license, `py.typed` and the rule pages."""

from __future__ import annotations

import json
import re
import tomllib
import zipfile
from email.parser import Parser
from importlib.metadata import version
from pathlib import Path

import pytest

import cachelint
from cachelint import DISTRIBUTION, __version__

from conftest import ROOT, run_cli
from format_fixtures import GOOD

pytestmark = pytest.mark.slow  # builds and installs the wheel and the sdist

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_distribution_name_is_ours():
    assert PYPROJECT["project"]["name"] == DISTRIBUTION == "cachelint-llm"
    assert PYPROJECT["project"]["scripts"] == {"cachelint": "cachelint.cli:cachelint_command"}
    # the README says so (and test_readme_recipes.py that no recipe installs the other one)
    assert "an unrelated project" in README and "**`cachelint-llm`**" in README


def test_one_version():
    assert "version" not in PYPROJECT["project"]
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    source = ROOT / PYPROJECT["tool"]["hatch"]["version"]["path"]
    assert source.resolve() == Path(cachelint.__file__).resolve()
    assert version(DISTRIBUTION) == __version__
    proc = run_cli("--version")
    assert proc.stdout.decode().split()[-1] == __version__


def test_reports_carry_the_version(tmp_path):
    (tmp_path / "req.json").write_text(GOOD, encoding="utf-8")
    proc = run_cli(
        "check", "--format", "json", "--output", "sarif:r.sarif", "req.json", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["version"] == __version__
    sarif = json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["tool"]["driver"]["version"] == __version__


def test_the_changelog_has_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(__version__)}\b", changelog, re.M)


def test_license_is_mit():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_the_wheel(wheelhouse):
    (wheel,) = wheelhouse.glob(f"cachelint_llm-{__version__}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        info = f"cachelint_llm-{__version__}.dist-info"
        meta = Parser().parsestr(z.read(f"{info}/METADATA").decode())
    assert {
        "cachelint/py.typed",
        f"{info}/licenses/LICENSE",
        "cachelint/_rules/models.toml",
    } <= names
    assert (meta["Name"], meta["Version"]) == (DISTRIBUTION, __version__)
    assert meta["License-Expression"] == "MIT"
    classifiers = meta.get_all("Classifier")
    assert "Typing :: Typed" in classifiers
    assert set(classifiers) == set(PYPROJECT["project"]["classifiers"])
    assert not meta.get_all("Project-URL"), "no project URL until there is a public one"
