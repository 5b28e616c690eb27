"""`cachelint init`: a configuration for a project, from what its files send.

The walk `check` does (default excludes, untracked files git ignores left out) finds the
payloads and Python modules. Payload requests are read by the same adapters `check` uses, which
give each request's model and platform; Python modules are parsed (never imported) for string
constants that the model table knows and for the clients they construct (`AnthropicBedrock`,
`boto3.client("bedrock-runtime")`, LiteLLM, a gateway's URL). The model named in the most files
becomes `default-model`; a platform is written only when the files agree on one.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from cachelint import DISTRIBUTION, __version__
from cachelint.config import DEFAULT_EXCLUDE, ConfigError, _schema, validate
from cachelint.discovery import JSONL_SUFFIXES, PYTHON_SUFFIXES, find
from cachelint.formatters.neutral import shown
from cachelint.models import ModelTable
from cachelint.python.calls import CLIENTS
from cachelint.reading import open_regular

if TYPE_CHECKING:
    from cachelint.rule_api import Context

SCAN_LIMIT = 4 << 20  # bytes read of each file: a log's first requests name its model
CONFIG_NAMES = ("cachelint.toml", ".cachelint.toml")
# A gateway's host in a URL names the platform (its first label) more precisely than an
# OpenAI-style client does.
_GATEWAY_HOSTS = re.compile(
    rb"(?<![\w-])(openrouter|requesty|orq|portkey)\.ai\b|(?<![\w-])(truefoundry)\.(?:com|cloud)\b"
)
_PYTHON_HINT = re.compile(
    rb"claude|anthropic|bedrock|litellm|openrouter|requesty|orq\.ai|portkey|truefoundry", re.I
)
# constructors of Anthropic SDK clients, whose platform is certain (OpenAI-style ones say only
# "gateway", HTTP clients nothing)
_CLIENT_PLATFORMS = {
    name: platform for name, (kind, platform) in CLIENTS.items() if kind == "anthropic"
}

PRE_COMMIT_PLACEHOLDERS = {
    "repo": "<cachelint-repository-url>  # no public URL yet: the one you install cachelint from",
    "rev": "<commit-sha>  # a full commit SHA of it (a release tag once there is one)",
}


class SetupError(Exception):
    """A configuration that `init` will not write (exit 2)."""


@dataclass
class Evidence:
    """Values found in the project and the files that name them, in walk order."""

    files: dict[str, list[str]] = field(default_factory=dict)

    def add(self, value: str, file: str) -> None:
        found = self.files.setdefault(value, [])
        if file not in found:
            found.append(file)

    def ranked(self) -> list[tuple[str, list[str]]]:
        """Most files first; ties in the order first found."""
        return sorted(self.files.items(), key=lambda kv: -len(kv[1]))


@dataclass
class Detection:
    models: Evidence = field(default_factory=Evidence)  # model table ids
    platforms: Evidence = field(default_factory=Evidence)
    files: int = 0  # files read


def detect(root: Path, table: ModelTable) -> Detection:
    from cachelint.rule_api import Context
    from cachelint.tokens import Estimator

    ctx = Context(models=table, estimator=Estimator(table.estimator))
    found = Detection()
    for path, _, _, rel in find([root], root, list(DEFAULT_EXCLUDE), False, gitignore=True):
        try:
            with open_regular(path) as f:
                data = f.read(SCAN_LIMIT + 1)
        except OSError:
            continue  # `check` reports what cannot be read; init only looks
        found.files += 1
        whole = len(data) <= SCAN_LIMIT
        if rel.endswith(PYTHON_SUFFIXES):
            if _PYTHON_HINT.search(data):
                _python(data, rel, ctx, found)
        else:
            _payloads(data, whole, rel.endswith(JSONL_SUFFIXES), rel, ctx, found)
        for m in _GATEWAY_HOSTS.finditer(data):
            found.platforms.add((m.group(1) or m.group(2)).decode(), rel)
    return found


def _payloads(
    data: bytes, whole: bool, lines: bool, rel: str, ctx: Context, found: Detection
) -> None:
    """The model and platform of each request, as `check` reads them."""
    from cachelint.payload.source import requests_of
    from cachelint.platforms import platform_of

    if lines:
        chunks = data.splitlines() if whole else data.splitlines()[:-1]
    else:
        chunks = [data] if whole else []
    for chunk in chunks:
        try:
            doc = orjson.loads(chunk)
        except orjson.JSONDecodeError:
            continue
        for _, _, prompt in requests_of(doc, ()):
            if isinstance(prompt.model, str) and (row := ctx.models.lookup(prompt.model)):
                found.models.add(row.id, rel)
            if platform := platform_of(prompt, ctx):
                found.platforms.add(platform, rel)


def _python(data: bytes, rel: str, ctx: Context, found: Detection) -> None:
    """Model ids in string constants, and the platforms of the clients constructed."""
    from cachelint.platforms import platform_of
    from cachelint.prompt import Prompt
    from cachelint.python.project import dotted, import_names

    try:
        nodes = list(_nodes(ast.parse(data)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # `check` reports it
    names: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update(import_names(node, ""))
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if len(node.value) < 200 and (row := ctx.models.lookup(node.value)):
                found.models.add(row.id, rel)
                spelled = Prompt("anthropic", [], None, model=node.value, platform="anthropic")
                platform = platform_of(spelled, ctx)
                if platform is not None and platform != "anthropic":
                    found.platforms.add(platform, rel)  # a Bedrock or Vertex id
        elif isinstance(node, ast.Call):
            head, _, rest = dotted(node.func).partition(".")
            name = ".".join(filter(None, (names.get(head, head), rest)))
            if platform := _client_platform(name, node):
                found.platforms.add(platform, rel)


def _nodes(module: ast.Module) -> Iterator[ast.AST]:
    """Every node, without recursion (a deeply nested module must not stop init)."""
    stack: list[ast.AST] = [module]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _client_platform(name: str, call: ast.Call) -> str | None:
    if name in _CLIENT_PLATFORMS:
        return _CLIENT_PLATFORMS[name]
    if name.startswith("litellm.") and name.rpartition(".")[2] in ("completion", "acompletion"):
        return "litellm"
    if name.rpartition(".")[2] == "client":  # boto3.client, a Session's client
        service = [*call.args[:1], *(k.value for k in call.keywords if k.arg == "service_name")]
        if any(isinstance(s, ast.Constant) and s.value == "bedrock-runtime" for s in service):
            return "bedrock"
    return None


def platforms() -> list[str]:
    """The platforms a configuration may name."""
    return list(_schema()["properties"]["platform"]["enum"])


def _files(names: list[str], most: int = 3) -> str:
    """'3 files: a.json, b.py, c.py' (`most` names at the most; none: only the count)."""
    count = f"{len(names)} file{'s' if len(names) != 1 else ''}"
    if not most:
        return count
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return f"{count}: {', '.join(shown(n) for n in names[:most])}{more}"


def settings(found: Detection, model: str | None, platform: str | None) -> list[str]:
    """The lines of the configuration: each setting with a comment that says where it came
    from (`model`, `platform`: given on the command line instead)."""
    lines = []
    ranked = found.models.ranked()
    if model is not None:
        lines += ["# default-model: given with --model", f"default-model = {json.dumps(model)}"]
    elif ranked:
        (best, where), others = ranked[0], ranked[1:]
        lines.append(f"# default-model: named in {_files(where)}")
        if others:
            also = ", ".join(f"{m} ({_files(f, 0)})" for m, f in others[:3])
            lines.append(f"# also named: {also}")
        lines.append(f"default-model = {json.dumps(best)}")
    else:
        lines += [
            "# default-model: no model cachelint knows is named in the project's files; set the",
            "# one requests use when they name none (`cachelint models` lists them):",
            '# default-model = "claude-sonnet-4-5"',
        ]
    specific = [(p, f) for p, f in found.platforms.ranked() if p != "gateway"]
    if platform is not None:
        lines += ["# platform: given with --platform", f"platform = {json.dumps(platform)}"]
    elif len(specific) == 1:
        (name, where) = specific[0]
        lines += [f"# platform: {name}, from {_files(where)}", f"platform = {json.dumps(name)}"]
    elif specific:
        lines.append("# platform: not set, the files send to several:")
        lines += [f"#   {p}: {_files(f, 2)}" for p, f in specific]
        lines.append("# so each request is checked for the platform its shape and model id show")
    elif "gateway" in found.platforms.files:
        lines += [
            "# platform: requests go through an OpenAI-style gateway; name yours for its rules",
            f"# ({', '.join(p for p in platforms() if p not in ('anthropic', 'gateway'))}):",
            '# platform = "litellm"',
        ]
    else:
        lines.append("# platform: none found; each request's shape and model id tell")
    return lines


def pre_commit_config() -> str:
    """The pre-commit configuration for this cachelint: its repository and commit when it was
    installed from a git URL, placeholders otherwise (there is no public URL yet)."""
    repo, rev = PRE_COMMIT_PLACEHOLDERS["repo"], PRE_COMMIT_PLACEHOLDERS["rev"]
    try:
        origin = json.loads(distribution(DISTRIBUTION).read_text("direct_url.json") or "{}")
    except (PackageNotFoundError, ValueError):
        origin = {}
    vcs = origin.get("vcs_info") if isinstance(origin, dict) else None
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id"):
        repo, rev = shown(str(origin.get("url", ""))), shown(str(vcs["commit_id"]))
    return f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: cachelint\n"


def _existing(directory: Path) -> str | None:
    """Why a configuration in `directory` would be overwritten or shadowed, if it would."""
    for name in CONFIG_NAMES:
        if (directory / name).exists():
            return f"{directory / name} already exists"
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        try:
            doc = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise SetupError(f"{pyproject}: cannot be read as TOML ({e}); not changed") from e
        tool = doc.get("tool")
        if isinstance(tool, dict) and "cachelint" in tool:
            return f"{pyproject} already has a [tool.cachelint] section"
    return None


def init(
    directory: Path, standalone: bool, model: str | None, platform: str | None
) -> tuple[Path, str]:
    """Write the configuration for the project in `directory`: a [tool.cachelint] section
    appended to its pyproject.toml, or a cachelint.toml (when there is no pyproject.toml, or
    `standalone`). Returns the file written and the text added. Never overwrites one."""
    if why := _existing(directory):
        raise SetupError(f"{why}: not changed (edit it, or remove it to start again)")
    table = ModelTable()
    found = detect(directory.resolve(), table)
    header = f"# Written by `cachelint init` ({DISTRIBUTION} {__version__})."
    body = [header, *settings(found, model, platform)]
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file() and not standalone:
        return pyproject, _append(pyproject, ["[tool.cachelint]", *body])
    target = directory / "cachelint.toml"
    text = "\n".join(body) + "\n"
    _check(text, target, None)
    try:
        with open(target, "x", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as e:
        raise SetupError(f"cannot write {target}: {e.strerror or e}") from e
    return target, text


def _append(pyproject: Path, lines: list[str]) -> str:
    """Append the section to pyproject.toml, in its line endings, after checking that the
    result is valid TOML holding exactly these settings."""
    old = pyproject.read_bytes().decode("utf-8")
    newline = "\r\n" if "\r\n" in old else "\n"
    gap = "" if not old else newline if old.endswith("\n") else newline * 2
    added = gap + newline.join(lines) + newline
    _check(old + added, pyproject, "\n".join(lines[1:]))
    try:
        with open(pyproject, "a", encoding="utf-8", newline="") as f:
            f.write(added)
    except OSError as e:
        raise SetupError(f"cannot write {pyproject}: {e.strerror or e}") from e
    return added


def _check(text: str, target: Path, section: str | None) -> None:
    """The written configuration must read back as the settings written (a pyproject.toml that
    defines `tool` in a way a [tool.cachelint] header cannot extend is left alone)."""
    want = tomllib.loads(section if section is not None else text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SetupError(
            f"{target}: a [tool.cachelint] section cannot be added ({e}); not changed"
        ) from e
    got = doc.get("tool", {}).get("cachelint") if section is not None else doc
    if got != want:
        raise SetupError(f"{target}: a [tool.cachelint] section cannot be added; not changed")
    try:
        validate(want, str(target))
    except ConfigError as e:
        raise SetupError(str(e)) from e
