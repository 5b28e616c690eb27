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
from io import BytesIO, StringIO
from pathlib import Path

import libcst as cst

from cachelint.python.native import trusted_parse
from cachelint.python.positions import Positions, statement_lines
from cachelint.python.selection import Selection, select

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


# CPython's own limit on nested brackets: valid code never goes deeper.
MAX_BRACKET_DEPTH = 200
MAX_CHAIN = 400  # calls, subscripts and attributes applied one after another
_TOO_DEEP = "syntax error: the file is nested too deeply to parse"


# Shorter texts cannot nest deep enough to hurt libcst (over a thousand levels), nor hold a chain
# of MAX_CHAIN links: CPython's pre-parse is skipped for them.
SMALL_TEXT = 1000


def parse(text: str) -> tuple[cst.Module, list[int] | None]:
    """The libcst tree, and the line of each top-level statement when CPython parsed the text
    first (it does for all but small texts, and can refuse code newer than itself)."""
    checked = _check_depth(text) if len(text) >= SMALL_TEXT else None
    return _libcst(text, text), statement_lines(checked) if checked else None


def parse_checked(text: str) -> tuple[cst.Module, list[int] | None, Selection | None]:
    """`parse` for a file being checked: when CPython parsed it, libcst parses only the
    top-level statements that can matter (python/selection.py); the Selection says where they
    are in the text."""
    checked = _check_depth(text) if len(text) >= SMALL_TEXT else None
    if checked is None:
        return _libcst(text, text), None, None
    try:
        chosen = select(text, checked)
    except RecursionError:  # a very deep expression: parse it all
        chosen = None
    if chosen is None:
        return _libcst(text, text), statement_lines(checked), None
    return _libcst(chosen.text, text, chosen.line_map), chosen.statement_lines, chosen


def _libcst(parsed: str, text: str, line_map: list[int] | None = None) -> cst.Module:
    try:
        return trusted_parse(parsed)
    except cst.ParserSyntaxError as e:
        try:  # Python's own parser points at the offending token more precisely
            ast.parse(text)
        except SyntaxError as py:
            if py.lineno:
                raise SourceError(f"syntax error: {py.msg}", py.lineno, py.offset or 1) from None
        except (ValueError, RecursionError, MemoryError):
            pass
        msg = str(e.message).removeprefix("parser error: ")
        line = e.raw_line
        if line_map and 0 < line <= len(line_map):
            line = line_map[line - 1]
        raise SourceError(f"syntax error: {msg}", line, e.raw_column + 1) from None
    except (RecursionError, MemoryError):
        raise SourceError(_TOO_DEEP) from None


def _check_depth(text: str) -> ast.Module | None:
    """Refuse code nested deeper than CPython accepts before libcst sees it: libcst's native
    parser overflows the C stack (a segfault, not an exception) on a few thousand levels.
    Returns CPython's tree when it parses the text."""
    try:
        with warnings.catch_warnings():  # e.g. invalid escape sequences: not ours to report
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (RecursionError, MemoryError):
        raise SourceError(_TOO_DEEP) from None
    except SyntaxError as e:
        if "too many nested" in str(e.msg):
            raise SourceError(f"syntax error: {e.msg}", e.lineno or 1, e.offset or 1) from None
        _check_brackets(text)  # CPython stopped early (or is older than the code): scan on
    except ValueError:  # NUL bytes: libcst reports them
        _check_brackets(text)
    else:
        if sum(text.count(c) for c in ".([") > MAX_CHAIN:
            _check_chains(tree)
        return tree
    return None


def _check_chains(tree: ast.Module) -> None:
    """libcst parses chains such as x[0][0]... or f()()... in time that grows with the cube of
    their length (seconds at a thousand links): refuse absurdly long ones."""
    length: dict[int, int] = {}
    for node in reversed(list(ast.walk(tree))):  # children before their parents
        inner = getattr(node, "func", None) if isinstance(node, ast.Call) else None
        if isinstance(node, ast.Attribute | ast.Subscript):
            inner = node.value
        if inner is None:
            continue
        n = length[id(node)] = length.get(id(inner), 0) + 1
        if n > MAX_CHAIN:
            raise SourceError(
                f"cannot analyse: a chain of more than {MAX_CHAIN} calls, subscripts or attributes",
                node.lineno,
                node.col_offset + 1,
            )


def _check_brackets(text: str) -> None:
    depth = 0
    try:
        for tok in tokenize.generate_tokens(StringIO(text).readline):
            if tok.type != tokenize.OP:
                continue
            if tok.string in "([{":
                depth += 1
                if depth > MAX_BRACKET_DEPTH:
                    raise SourceError(
                        "syntax error: too many nested parentheses", tok.start[0], tok.start[1] + 1
                    )
            elif tok.string in ")]}":
                depth = max(0, depth - 1)
    except (tokenize.TokenError, SyntaxError):
        pass  # libcst reports the syntax error


@dataclass(eq=False, repr=False)
class ModuleInfo:
    """One parsed module and its top-level names."""

    name: str  # dotted module name relative to its import base ("" for a lone script)
    path: Path | None
    display: str
    text: str
    tree: cst.Module
    is_package: bool = False
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted target
    statement_lines: list[int] | None = None  # from CPython's parse, for positions
    selection: Selection | None = None  # the statements libcst parsed, when not all
    _positions: Positions | None = None

    def __post_init__(self) -> None:
        for stmt in self.tree.body:
            self._index(stmt)

    def _index(self, stmt: cst.CSTNode) -> None:
        if isinstance(stmt, cst.FunctionDef):
            self.functions[stmt.name.value] = stmt
        elif isinstance(stmt, cst.ClassDef):
            self.classes[stmt.name.value] = stmt
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import | cst.ImportFrom):
                    self.imports.update(import_names(small, self.package()))
        elif isinstance(stmt, cst.If | cst.Try):  # `try: import x except ImportError: ...`
            for child in stmt.body.body if hasattr(stmt.body, "body") else ():
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
            sel = self.selection
            self._positions = Positions(
                self.tree,
                sel.text if sel else self.text,
                self.statement_lines,
                line_map=sel.line_map if sel else None,
                original=self.text,
            )
        return self._positions


def import_names(node: cst.Import | cst.ImportFrom, package: str) -> dict[str, str]:
    """Local name -> dotted target for one import statement (relative ones made absolute)."""
    out: dict[str, str] = {}
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                out[alias.asname.name.value] = full
            else:
                head = full.split(".")[0]
                out[head] = head
        return out
    base = dotted(node.module) if node.module is not None else ""
    if node.relative:
        level = len(node.relative)
        parts = package.split(".") if package else []
        if level - 1 > len(parts):
            return out
        parts = parts[: len(parts) - (level - 1)]
        base = ".".join([*parts, base] if base else parts)
    if isinstance(node.names, cst.ImportStar):
        return out
    for alias in node.names:
        name = dotted(alias.name)
        local = (
            alias.asname.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
            else name
        )
        out[local] = f"{base}.{name}" if base else name
    return out


def dotted(node: cst.BaseExpression | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
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
    path = path.resolve()
    if config_root is not None:
        try:
            path.relative_to(config_root)
            return config_root
        except ValueError:
            pass
    return (dirs or _DirCache()).package(path.parent)[2]


def module_name(path: Path, dirs: _DirCache | None = None) -> tuple[str, Path]:
    """(dotted name, import base directory) for a file, from the packages around it."""
    path = path.resolve()
    parts, base, _ = (dirs or _DirCache()).package(path.parent)
    if path.name != "__init__.py":
        parts = (*parts, path.stem)
    return ".".join(parts), base


class _DirCache:
    """What the directories of a run say about packages, looked up once per directory."""

    def __init__(self) -> None:
        self._seen: dict[Path, tuple[tuple[str, ...], Path, Path]] = {}

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
            else:
                hit = ((), d, d)
            self._seen[d] = hit
        return hit


class Project:
    """Parsed modules of one project, read on demand and cached for the run."""

    def __init__(self, config_root: Path | None = None) -> None:
        self.config_root = config_root.resolve() if config_root else None
        self._cache: dict[Path, ModuleInfo | None] = {}
        self._resolved: dict[tuple[str, Path], tuple[ModuleInfo, str] | None] = {}
        self._roots: dict[Path, tuple[Path, Path]] = {}
        self._dirs = _DirCache()
        self._found: dict[tuple[str, Path, Path], tuple[ModuleInfo, str] | None] = {}
        self._allowance = HELPER_BYTES_PER_FILE
        self._over_allowance = False
        # project modules resolved while checking the current file (result cache dependencies)
        self.touched: set[Path] = set()
        # why the analysis of the current file stopped early, if it did (the result is partial)
        self.stopped: str | None = None

    def module_for(
        self,
        data_text: str,
        tree: cst.Module,
        path: Path | None,
        display: str,
        lines: list[int] | None = None,
        selection: Selection | None = None,
    ) -> ModuleInfo:
        """The ModuleInfo of the file being checked (already parsed by the caller)."""
        name, is_pkg = "", False
        if path is not None:
            name, _ = module_name(path, self._dirs)
            is_pkg = path.name == "__init__.py"
        # Not kept in the helper cache: holding every checked tree for the whole run costs memory
        # and garbage-collector time; a checked file that another one imports is parsed again.
        info = ModuleInfo(
            name,
            path,
            display,
            data_text,
            tree,
            is_pkg,
            statement_lines=lines,
            selection=selection,
        )
        self._allowance = HELPER_BYTES_PER_FILE
        self.touched = set()
        return info

    def resolve(self, dotted_name: str, origin: ModuleInfo) -> tuple[ModuleInfo, str] | None:
        """The project module that defines dotted_name, and the attribute left over ("" for
        the module itself). None when it is outside the project (stdlib, third party)."""
        if origin.path is None:
            return None
        key = (dotted_name, origin.path)
        if key in self._resolved:
            found = self._resolved[key]
            if found is not None and found[0].path is not None:
                self.touched.add(found[0].path)
            return found
        if origin.path not in self._roots:
            self._roots[origin.path] = (
                find_root(origin.path, self.config_root, self._dirs),
                module_name(origin.path, self._dirs)[1],
            )
        root, base = self._roots[origin.path]
        found = self._find(dotted_name, root, base)
        self._resolved[key] = found
        if found is not None and found[0].path is not None:
            self.touched.add(found[0].path)
        return found

    def _find(self, dotted_name: str, root: Path, base: Path) -> tuple[ModuleInfo, str] | None:
        key = (dotted_name, root, base)  # files of one package share their import bases
        if key in self._found:
            return self._found[key]
        self._over_allowance = False
        found = self._search(dotted_name, root, base)
        if found is not None or not self._over_allowance:  # a skipped helper may load later
            self._found[key] = found
        return found

    def _search(self, dotted_name: str, root: Path, base: Path) -> tuple[ModuleInfo, str] | None:
        parts = dotted_name.split(".")
        for n in range(len(parts), 0, -1):
            mod_parts, rest = parts[:n], ".".join(parts[n:])
            for b in dict.fromkeys((base, root, root / "src")):
                info = self._load(b, mod_parts, root)
                if info is not None:
                    return info, rest
        return None

    def _load(self, base: Path, parts: list[str], root: Path) -> ModuleInfo | None:
        rel = Path(*parts)
        for cand, is_pkg in (
            (base / rel.with_suffix(".py"), False),
            (base / rel / "__init__.py", True),
        ):
            try:
                real = cand.resolve()
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
                text = decode(real.read_bytes())
                tree, lines = parse(text)
            except (OSError, SourceError):
                continue
            info = ModuleInfo(
                ".".join(parts), real, _shown(cand), text, tree, is_pkg, statement_lines=lines
            )
            self._cache[real] = info
            return info
        return None
