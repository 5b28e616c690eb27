"""Modules of the checked project: parsing on demand, import tables, resolving project imports.

Helper modules are read only when a checked file imports them, parsed once per run, and never
imported or executed. Imports are followed only to files inside the project root, and never
through a symlink that leads out of it.
"""

from __future__ import annotations

import ast
import tokenize
import warnings
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from cachelint.python.positions import Positions
from cachelint.reading import read_regular

MAX_HELPER_SIZE = 2 * 1024 * 1024
HELPER_BYTES_PER_FILE = 4 * 1024 * 1024  # helper source parsed on behalf of one checked file


class SourceError(Exception):
    """A file that cannot be decoded or parsed; carries a 1-based line and column."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def decode(data: bytes) -> str:
    """The source text, honouring a PEP 263 coding cookie and a UTF-8 BOM."""
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
    except SyntaxError as e:
        if "encoding" in str(e) and b"coding" not in data[:200]:
            encoding = "utf-8"  # no declaration, and the first lines are not UTF-8
        else:
            raise SourceError(f"cannot decode: {e}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        head = data[: e.start]
        line = head.count(b"\n") + 1
        col = e.start - (head.rfind(b"\n") + 1) + 1
        raise SourceError(
            f"not valid {encoding} (byte 0x{data[e.start]:02x} at offset {e.start})", line, col
        ) from None
    except LookupError:
        raise SourceError(f"unknown source encoding '{encoding}'") from None
    return text[1:] if text.startswith("\ufeff") else text


_TOO_DEEP = "syntax error: the file is nested too deeply to parse"


def parse(text: str) -> ast.Module:
    """CPython's syntax tree of a module (the grammar of the Python cachelint runs on)."""
    try:
        with warnings.catch_warnings():  # e.g. invalid escape sequences: not ours to report
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (RecursionError, MemoryError):
        raise SourceError(_TOO_DEEP) from None
    except SyntaxError as e:
        if e.lineno is None and "\0" in text:  # NUL bytes: CPython gives no position
            raise SourceError(f"syntax error: {e.msg}", *_nul_position(text)) from None
        raise SourceError(f"syntax error: {e.msg}", e.lineno or 1, max(e.offset or 1, 1)) from None
    except ValueError as e:  # NUL bytes, on Pythons that raise ValueError for them
        raise SourceError(f"syntax error: {e}", *_nul_position(text)) from None


def _nul_position(text: str) -> tuple[int, int]:
    at = text.find("\0")
    if at < 0:
        return 1, 1
    line_start = text.rfind("\n", 0, at) + 1
    return text.count("\n", 0, at) + 1, at - line_start + 1


@dataclass(eq=False, repr=False)
class ModuleInfo:
    """One parsed module and its top-level names."""

    name: str  # dotted module name relative to its import base ("" for a lone script)
    path: Path | None
    display: str
    text: str
    tree: ast.Module
    is_package: bool = False
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted target
    _positions: Positions | None = None

    def __post_init__(self) -> None:
        for stmt in self.tree.body:
            self._index(stmt)

    def _index(self, stmt: ast.stmt) -> None:
        t = type(stmt)
        if t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            self.functions[stmt.name] = stmt  # type: ignore[union-attr]
        elif t is ast.ClassDef:
            self.classes[stmt.name] = stmt  # type: ignore[union-attr]
        elif t is ast.Import or t is ast.ImportFrom:
            self.imports.update(import_names(stmt, self.package()))  # type: ignore[arg-type]
        elif t is ast.If or t is ast.Try:  # `try: import x except ImportError: ...`
            for child in stmt.body:  # type: ignore[attr-defined]
                self._index(child)

    def __repr__(self) -> str:
        return f"<module {self.name or self.display}>"

    def package(self) -> str:
        if self.is_package:
            return self.name
        return self.name.rpartition(".")[0]

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            self._positions = Positions(self.text)
        return self._positions


def import_names(node: ast.Import | ast.ImportFrom, package: str) -> dict[str, str]:
    """Local name -> dotted target for one import statement (relative ones made absolute)."""
    out: dict[str, str] = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            full = alias.name
            if alias.asname is not None:
                out[alias.asname] = full
            else:
                head = full.split(".")[0]
                out[head] = head
        return out
    base = node.module or ""
    if node.level:
        level = node.level
        parts = package.split(".") if package else []
        if level - 1 > len(parts):
            return out
        parts = parts[: len(parts) - (level - 1)]
        base = ".".join([*parts, base] if base else parts)
    for alias in node.names:
        if alias.name == "*":
            return out
        local = alias.asname or alias.name
        out[local] = f"{base}.{alias.name}" if base else alias.name
    return out


def dotted(node: ast.expr | None) -> str:
    if type(node) is ast.Name:
        return node.id
    if type(node) is ast.Attribute:
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def _shown(path: Path) -> str:
    """A path as users see it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


def find_root(path: Path, config_root: Path | None, dirs: _DirCache | None = None) -> Path:
    """The project root: the config root when it contains the file, else the nearest directory
    upward that has a pyproject.toml or is not a package."""
    dirs = dirs or _DirCache()
    path = dirs.real(path)
    if config_root is not None:
        try:
            path.relative_to(config_root)
            return config_root
        except ValueError:
            pass
    return dirs.package(path.parent)[2]


def module_name(path: Path, dirs: _DirCache | None = None) -> tuple[str, Path]:
    """(dotted name, import base directory) for a file, from the packages around it."""
    dirs = dirs or _DirCache()
    path = dirs.real(path)
    parts, base, _ = dirs.package(path.parent)
    if path.name != "__init__.py":
        parts = (*parts, path.stem)
    return ".".join(parts), base


class _DirCache:
    """What the directories of a run say about packages, looked up once per directory."""

    def __init__(self) -> None:
        self._seen: dict[Path, tuple[tuple[str, ...], Path, Path]] = {}
        self._markers: dict[Path, tuple[Path, ...]] = {}
        self._real: dict[Path, Path] = {}

    def real(self, path: Path) -> Path:
        """`path.resolve()`, with each directory resolved once (a file of its own is only
        looked at to see whether it is a symlink)."""
        folder = self._real.get(path.parent)
        if folder is None:
            folder = self._real[path.parent] = path.parent.resolve()
        if path.is_symlink():
            return path.resolve()
        return folder / path.name

    def package(self, d: Path) -> tuple[tuple[str, ...], Path, Path]:
        """For a resolved directory: (package names down to it, the import base above the
        packages, the nearest package directory upward with a pyproject.toml, else the base)."""
        hit = self._seen.get(d)
        if hit is None:
            if (d / "__init__.py").is_file() and d.parent != d:
                parts, base, root = self.package(d.parent)
                if (d / "pyproject.toml").is_file():
                    root = d  # nearer than any found above
                hit = ((*parts, d.name), base, root)
                above = self._markers[d.parent]
                self._markers[d] = (d / "__init__.py", d / "pyproject.toml", *above)
            else:
                hit = ((), d, d)
                self._markers[d] = (d / "__init__.py",)
            self._seen[d] = hit
        return hit

    def markers(self, d: Path) -> tuple[Path, ...]:
        """The files whose presence `package(d)` depended on (`__init__.py`, pyproject.toml)."""
        self.package(d)
        return self._markers[d]


# (the module found and the attribute left over, or None; the files whose presence decided it)
_Resolution = tuple["tuple[ModuleInfo, str] | None", tuple[Path, ...]]


class Project:
    """Parsed modules of one project, read on demand and cached for the run."""

    def __init__(self, config_root: Path | None = None) -> None:
        self.config_root = config_root.resolve() if config_root else None
        self._cache: dict[Path, ModuleInfo | None] = {}
        self._resolved: dict[tuple[str, Path], _Resolution] = {}
        self._roots: dict[Path, tuple[Path, Path, tuple[Path, ...]]] = {}
        self._dirs = _DirCache()
        self._found: dict[tuple[str, Path, Path], _Resolution] = {}
        self._allowance = HELPER_BYTES_PER_FILE
        self._over_allowance = False
        # the files the result for the current file depends on (result cache dependencies): the
        # project modules it resolved, and every other file whose presence decided where an
        # import led (the candidates tried before it, the package markers around the importer);
        # a candidate is kept as the path tried, so that a symlink led elsewhere shows
        self.touched: set[Path] = set()
        # why the analysis of the current file stopped early, if it did (the result is partial)
        self.stopped: str | None = None

    def real(self, path: Path) -> Path:
        """`path.resolve()`, each directory resolved once per run."""
        return self._dirs.real(path)

    def module_for(
        self,
        data_text: str,
        tree: ast.Module,
        path: Path | None,
        display: str,
    ) -> ModuleInfo:
        """The ModuleInfo of the file being checked (already parsed by the caller)."""
        name, is_pkg = "", False
        if path is not None:
            name, _ = module_name(path, self._dirs)
            is_pkg = path.name == "__init__.py"
        # Not kept in the helper cache: holding every checked tree for the whole run costs memory
        # and garbage-collector time; a checked file that another one imports is parsed again.
        info = ModuleInfo(name, path, display, data_text, tree, is_pkg)
        self._allowance = HELPER_BYTES_PER_FILE
        self.touched = set()
        return info

    def resolve(self, dotted_name: str, origin: ModuleInfo) -> tuple[ModuleInfo, str] | None:
        """The project module that defines dotted_name, and the attribute left over ("" for
        the module itself). None when it is outside the project (stdlib, third party)."""
        if origin.path is None:
            return None
        key = (dotted_name, origin.path)
        resolution = self._resolved.get(key)
        if resolution is None:
            if origin.path not in self._roots:
                real = self._dirs.real(origin.path)
                self._roots[origin.path] = (
                    find_root(origin.path, self.config_root, self._dirs),
                    module_name(origin.path, self._dirs)[1],
                    self._dirs.markers(real.parent),
                )
            root, base, markers = self._roots[origin.path]
            found, tried = self._find(dotted_name, root, base)
            resolution = self._resolved[key] = (found, (*tried, *markers))
        found, tried = resolution
        self.touched.update(tried)
        if found is not None and found[0].path is not None:
            self.touched.add(found[0].path)
        return found

    def _find(self, dotted_name: str, root: Path, base: Path) -> _Resolution:
        key = (dotted_name, root, base)  # files of one package share their import bases
        if key in self._found:
            return self._found[key]
        self._over_allowance = False
        tried: list[Path] = []
        found = self._search(dotted_name, root, base, tried)
        resolution = (found, tuple(tried))
        if found is not None or not self._over_allowance:  # a skipped helper may load later
            self._found[key] = resolution
        return resolution

    def _search(
        self, dotted_name: str, root: Path, base: Path, tried: list[Path]
    ) -> tuple[ModuleInfo, str] | None:
        parts = dotted_name.split(".")
        for n in range(len(parts), 0, -1):
            mod_parts, rest = parts[:n], ".".join(parts[n:])
            for b in dict.fromkeys((base, root, root / "src")):
                info = self._load(b, mod_parts, root, tried)
                if info is not None:
                    return info, rest
        return None

    def _load(
        self, base: Path, parts: list[str], root: Path, tried: list[Path]
    ) -> ModuleInfo | None:
        rel = Path(*parts)
        for cand, is_pkg in (
            (base / rel.with_suffix(".py"), False),
            (base / rel / "__init__.py", True),
        ):
            tried.append(cand)
            try:
                real = self._dirs.real(cand)
                real.relative_to(root)
            except (ValueError, OSError):
                continue
            if real in self._cache:
                return self._cache[real]
            if not real.is_file():
                continue
            try:
                size = real.stat().st_size
                if size > MAX_HELPER_SIZE or size > self._allowance:
                    self._over_allowance = size <= MAX_HELPER_SIZE
                    continue  # too big, or this file has read enough helpers: stays unknown
                self._allowance -= size
                self._cache[real] = None  # a module that fails to load stays unknown
                text = decode(read_regular(real, size))  # a FIFO swapped in, or grown: unknown
                tree = parse(text)
            except (OSError, SourceError):
                continue
            info = ModuleInfo(".".join(parts), real, _shown(cand), text, tree, is_pkg)
            self._cache[real] = info
            return info
        return None
