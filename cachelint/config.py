"""Configuration: `[tool.cachelint]` in pyproject.toml or a `cachelint.toml`, schema-validated."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cachelint import __version__
from cachelint.reading import read_error

if TYPE_CHECKING:
    import jsonschema

    from cachelint.cache.folder import CacheFolder

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".env",
    "env",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".cachelint_cache",
    "build",
    "dist",
    "site-packages",
    "*.egg-info",
    ".ipynb_checkpoints",
)
DEFAULT_MAX_FILE_SIZE = 64 * 1024 * 1024
MAX_CONFIG_SIZE = 1024 * 1024
DEFAULT_PYTHON_TIMEOUT = 5.0  # seconds of evaluation per Python file


class ConfigError(Exception):
    """A config file that cannot be read or does not match the schema (exit 2)."""


_NOT_FINDINGS = ("root", "source", "fixable", "unfixable")  # settings that change no finding


@dataclass
class Config:
    root: Path  # directory that relative globs refer to
    source: Path | None = None
    select: list[str] = field(default_factory=lambda: ["ALL"])
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    default_model: str | None = None
    platform: str | None = None
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    python_timeout: float = DEFAULT_PYTHON_TIMEOUT
    volatile_names: list[str] = field(default_factory=list)
    count_tokens: bool = False
    cache_dir: str | None = None
    conversation_key: str | None = None  # JSON pointer grouping log requests by conversation
    fail_on: str = "warning"  # the lowest severity that fails the run
    baseline: str | None = None  # file of known findings, relative to the config root
    respect_gitignore: bool = True  # a walk leaves out what git ignores (untracked files only)
    fixable: list[str] = field(default_factory=lambda: ["ALL"])  # codes --fix may fix
    unfixable: list[str] = field(default_factory=list)  # codes --fix leaves alone

    def settings_key(self) -> str:
        """Everything that changes findings, for result caches."""
        d = {k: v for k, v in self.__dict__.items() if k not in _NOT_FINDINGS}
        return json.dumps(d, sort_keys=True, default=str)


# Given the config root and the `cache-dir` setting (confined to the project), the cache folder
# that may remember which configurations passed validation (None: validate every time).
CacheFolderOf = Callable[[Path, "str | None"], "CacheFolder | None"]


@cache
def _schema_text() -> str:
    return (Path(__file__).parent / "config_schema.json").read_text(encoding="utf-8")


def _schema() -> dict:
    return json.loads(_schema_text())


def _format_error(err: jsonschema.ValidationError, where: str, text: str | None) -> str:
    path = [str(p) for p in err.absolute_path]
    loc = ".".join(path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        import difflib

        known = list(err.schema.get("properties", {}))
        out = []
        for key in sorted(set(err.instance) - set(known)):
            near = difflib.get_close_matches(key.replace("_", "-").lower(), known, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            inside = f" in {loc}" if loc else ""
            out.append(f"{where}{_line(text, key)}: unknown key '{key}'{inside}{hint}")
        return "\n".join(out)
    return f"{where}{_line(text, *path[:1])}: {loc or 'top level'}: {err.message}"


def _line(text: str | None, key: str | None = None, value: str | None = None) -> str:
    """': line N' of the first line that sets `key` (and holds `value`), when the config's
    text is known; '' otherwise."""
    if text is None or not key:
        return ""
    import re

    setting = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    lines = text.splitlines()
    for i, line in enumerate(lines, 1):
        if setting.match(line):
            for j in range(i, len(lines) + 1):  # a value may be on a later line of an array
                if value is None or value in lines[j - 1]:
                    return f": line {j}"
                if j > i and "=" in lines[j - 1]:
                    break
            return f": line {i}"
    return ""


def validate(data: dict[str, Any], where: str, text: str | None = None) -> None:
    import jsonschema

    errors = sorted(
        jsonschema.Draft202012Validator(_schema()).iter_errors(data),
        key=lambda e: list(map(str, e.absolute_path)),
    )
    if errors:
        raise ConfigError("\n".join(_format_error(e, where, text) for e in errors))


def _resolve_codes(data: dict[str, Any], where: str, text: str | None) -> None:
    """Rule names as codes, and every code or prefix checked against the rules (in place)."""
    from cachelint.selection import UnknownCode, resolve

    def resolved(key: str, values: list[str]) -> list[str]:
        out = []
        for v in values:
            try:
                out.append(resolve(v))
            except UnknownCode as e:
                raise ConfigError(f"{where}{_line(text, key, v)}: {key}: {e}") from None
        return out

    for key in ("select", "extend-select", "ignore", "fixable", "unfixable"):
        if key in data:
            data[key] = resolved(key, data[key])
    if "per-file-ignores" in data:
        data["per-file-ignores"] = {
            glob: resolved(glob, codes) for glob, codes in data["per-file-ignores"].items()
        }


def _validate_once(
    data: dict[str, Any], root: Path, where: str, cache: CacheFolderOf | None, text: str | None
) -> None:
    """Validate, unless the cache folder holds this user's sealed note that these very settings
    passed this schema (importing jsonschema costs a warm run more than its checking)."""
    setting = data.get("cache-dir")
    folder = cache(root, setting) if cache is not None and isinstance(setting, str | None) else None
    if folder is None:
        validate(data, where, text)
        return
    from cachelint.cache.results import digest

    key = digest(f"{__version__}\0{_schema_text()}\0{data!r}".encode())
    passed = folder.root / __version__ / f"config-{key}"
    if folder.read(passed) is None:
        validate(data, where, text)
        folder.write(passed, b"")


def confined_cache_dir(root: Path, setting: str, where: str) -> Path:
    """The folder a config's `cache-dir` names: a folder inside the project (the config's
    folder), never the project itself, an ancestor, a place reached through a symlink, or a
    version-control folder."""
    from cachelint.cache.folder import confinement_error

    path = root / setting
    why = confinement_error(path, root)
    if why is not None:
        raise ConfigError(
            f"{where}: cache-dir: {setting!r} must be a folder inside {root}: {why}; "
            "use --cache-dir for another place"
        )
    return path


def from_mapping(
    data: dict[str, Any],
    root: Path,
    source: Path | None,
    where: str,
    cache: CacheFolderOf | None = None,
    text: str | None = None,
) -> Config:
    """The config of a table of settings (`text`: the file's, to name lines in errors)."""
    if isinstance(data.get("cache-dir"), str):
        confined_cache_dir(root, data["cache-dir"], where)
    _validate_once(data, root, where, cache, text)
    data = dict(data)
    _resolve_codes(data, where, text)
    cfg = Config(root=root, source=source)
    for key, value in data.items():
        attr = key.replace("-", "_")
        if attr == "extend_exclude":
            cfg.exclude = cfg.exclude + list(value)
        else:
            setattr(cfg, attr, value)
    if "exclude" in data and "extend-exclude" in data:
        cfg.exclude = list(data["exclude"]) + list(data["extend-exclude"])
    return cfg


def load_file(path: Path, cache: CacheFolderOf | None = None) -> Config:
    try:
        text = _read_config(path)
        doc = tomllib.loads(text)
    except OSError as e:
        raise ConfigError(f"cannot read config {path}: {read_error(e)}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8: {e.reason} at byte {e.start}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from e
    if path.name == "pyproject.toml":
        data = doc.get("tool", {}).get("cachelint", {})
        where = f"{path} [tool.cachelint]"
    else:
        data, where = doc, str(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table")
    return from_mapping(data, path.parent.resolve(), path, where, cache, text)


def _read_config(path: Path) -> str:
    """A config file's text: a regular file (never a FIFO) of at most MAX_CONFIG_SIZE bytes."""
    from cachelint.reading import read_regular

    return read_regular(path, MAX_CONFIG_SIZE).decode("utf-8")


def find_config(start: Path) -> Path | None:
    """Nearest cachelint.toml, or pyproject.toml with [tool.cachelint], upward from start."""
    d = start.resolve()
    if d.is_file():
        d = d.parent
    for directory in (d, *d.parents):
        for name in ("cachelint.toml", ".cachelint.toml"):
            if (directory / name).is_file():
                return directory / name
        pp = directory / "pyproject.toml"
        if pp.is_file():
            try:
                text = _read_config(pp)
            except (OSError, UnicodeDecodeError):
                continue
            if "cachelint" not in text:
                continue
            try:
                if "cachelint" in tomllib.loads(text).get("tool", {}):
                    return pp
            except tomllib.TOMLDecodeError as e:
                raise ConfigError(f"{pp}: invalid TOML: {e}") from e
    return None


def load(explicit: Path | None, start: Path, cache: CacheFolderOf | None = None) -> Config:
    """The config named, or the nearest one upward from `start`, or the defaults. With `cache`,
    a configuration that passed validation before is not validated again."""
    if explicit is not None:
        return load_file(explicit, cache)
    found = find_config(start)
    return load_file(found, cache) if found else Config(root=start.resolve())
