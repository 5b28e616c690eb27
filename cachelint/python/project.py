"""Modules of the checked project: parsing on demand, import tables, resolving project imports.

Helper modules are read only when a checked file imports them, parsed once per run, and never
imported or executed. Imports are followed only to regular files inside the project root, and
never through a symlink that leads out of it; a symlink loop, a dangling link, a FIFO or a device
where a module would be is a module that is not available.
"""

from __future__ import annotations

import ast
import errno
import sys
import time
import tokenize
import warnings
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from cachelint.python import grammar
from cachelint.python.positions import Positions
from cachelint.reading import read_regular

MAX_HELPER_SIZE = 2 * 1024 * 1024
# helper source parsed on behalf of one checked file (by `parse_weight`), whether or not another
# file of the run had it parsed already: the findings of a file never depend on what else was
# checked before it
HELPER_BYTES_PER_FILE = 4 * 1024 * 1024


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
        tree, newer = grammar.read_newer(text)
        if tree is not None:
            return tree
        why = f"syntax error: {e.msg}"
        if newer:
            running = ".".join(map(str, sys.version_info[:2]))
            why += (
                f" (the file uses syntax newer than Python {running}, which runs cachelint, in a"
                " form cachelint cannot read there: run cachelint with the project's Python)"
            )
        raise SourceError(why, e.lineno or 1, max(e.offset or 1, 1)) from None
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
        match stmt:
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                self.functions[stmt.name] = stmt
            case ast.ClassDef():
                self.classes[stmt.name] = stmt
            case ast.Import() | ast.ImportFrom():
                self.imports.update(import_names(stmt, self.package()))
            case ast.If() | ast.Try():  # `try: import x except ImportError: ...`
                for child in stmt.body:
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
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
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
        looked at to see whether it is a symlink). OSError for a symlink loop."""
        try:
            folder = self._real.get(path.parent)
            if folder is None:
                folder = self._real[path.parent] = path.parent.resolve()
            if path.is_symlink():
                return path.resolve()
        except RuntimeError as e:  # Python < 3.13: "Symlink loop from ..."
            raise OSError(errno.ELOOP, str(e)) from None
        return folder / path.name

    def package(self, d: Path) -> tuple[tuple[str, ...], Path, Path]:
        """For a resolved directory: (package names down to it, the import base above the
        packages, the nearest package directory upward with a pyproject.toml, else the base)."""
        hit = self._seen.get(d)
        if hit is not None:
            return hit
        below: list[Path] = []  # packages from d upwards, not looked at before
        while hit is None:
            # a folder without __init__.py inside a package is a namespace portion of it
            if d.parent != d and (
                _is_file(d / "__init__.py") or _is_file(d.parent / "__init__.py")
            ):
                below.append(d)
                d = d.parent
                hit = self._seen.get(d)
            else:
                hit = self._seen[d] = ((), d, d)
                self._markers[d] = (d / "__init__.py",)
        for pkg in reversed(below):  # iterative: packages can nest deeper than the stack
            parts, base, root = hit
            if _is_file(pkg / "pyproject.toml"):
                root = pkg  # nearer than any found above
            hit = self._seen[pkg] = ((*parts, pkg.name), base, root)
            above = self._markers[pkg.parent]
            self._markers[pkg] = (pkg / "__init__.py", pkg / "pyproject.toml", *above)
        return hit

    def markers(self, d: Path) -> tuple[Path, ...]:
        """The files whose presence `package(d)` depended on (`__init__.py`, pyproject.toml)."""
        self.package(d)
        return self._markers[d]


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long, a folder that cannot be read
        return False


def read_helper(path: Path) -> bytes | None:
    """The bytes of a regular file of at most MAX_HELPER_SIZE, else None. Never opens a symlink
    (the path is resolved), and never waits on a FIFO."""
    try:
        return read_regular(path, MAX_HELPER_SIZE, follow=False)
    except OSError:
        return None


def parse_weight(data: bytes) -> int:
    """What a helper's source costs to parse, in bytes of code: comment and blank lines count a
    sixteenth (CPython parses a 1.9 MB module of comments in 12 ms, one of code in 2.4 s)."""
    code = 0
    for line in data.splitlines(keepends=True):
        text = line.lstrip()
        if text and not text.startswith(b"#"):
            code += len(line)
    return code + (len(data) - code) // 16


# Where an import led: (the module found and the attribute left over, or None; the files whose
# presence decided it; the helper files read on the way, each charged to the checked file)
_Resolution = tuple["tuple[ModuleInfo, str] | None", tuple[Path, ...], tuple[Path, ...]]
_OVER = object()  # a search stopped by the checked file's helper allowance


class Project:
    """Parsed modules of one project, read on demand and cached for the run."""

    def __init__(self, config_root: Path | None = None) -> None:
        self.config_root = config_root.resolve() if config_root else None
        self._cache: dict[Path, ModuleInfo | None] = {}  # helpers read (None: cannot be parsed)
        self._weights: dict[Path, int] = {}  # their parse_weight
        self._resolved: dict[tuple[str, Path], _Resolution] = {}
        self._roots: dict[Path, tuple[Path, Path, tuple[Path, ...]] | None] = {}
        self._dirs = _DirCache()
        self._found: dict[tuple[str, Path, Path], _Resolution] = {}
        self._allowance = HELPER_BYTES_PER_FILE
        self._charged: set[Path] = set()  # helpers the current file has paid for
        # the files the result for the current file depends on (result cache dependencies): the
        # project modules it resolved, and every other file whose presence decided where an
        # import led (the candidates tried before it, the package markers around the importer);
        # a candidate is kept as the path tried, so that a symlink led elsewhere shows
        self.touched: set[Path] = set()
        # why the analysis of the current file stopped early, if it did (the result is partial)
        self.stopped: str | None = None
        # an unexpected failure while evaluating the current file ("Type: message"): a bug
        self.error: str | None = None
        # seconds spent parsing helpers for the current file: not part of its python-timeout,
        # as a file checked after another one that used the same helpers does not spend them
        self.parse_time = 0.0
        # per helper module, once per run (reach.py): its scan, and the names of what in it
        # leads to a request or a marker
        self.scans: dict[Path | None, Any] = {}
        self.reaching: dict[tuple[Path | None, int], set[str]] = {}
        # base class name -> files with a class naming it, per project root (objects.py)
        self.base_index: dict[Path, dict[str, list[Path]]] = {}
        # files that build a prompt-caching middleware, per project root (frameworks.py)
        self.framework_files: dict[Path, list[Path]] = {}

    def real(self, path: Path) -> Path:
        """`path.resolve()`, each directory resolved once per run (the path itself when it
        cannot be resolved, as in a symlink loop)."""
        try:
            return self._dirs.real(path)
        except OSError:
            return path

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
            try:
                name, _ = module_name(path, self._dirs)
            except OSError:
                path = None  # its imports cannot be followed
            is_pkg = path is not None and path.name == "__init__.py"
        # Not kept in the helper cache: holding every checked tree for the whole run costs memory
        # and garbage-collector time; a checked file that another one imports is parsed again.
        info = ModuleInfo(name, path, display, data_text, tree, is_pkg)
        self._allowance = HELPER_BYTES_PER_FILE
        self._charged = set()
        self.touched = set()
        self.error = None
        self.parse_time = 0.0
        return info

    def resolve(self, dotted_name: str, origin: ModuleInfo) -> tuple[ModuleInfo, str] | None:
        """The project module that defines dotted_name, and the attribute left over ("" for
        the module itself). None when it is outside the project (stdlib, third party), or not
        available: unreadable, or over the checked file's helper allowance."""
        if origin.path is None:
            return None
        key = (dotted_name, origin.path)
        resolution = self._resolved.get(key)
        if resolution is None:
            roots = self._roots_of(origin.path)
            if roots is None:
                return None
            root, base, markers = roots
            found, tried, read = self._find(dotted_name, root, base)
            self.touched.update(tried, markers)
            if found is _OVER:
                return None
            resolution = self._resolved[key] = (found, (*tried, *markers), read)
        found, tried, read = resolution
        self.touched.update(tried)
        if not all(self._charge(p) for p in read):  # what finding it cost the first time
            return None
        if found is not None and found[0].path is not None:
            self.touched.add(found[0].path)
        return found

    def _roots_of(self, path: Path) -> tuple[Path, Path, tuple[Path, ...]] | None:
        """(project root, import base, package markers) for an importing file."""
        if path not in self._roots:
            try:
                real = self._dirs.real(path)
                self._roots[path] = (
                    find_root(path, self.config_root, self._dirs),
                    module_name(path, self._dirs)[1],
                    self._dirs.markers(real.parent),
                )
            except OSError:
                self._roots[path] = None
        return self._roots[path]

    def _charge(self, path: Path) -> bool:
        """Charge a helper to the checked file once; False when over its allowance."""
        if path in self._charged:
            return True
        weight = self._weights[path]
        if weight > self._allowance:
            return False
        self._allowance -= weight
        self._charged.add(path)
        return True

    def _find(self, dotted_name: str, root: Path, base: Path) -> tuple[Any, tuple, tuple]:
        key = (dotted_name, root, base)  # files of one package share their import bases
        if key in self._found:
            return self._found[key]
        tried: list[Path] = []
        read: list[Path] = []
        found = self._search(dotted_name, root, base, tried, read)
        resolution = (found, tuple(tried), tuple(read))
        if found is not _OVER:  # the allowance stopped it: another file may find more
            self._found[key] = resolution
        return resolution

    def _search(
        self, dotted_name: str, root: Path, base: Path, tried: list[Path], read: list[Path]
    ) -> Any:
        parts = dotted_name.split(".")
        for n in range(len(parts), 0, -1):
            mod_parts, rest = parts[:n], ".".join(parts[n:])
            for b in dict.fromkeys((base, root, root / "src")):
                info = self._load(b, mod_parts, root, tried, read)
                if info is _OVER:
                    return _OVER
                if info is not None:
                    return info, rest
        return None

    def _load(
        self, base: Path, parts: list[str], root: Path, tried: list[Path], read: list[Path]
    ) -> Any:
        """The module at base/parts (a file or a package), None when there is none that can
        be parsed, or _OVER when reading it would exceed the checked file's allowance."""
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
            data = None
            if real not in self._cache:
                data = read_helper(real)
                if data is None:
                    continue  # absent, not a regular file, too big or unreadable
                self._weights[real] = parse_weight(data)
            if not self._charge(real):
                return _OVER  # this file has read enough helpers: stays unknown
            read.append(real)
            if data is not None:
                start = time.thread_time()
                self._cache[real] = _parse_helper(data, real, ".".join(parts), _shown(cand), is_pkg)
                self.parse_time += time.thread_time() - start
            if self._cache[real] is not None:
                return self._cache[real]
        return None


def _parse_helper(data: bytes, path: Path, name: str, display: str, is_pkg: bool):
    try:
        text = decode(data)
        tree = parse(text)
    except SourceError:
        return None  # a module that cannot be parsed stays unknown
    return ModuleInfo(name, path, display, text, tree, is_pkg)
