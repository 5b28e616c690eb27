"""The README's sections and code blocks, and its placeholders filled in, for tests that run
its recipes as written."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
# what the README asks users to replace: cachelint has no public URL and no release tag yet
PLACEHOLDERS = ("<cachelint-repository-url>", "<owner>/<repo>", "<commit-sha>")


def section(title: str) -> str:
    """The text of the README section with this heading, up to the next heading of its level."""
    heading = re.search(rf"^(#+) {re.escape(title)}\n", README, re.M)
    assert heading, title
    rest = README[heading.end() :]
    end = re.search(rf"^#{{1,{len(heading.group(1))}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def blocks(text: str, kind: str) -> list[str]:
    """The fenced code blocks of `text` whose info string matches `kind` (a regex)."""
    return re.findall(rf"^```{kind}\n(.*?)^```", text, re.S | re.M)


def substituted(text: str, repo: Path, sha: str) -> str:
    """`text` with the placeholders naming the git repository at `repo` and its commit `sha`."""
    for placeholder, value in zip(PLACEHOLDERS, (repo.as_uri(), str(repo), sha), strict=True):
        text = text.replace(placeholder, value)
    return text
