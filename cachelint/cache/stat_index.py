"""Stat index: a warm run neither reads nor hashes a file whose stat signature is unchanged.

It sits in front of the content-keyed result cache (`results.py`), like git's index or
ruff's cache. The index of one cachelint version, resolved configuration, working directory and
config root maps each checked file (by the path shown in reports) to the signature it had when it
was last read (size, mtime, inode, ctime), the digest of the content read then, and the outcome:
skipped by the prefilter, clean with nothing else to validate, or "in the result cache" (findings,
or helper modules whose content must still be checked).

Racy clean, as in git: a file changed again within the timestamp granularity of its last change
can keep its signature. So a signature is only recorded when the file's last change (mtime and
ctime) is older, by more than that granularity, than the moment the signature was taken;
otherwise the next run reads the file again (see `settled`).

The index is split in shards by folder, so that a run on a few files (pre-commit) reads and
writes a few small files, not the index of the whole tree. A walk first looks at folder summaries
(one small file): a digest of the names and signatures of all the files a folder held, recorded
when all of them were skipped or clean and settled. A folder whose files still give that digest
is settled with one stat per file and no per-file look-ups; the shards are read only for the
folders that changed. Shards are written atomically and only
when something in them changed; a corrupt or foreign shard is ignored; concurrent runs each merge
their entries over what is on disk (last writer wins).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence, Set
from functools import cache
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

import orjson

from cachelint.cache.folder import CacheFolder
from cachelint.cache.results import digest, storable

FORMAT = 2  # of the shards and summaries: another is ignored (2: records read as typed tuples)
# A timestamp with sub-second digits comes from a filesystem that keeps them: its tick is the
# kernel's clock tick (at most 10 ms), which this margin covers ten times over. A whole second may
# come from a filesystem with 1 s (HFS+, ext4 with small inodes) or 2 s (FAT) ticks.
RACY_MARGIN_NS = 100_000_000
RACY_MARGIN_WHOLE_SECONDS_NS = 2_000_000_000
MAX_ENTRIES = 200_000  # entries of files not seen by the run are dropped beyond this
MAX_FOLDERS = 50_000  # folder summaries, folder listings
SHARDS = 64

# outcomes
SKIPPED = "s"  # not worth parsing (walked files only; a file named explicitly is always checked)
CLEAN = "c"  # no findings and no dependencies
CACHED = "r"  # look the content digest up in the result cache


class Entry(NamedTuple):
    """What the index knows of a file (kept on disk as a list of these fields, in order)."""

    size: int
    mtime_ns: int | None  # None: changed too recently for the signature to prove anything
    inode: int
    ctime_ns: int
    outcome: str  # SKIPPED, CLEAN or CACHED
    content: str  # digest of the content read ("" when skipped)

    @property
    def signature(self) -> Signature:
        return Signature(self.size, self.mtime_ns or 0, self.inode, self.ctime_ns)


class Signature(NamedTuple):
    """The stat fields of a file that change whenever its content can have changed."""

    size: int
    mtime_ns: int
    inode: int
    ctime_ns: int


class FolderSummary(NamedTuple):
    """A walked folder whose files were all skipped or clean, and settled."""

    digest: str  # of the names and signatures of its files (`folder_digest`)
    outcomes: str  # the outcome of each file, in walk order (SKIPPED or CLEAN)


class Listing(NamedTuple):
    """What a walk kept of a folder, and the folder's signature then."""

    signature: list[int]  # mtime_ns, ctime_ns, inode
    files: list[str]
    subdirs: list[str]


R = TypeVar("R", bound=tuple[Any, ...])  # a record type (FolderSummary, Listing)
_tuple = tuple.__new__  # a record from its on-disk list without a Python call per record


def _entries(raw: dict[str, Any]) -> dict[str, Entry]:
    """The well-formed entries of a shard read from disk."""
    return {d: _tuple(Entry, e) for d, e in raw.items() if type(e) is list and len(e) == 6}


def settled(stamp_ns: int, taken_ns: int) -> bool:
    """Whether a change stamped `stamp_ns` lies far enough before `taken_ns` that any later
    change gets another stamp."""
    whole = stamp_ns % 1_000_000_000 == 0
    return stamp_ns < taken_ns - (RACY_MARGIN_WHOLE_SECONDS_NS if whole else RACY_MARGIN_NS)


def entry(st: os.stat_result, taken_ns: int, outcome: str, content: str) -> Entry:
    """The entry for a file whose stat `st` was taken at `taken_ns`, before reading it. When the
    file changed too recently for its signature to prove it unchanged later, the mtime is left
    out: the next run reads the file again and compares the content digest."""
    mtime = st.st_mtime_ns
    kept = mtime if settled(mtime, taken_ns) and settled(st.st_ctime_ns, taken_ns) else None
    return Entry(st.st_size, kept, st.st_ino, st.st_ctime_ns, outcome, content)


def unchanged(e: Entry, st: os.stat_result) -> bool:
    return (
        e.mtime_ns == st.st_mtime_ns
        and e.size == st.st_size
        and e.ctime_ns == st.st_ctime_ns
        and e.inode == st.st_ino
    )


def index_path(space: Path, cwd: Path, root: Path) -> Path:
    """The folder of the index. Reported paths are relative to the working directory and
    per-file ignores to the config root, so each pair of them has its own index."""
    key = digest(os.fsencode(f"{cwd}\0{root}"))[:16]
    return space / f"stat-{key}"


def shard_of(display: str) -> int:
    """Files of one folder share a shard."""
    return _shard_of_folder(display.rpartition("/")[0], SHARDS)


@cache
def _shard_of_folder(folder: str, shards: int) -> int:
    return int(digest(os.fsencode(folder))[:8], 16) % shards


def folder_digest(displays: list[str], signatures: Sequence[tuple[int, int, int, int]]) -> str:
    """Names by their digest; signatures by CPython's tuple hash, which is the same in every
    process for integers (only str and bytes hashes are salted) and costs no formatting."""
    return f"{digest(os.fsencode(chr(0).join(displays)))[:32]}:{hash(tuple(signatures)):x}"


class StatIndex:
    """The shards holding `displays` (all of them when None), read when first needed and
    merged in `entries`, and, for a walk (`displays` None), the folder summaries."""

    def __init__(self, store: CacheFolder, folder: Path, displays: list[str] | None = None) -> None:
        self.store = store
        self.folder = folder
        self._wanted = (
            range(SHARDS) if displays is None else sorted({shard_of(d) for d in displays})
        )
        self._shards: dict[int, _Shard] = {}
        self._entries: dict[str, Entry] = {}
        self._changes: dict[str, Entry] = {}
        self._folders = (
            _Records(store, folder / "folders.summary", "folders", FolderSummary)
            if displays is None
            else None
        )
        self.folders: dict[str, FolderSummary] = self._folders.entries if self._folders else {}

    @property
    def entries(self) -> dict[str, Entry]:
        """The entries of every shard (all are read)."""
        self._read_shards(self._wanted)
        return self._entries

    @property
    def shards_read(self) -> bool:
        """Whether any shard was read (else `save` needs no list of the files seen)."""
        return bool(self._shards)

    def load(self, displays: list[str]) -> dict[str, Entry]:
        """The entries, with at least the shards holding `displays` read."""
        self._read_shards({shard_of(d) for d in displays})
        return self._entries

    def _read_shards(self, numbers: Iterable[int]) -> None:
        for n in numbers:
            if n not in self._shards:
                shard = self._shards[n] = _Shard(self.store, self._shard_path(n))
                for d, e in shard.entries.items():
                    self._entries.setdefault(d, e)

    def get(self, display: str) -> Entry | None:
        """What the index knows of a file: this run's entry, else the one on disk."""
        return self._changes.get(display) or self.load([display]).get(display)

    def record(self, display: str, e: Entry) -> None:
        """What this run learned about a file."""
        if storable(display) and self.load([display]).get(display) != e:
            self._changes[display] = e

    def summarise(self, folder: str, displays: list[str]) -> None:
        """Record the summary of a walked folder from its files' entries, when each of them is
        settled and skipped or clean (else forget any summary it had)."""
        if self._folders is None:
            return
        kinds, signatures = [], []
        for d in displays:
            e = self.get(d)
            if e is None or e.mtime_ns is None or e.outcome not in (SKIPPED, CLEAN):
                self._folders.change(folder, None)
                return
            kinds.append(e.outcome)
            signatures.append(e.signature)
        self._folders.change(
            folder, FolderSummary(folder_digest(displays, signatures), "".join(kinds))
        )

    def save(self, seen: Set[str], tops: list[str]) -> None:
        """Write the shards this run changed, merged over what is on disk (another run may have
        written them since), less the entries under the walked folders `tops` of files the walk
        did not find (deleted, renamed or now excluded); beyond MAX_ENTRIES, the oldest entries
        of files this run did not see go. Nothing is written when nothing changed."""
        if self._folders is not None:
            self._folders.save()
        # (shards not read hold only folders settled by their summary: nothing to forget there)
        dirty: dict[int, dict[str, Entry | None]] = {}
        for d, e in self._changes.items():
            dirty.setdefault(shard_of(d), {})[d] = e
        if tops and not self._entries.keys() <= seen:
            for d in self._entries:
                if d not in seen and any(_under(d, t) for t in tops):
                    dirty.setdefault(shard_of(d), {})[d] = None
        for n, changes in dirty.items():
            if n in self._shards:
                self._shards[n].save(changes, seen)

    def _shard_path(self, n: int) -> Path:
        return self.folder / f"{n:02x}.index"


class _Shard:
    def __init__(self, store: CacheFolder, path: Path) -> None:
        self.store, self.path = store, path
        self._stamp = _stamp(path)
        self.entries = _entries(_read(store, path))

    def save(self, changes: dict[str, Entry | None], seen: Set[str]) -> None:
        merged = dict(
            self.entries
            if _stamp(self.path) == self._stamp
            else _entries(_read(self.store, self.path))
        )
        for d, e in changes.items():
            if e is None:
                merged.pop(d, None)
            else:
                merged[d] = e
        limit = MAX_ENTRIES // SHARDS
        if len(merged) > limit:
            unseen = [d for d in merged if d not in seen]
            for d in unseen[: len(merged) - limit]:
                del merged[d]
        doc = {"format": FORMAT, "entries": merged}
        self.store.write(self.path, orjson.dumps(doc, default=list))  # records as lists


class _Records(Generic[R]):
    """One small file of per-folder records (folder summaries, folder listings), saved merged
    over what is on disk (another run may have written it since); beyond MAX_FOLDERS, the
    records this run did not write go first."""

    def __init__(self, store: CacheFolder, path: Path, key: str, kind: type[R]) -> None:
        self.cache, self.path, self._key, self._kind = store, path, key, kind
        self._stamp = _stamp(path)
        self.entries: dict[str, R] = self._read()
        self._changes: dict[str, R | None] = {}

    def _read(self) -> dict[str, R]:
        """The well-formed records on disk (each kept as a list of its fields)."""
        size = len(self._kind._fields)  # type: ignore[attr-defined]
        return {
            folder: _tuple(self._kind, r)
            for folder, r in _read(self.cache, self.path, self._key).items()
            if type(r) is list and len(r) == size
        }

    def change(self, folder: str, record: R | None) -> None:
        """Set (or, with None, forget) the record of a folder."""
        if record is not None and not storable(" ".join(_strings(record))):
            record = None  # a name that is not UTF-8 cannot be written: the folder is not kept
        if storable(folder) and self.entries.get(folder) != record:
            self._changes[folder] = record

    def save(self) -> None:
        if not self._changes:
            return
        merged = dict(self.entries if _stamp(self.path) == self._stamp else self._read())
        for folder, record in self._changes.items():
            if record is None:
                merged.pop(folder, None)
            else:
                merged[folder] = record
        if len(merged) > MAX_FOLDERS:
            for d in [d for d in merged if d not in self._changes][: len(merged) - MAX_FOLDERS]:
                del merged[d]
        doc = {"format": FORMAT, self._key: merged}
        self.cache.write(self.path, orjson.dumps(doc, default=list))  # records as lists


class Listings(_Records[Listing]):
    """Folder listings of walks: for each folder, its signature (mtime, ctime, inode) and the
    names of the files and subfolders the walk kept there. A folder whose signature is
    unchanged has the same entries (creating, deleting or renaming an entry changes its
    mtime), so the walk need not list it again; as for files, a signature is only trusted when
    the folder's last change is settled."""

    def __init__(self, store: CacheFolder, path: Path) -> None:
        super().__init__(store, path, "listings", Listing)
        self._signatures: dict[str, list[int]] = {}  # folders to store after listing them

    def lookup(self, directory: str) -> tuple[list[str], list[str]] | None:
        taken = time.time_ns()
        try:
            st = os.stat(directory)
        except OSError:
            return None
        sig = [st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        hit = self.entries.get(directory)
        if hit is not None and hit.signature == sig:
            return hit.files, hit.subdirs
        if settled(st.st_mtime_ns, taken) and settled(st.st_ctime_ns, taken):
            self._signatures[directory] = sig
        return None

    def store(self, directory: str, files: list[str], subdirs: list[str]) -> None:
        sig = self._signatures.pop(directory, None)
        if sig is not None:
            self.change(directory, Listing(sig, files, subdirs))


def _strings(record: Iterable[object]) -> list[str]:
    """The strings of a folder record (names, digests), nested lists flattened."""
    out: list[str] = []
    for item in record:
        if type(item) is str:
            out.append(item)
        elif isinstance(item, list):
            out += _strings(item)
    return out


def _under(display: str, top: str) -> bool:
    if top == ".":
        return not display.startswith(("../", "/"))
    return display.startswith(top.rstrip("/") + "/")


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _read(store: CacheFolder, path: Path, key: str = "entries") -> dict[str, Any]:
    data = store.read(path)
    if data is None:
        return {}
    try:
        doc = orjson.loads(data)
    except ValueError:
        return {}
    if type(doc) is not dict or doc.get("format") != FORMAT or type(doc.get(key)) is not dict:
        return {}
    return doc[key]
