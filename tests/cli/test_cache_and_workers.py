"""Result cache and worker processes change speed, never findings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cachelint.cache import stat_index
from cachelint.config import Config
from cachelint.engine import Engine, Options
from cachelint.runner import run

from conftest import ROOT, run_cli, sealed
from payloads import HELPER_TIMESTAMP_SOURCE

BAD = (ROOT / "examples" / "support_bot_request.json").read_bytes()
CLEAN = (ROOT / "examples" / "clean_request.json").read_bytes()


@pytest.fixture
def tree(tmp_path):
    """80 payload files (enough for worker processes), half with defects, in nested folders."""
    root = tmp_path / "tree"
    for i in range(80):
        d = root / f"pkg{i % 7}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"req{i:03}.json").write_bytes(BAD if i % 2 else CLEAN)
    return root


def _json(*args, cwd):
    r = run_cli("check", *args, "--format", "json", cwd=cwd)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)["findings"]


def test_same_findings_with_and_without_cache_and_workers(tree, tmp_path):
    cache = tmp_path / "cache"
    base = _json(".", "--no-cache", "-j", "1", cwd=tree)
    assert len(base) > 40
    assert _json(".", "--no-cache", "-j", "2", cwd=tree) == base
    assert _json(".", "--cache-dir", str(cache), "-j", "2", cwd=tree) == base  # cold
    assert _json(".", "--cache-dir", str(cache), "-j", "1", cwd=tree) == base  # warm
    assert _json(".", "--cache-dir", str(cache), "-j", "2", cwd=tree) == base  # warm, workers
    assert not (tree / ".cachelint_cache").exists()


def _entries(cache):
    return [p for p in cache.rglob("*") if p.is_file() and len(p.name) == 40]


def test_warm_run_reads_the_cache_and_content_changes_invalidate(tree, tmp_path):
    cache = tmp_path / "cache"
    target = tree / "pkg1" / "req001.json"
    _json(str(target), "--cache-dir", str(cache), cwd=tree)
    (entry,) = _entries(cache)
    record = json.loads(sealed(cache).read(entry))
    record["findings"][0][5] = "served from the cache"
    entry.write_text(json.dumps(record))
    got = _json(str(target), "--cache-dir", str(cache), cwd=tree)
    messages = {f["message"] for f in got}
    assert "served from the cache" not in messages, "an entry that is not sealed is a miss"
    sealed(cache).write(entry, json.dumps(record).encode())
    got = _json(str(target), "--cache-dir", str(cache), cwd=tree)
    assert "served from the cache" in {f["message"] for f in got}
    # a changed file is a different key: checked again, never the stale result
    target.write_bytes(BAD.replace(b"10:42:07", b"10:42:08"))
    got = _json(str(target), "--cache-dir", str(cache), cwd=tree)
    assert all(f["message"] != "served from the cache" for f in got)
    # other settings use another part of the cache
    got = _json(str(target), "--cache-dir", str(cache), "--select", "CL3", cwd=tree)
    assert {f["code"] for f in got} == {"CL301"}


def test_corrupt_or_unwritable_cache_is_ignored(tree, tmp_path):
    cache = tmp_path / "cache"
    base = _json(".", "--cache-dir", str(cache), cwd=tree)
    for entry in _entries(cache)[:10]:
        entry.write_bytes(b"\x00not json")
    for entry in _entries(cache)[10:20]:
        entry.write_text('{"deps": [], "findings": [["CL101"]]}')
    assert _json(".", "--cache-dir", str(cache), cwd=tree) == base
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    r = run_cli("check", ".", "--cache-dir", str(blocker / "sub"), "--format", "json", cwd=tree)
    assert r.returncode == 1 and json.loads(r.stdout)["findings"] == base


@pytest.mark.project_cache
def test_no_cache_writes_nothing_and_clean_removes_the_cache(tree):
    _json(".", "--no-cache", cwd=tree)
    assert not (tree / ".cachelint_cache").exists()
    _json(".", cwd=tree)
    cache = tree / ".cachelint_cache"
    assert (cache / "CACHEDIR.TAG").exists() and (cache / ".gitignore").read_text().endswith("*\n")
    r = run_cli("clean", cwd=tree)
    assert r.returncode == 0 and not cache.exists()
    r = run_cli("clean", cwd=tree)
    assert b"No cachelint cache" in r.stdout
    (tree / "mine").mkdir()
    (tree / "mine" / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    r = run_cli("clean", "--cache-dir", "mine", cwd=tree)
    assert (tree / "mine" / "CACHEDIR.TAG").exists(), "a folder cachelint did not make is kept"
    assert b"Not removing" in r.stdout


def test_concurrent_runs_share_one_cache(tree, tmp_path):
    cache = tmp_path / "cache"
    cmd = [
        sys.executable,
        "-m",
        "cachelint",
        "check",
        ".",
        "--format",
        "json",
        "-j",
        "1",
        "--cache-dir",
        str(cache),
    ]
    procs = [
        subprocess.Popen(cmd, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 1 for p in procs), [e for _, e in outs]
    assert len({o for o, _ in outs}) == 1
    assert not [p for p in cache.rglob(".tmp-*")], "temporary files left behind"
    assert len(_index(cache)) == 80, "the index is whole"


def _helper_project(proj: Path) -> None:
    """app.py sends a system prompt that prompts.py builds."""
    proj.mkdir(exist_ok=True)
    (proj / "prompts.py").write_text('def system():\n    return "You are a support agent."\n')
    (proj / "app.py").write_text(
        "import anthropic\nfrom prompts import system\n\nclient = anthropic.Anthropic()\n\n"
        "def ask(q):\n    return client.messages.create(\n"
        '        model="claude-sonnet-4-5", max_tokens=100,\n'
        '        system=[{"type": "text", "text": system(),\n'
        '                 "cache_control": {"type": "ephemeral"}}],\n'
        '        messages=[{"role": "user", "content": q}])\n'
    )


def _make_helper_volatile(proj: Path) -> None:
    (proj / "prompts.py").write_text(
        "import datetime\n\ndef system():\n    return f'Now: {datetime.datetime.now()}'\n"
    )


def test_a_changed_helper_module_invalidates_the_cached_result(tmp_path):
    proj = tmp_path / "proj"
    _helper_project(proj)
    cache = tmp_path / "cache"
    first = _json("app.py", "--cache-dir", str(cache), "--select", "CL3", cwd=proj)
    assert first == []
    _make_helper_volatile(proj)
    second = _json("app.py", "--cache-dir", str(cache), "--select", "CL3", cwd=proj)
    assert [f["code"] for f in second] == ["CL304"]


# The stat index: a warm run neither reads nor hashes a file whose signature is unchanged.

MARKED = (
    b'{"model": "claude-sonnet-4-5", "max_tokens": 10, "system": [{"type": "text", '
    b'"text": "Be brief.", "cache_control": {"type": "ephemeral"}}], '
    b'"messages": [{"role": "user", "content": "hi"}]}\n'
)
MISTYPED = MARKED.replace(b"ephemeral", b"ephemerax")  # same size, and a CL103


def _index_folder(cache: Path) -> Path:
    (folder,) = cache.glob("*/*/stat-*")
    return folder


def _index(cache: Path) -> dict:
    entries = {}
    for shard in _index_folder(cache).glob("*.index"):
        entries.update(json.loads(sealed(cache).read(shard))["entries"])
    return entries


def _shard(cache: Path, display: str) -> Path:
    return _index_folder(cache) / f"{stat_index.shard_of(display):02x}.index"


def _pretend_clean(cache: Path, root: Path, display: str) -> None:
    """Make the index claim, with the file's true signature, that it has no findings."""
    path = _shard(cache, display)
    doc = json.loads(sealed(cache).read(path))
    st = (root / display).stat()
    doc["entries"][display] = [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns, "c", "x"]
    sealed(cache).write(path, json.dumps(doc).encode())


def _check(root: Path, cache: Path | None, *paths: str, jobs: int = 1, select=None):
    engine = Engine(Config(root=root), Options(select=select))
    store = sealed(cache) if cache is not None else None
    return run(engine, [Path(p) for p in paths or ["."]], jobs=jobs, store=store)


def _codes(result) -> list[tuple[str, str]]:
    return [(f.path, f.code) for f in result.findings]


@pytest.fixture
def settled(monkeypatch):
    """Trust signatures as soon as they are taken: with the racy margin, every file a test just
    wrote would be read again anyway, and the index would never be exercised."""
    monkeypatch.setattr(stat_index, "RACY_MARGIN_NS", 0)
    monkeypatch.setattr(stat_index, "RACY_MARGIN_WHOLE_SECONDS_NS", 0)


def test_a_signature_taken_right_after_a_change_is_not_trusted(tmp_path):
    f = tmp_path / "a.json"
    f.write_bytes(MARKED)
    st = f.stat()
    last_change = max(st.st_mtime_ns, st.st_ctime_ns)
    racy = stat_index.entry(st, last_change + stat_index.RACY_MARGIN_NS, stat_index.CLEAN, "d")
    assert not stat_index.unchanged(racy, st), "a change within the margin could go unseen"
    later = last_change + stat_index.RACY_MARGIN_NS + 1
    assert stat_index.unchanged(stat_index.entry(st, later, stat_index.CLEAN, "d"), st)


def test_whole_second_timestamps_need_a_longer_margin(tmp_path):
    """FAT stamps changes in 2 s ticks: a file changed at 10.9 s reads 10.0 s, and may change
    again at 11.9 s and still read 10.0 s."""
    second = 1_000_000_000
    assert not stat_index.settled(10 * second, 11 * second + second // 2)
    assert stat_index.settled(10 * second, 12 * second + 1)
    assert stat_index.settled(10 * second + 1, 10 * second + second // 2)
    assert not stat_index.settled(10 * second + 1, 10 * second + second // 20)
    # the mtime set to a whole second (as on FAT), the ctime of an ordinary filesystem
    f = tmp_path / "a.json"
    f.write_bytes(MARKED)
    taken = f.stat().st_ctime_ns + stat_index.RACY_MARGIN_NS + 1
    whole = (taken // second - 1) * second
    os.utime(f, ns=(whole, whole))
    st = f.stat()
    taken = st.st_ctime_ns + stat_index.RACY_MARGIN_NS + 1
    assert stat_index.entry(st, taken, stat_index.CLEAN, "d").mtime_ns is None
    assert stat_index.entry(st, whole + 2 * second + 1, stat_index.CLEAN, "d").mtime_ns == whole


def test_a_rewrite_keeping_size_and_mtime_is_checked_again(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "cache"
    f = tmp_path / "a.json"
    f.write_bytes(MARKED)
    first = _check(tmp_path, cache)
    assert [c for _, c in _codes(first)] == ["CL201"]
    assert _index(cache)["a.json"][1] is None, "written just now: its mtime proves nothing yet"

    def rewrite(content: bytes) -> None:
        st = f.stat()
        f.write_bytes(content)
        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert f.stat().st_size == st.st_size and f.stat().st_mtime_ns == st.st_mtime_ns

    rewrite(MISTYPED)
    assert [c for _, c in _codes(_check(tmp_path, cache))] == ["CL201", "CL103"]
    # trusted signatures too: the ctime (which no tool can set back) gives the rewrite away
    monkeypatch.setattr(stat_index, "RACY_MARGIN_NS", 0)
    _check(tmp_path, cache)
    assert _index(cache)["a.json"][1] is not None
    rewrite(MARKED)
    assert [c for _, c in _codes(_check(tmp_path, cache))] == ["CL201"]


def test_unchanged_files_come_from_the_index_without_being_read(
    tree, tmp_path, monkeypatch, settled
):
    monkeypatch.chdir(tree)
    cache = tmp_path / "cache"
    base = _check(tree, None)
    assert _codes(_check(tree, cache)) == _codes(base)
    warm = _check(tree, cache)
    assert _codes(warm) == _codes(base) and warm.cache_hits == warm.files_checked == 80
    _pretend_clean(cache, tree, "pkg1/req001.json")
    assert "pkg1/req001.json" not in {p for p, _ in _codes(_check(tree, cache))}
    # a touch changes the signature: the file is read again, and its unchanged content is
    # found in the result cache (still a hit), which the index then remembers
    os.utime(tree / "pkg1" / "req001.json")
    touched = _check(tree, cache)
    assert _codes(touched) == _codes(base) and touched.cache_hits == 80
    entry = _index(cache)["pkg1/req001.json"]
    assert entry[1] == (tree / "pkg1" / "req001.json").stat().st_mtime_ns and entry[4] == "r"


def test_a_changed_helper_module_rechecks_the_files_that_use_it(tmp_path, monkeypatch, settled):
    monkeypatch.chdir(tmp_path)
    _helper_project(tmp_path)
    cache = tmp_path / "cache"
    assert _check(tmp_path, cache, select=["CL3"]).findings == []
    app = _index(cache)["app.py"]
    assert app[1] is not None and app[4] == "r", "clean and trusted, but depends on prompts.py"
    warm = _check(tmp_path, cache, select=["CL3"])
    assert warm.findings == [] and warm.cache_hits == warm.files_checked == 1
    _make_helper_volatile(tmp_path)
    assert _codes(_check(tmp_path, cache, select=["CL3"])) == [("app.py", "CL304")]


def test_a_corrupt_or_foreign_index_is_ignored(tree, tmp_path, monkeypatch, settled):
    monkeypatch.chdir(tree)
    cache = tmp_path / "cache"
    base = _codes(_check(tree, cache))
    _pretend_clean(cache, tree, "pkg1/req001.json")
    index = _shard(cache, "pkg1/req001.json")
    doctored = json.loads(sealed(cache).read(index))
    foreign = {**doctored, "format": stat_index.FORMAT + 1}
    odd = {
        "format": stat_index.FORMAT,
        "entries": {"pkg1/req001.json": "x", "pkg1/req003.json": [1]},
    }
    for content in (b"\x00not json", b"[]", json.dumps(foreign).encode(), json.dumps(odd).encode()):
        sealed(cache).write(index, content)
        assert _codes(_check(tree, cache)) == base
        assert len(_index(cache)) == 80, "rewritten whole"
    index.write_bytes(json.dumps(doctored).encode())  # the doctored index, not sealed
    assert _codes(_check(tree, cache)) == base


@pytest.mark.project_cache
def test_no_cache_ignores_the_index_and_clean_removes_it(tree, monkeypatch):
    monkeypatch.chdir(tree)
    base = _json(".", "--no-cache", cwd=tree)
    _json(".", cwd=tree)
    cache = tree / ".cachelint_cache"
    _pretend_clean(cache, tree, "pkg1/req001.json")
    assert "pkg1/req001.json" not in {f["path"] for f in _json(".", cwd=tree)}
    assert _json(".", "--no-cache", cwd=tree) == base
    assert run_cli("clean", cwd=tree).returncode == 0 and not cache.exists()
    assert _json(".", cwd=tree) == base


def test_a_file_named_explicitly_is_checked_though_the_walk_skipped_it(
    tmp_path, monkeypatch, settled
):
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "cache"
    (tmp_path / "notes.json").write_text("{not json, and no word about caching\n")
    walked = _check(tmp_path, cache)
    assert walked.files_skipped == 1 and not walked.findings
    assert _index(cache)["notes.json"][4] == "s"
    assert [c for _, c in _codes(_check(tmp_path, cache, "notes.json"))] == ["CL000"]
    assert _check(tmp_path, cache).files_skipped == 1


def test_the_index_forgets_files_the_walk_no_longer_finds(tree, tmp_path, monkeypatch):
    monkeypatch.chdir(tree)
    cache = tmp_path / "cache"
    _check(tree, cache)
    (tree / "pkg0" / "req000.json").unlink()
    _check(tree, cache, "pkg1")
    _check(tree, cache, "pkg2/req002.json")
    assert "pkg0/req000.json" in _index(cache), "pkg0 was not walked: nothing known about it"
    _check(tree, cache)
    entries = _index(cache)
    assert "pkg0/req000.json" not in entries and len(entries) == 79


def test_findings_are_the_same_from_the_index_with_any_number_of_workers(
    tmp_path, monkeypatch, settled
):
    """Python files with helper modules, payloads, and files the prefilter skips."""
    monkeypatch.chdir(tmp_path)
    for i in range(70):
        d = tmp_path / f"pkg{i % 5}"
        d.mkdir(exist_ok=True)
        (d / f"req{i:03}.json").write_bytes([BAD, CLEAN, MARKED, MISTYPED][i % 4])
        (d / f"plain{i:03}.py").write_text(f"def f{i}(x):\n    return x + {i}\n")
    shutil.copy(ROOT / "examples" / "support_bot.py", tmp_path / "bot.py")
    shutil.copy(ROOT / "examples" / "clean_bot.py", tmp_path / "clean_bot.py")
    cache = tmp_path / "cache"
    base = _check(tmp_path, None)
    assert base.files_skipped >= 70 and len(base.findings) > 40
    for jobs in (2, 1, 2):  # cold with workers, then warm
        result = _check(tmp_path, cache, jobs=jobs)
        assert result.findings == base.findings and result.files_skipped == base.files_skipped
    assert result.cache_hits == result.files_checked
    (tmp_path / "pkg4" / "req069.json").write_bytes(MISTYPED.replace(b"Be brief", b"Be short"))
    (tmp_path / "pkg3" / "plain068.py").write_text("x = 1\n")
    again = _check(tmp_path, cache, jobs=2)
    assert again.findings == _check(tmp_path, None).findings


def test_a_warm_run_imports_neither_the_rules_nor_jsonschema(tree):
    """Startup is most of a warm run: what the result cache answers needs no rule modules,
    no Python analysis, no config schema validator, no network client."""
    (tree / "cachelint.toml").write_text('exclude = [".git"]\n')
    cmd = [sys.executable, "-X", "importtime", "-m", "cachelint", "check", "."]
    for _ in range(2):
        r = subprocess.run(cmd, cwd=tree, capture_output=True, timeout=120)
    assert r.returncode == 1, r.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.decode().splitlines()}
    heavy = {
        "jsonschema",
        "cachelint.python.evaluate",
        "cachelint.checks",
        "cachelint.session",
        "urllib.request",
    }
    assert not heavy & imported, f"a warm run imported {sorted(heavy & imported)}"


def test_a_folder_another_worker_makes_at_once_is_written_into(tmp_path, monkeypatch):
    """Two workers writing their first entries make the same entry folders: the one whose mkdir
    comes second still writes (once, this lost an entry, and a warm run linted that file)."""
    from cachelint.cache import folder as folder_module
    from cachelint.cache.key import user_secret

    secret = user_secret([])
    assert secret is not None
    store = folder_module.CacheFolder.open(tmp_path / "c", secret)
    real_mkdir = os.mkdir

    def raced(path, *args, **kwargs):
        real_mkdir(path, *args, **kwargs)  # the other worker, between our lstat and mkdir
        return real_mkdir(path, *args, **kwargs)

    entry = tmp_path / "c" / "1.0" / "space" / "ab" / "abcd"
    with monkeypatch.context() as m:
        m.setattr(folder_module.os, "mkdir", raced)
        store.write(entry, b"findings")
    assert store.read(entry) == b"findings"
    assert folder_module.CacheFolder.open(tmp_path / "c", secret).read(entry) == b"findings"


@pytest.mark.project_cache
def test_a_config_is_validated_until_it_passed_and_again_when_it_changes(tmp_path):
    """Validation verdicts are remembered in the cache folder, keyed by the settings: a warm
    run skips loading the schema validator, and no invalid config ever gets through."""
    cfg = tmp_path / "cachelint.toml"
    cache = tmp_path / ".cachelint_cache"
    (tmp_path / "a.json").write_bytes(MARKED)
    cfg.write_text('ignore = ["CL3"]\n')
    for _ in range(2):
        assert run_cli("check", ".", cwd=tmp_path).returncode == 1
    assert len(list(cache.glob("*/config-*"))) == 1
    cfg.write_text('ignore = ["CL3"]\nbogus = 1\n')
    for _ in range(2):
        r = run_cli("check", ".", cwd=tmp_path)
        assert r.returncode == 2 and b"bogus" in r.stderr
    assert len(list(cache.glob("*/config-*"))) == 1, "a failure is never remembered"
    cfg.write_text("cache-dir = 5\n")
    r = run_cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and b"cache-dir" in r.stderr and b"Traceback" not in r.stderr
    shutil.rmtree(cache)
    cfg.write_text('ignore = ["CL3"]\n')
    assert run_cli("check", ".", "--no-cache", cwd=tmp_path).returncode == 1
    assert not cache.exists()


def test_the_index_is_bounded_by_dropping_the_oldest_entries_of_unseen_files(
    tree, tmp_path, monkeypatch
):
    monkeypatch.chdir(tree)
    monkeypatch.setattr(stat_index, "SHARDS", 1)
    monkeypatch.setattr(stat_index, "MAX_ENTRIES", 20)
    cache = tmp_path / "cache"
    _check(tree, cache, "pkg0")
    _check(tree, cache, "pkg1")
    entries = _index(cache)
    assert len(entries) == 20
    assert sum(d.startswith("pkg1/") for d in entries) == 12, "what the run saw is kept"
    _check(tree, cache)
    assert len(_index(cache)) == 80, "a run keeps the entries of every file it saw"


def test_a_run_on_named_files_touches_only_their_shards(tree, tmp_path, monkeypatch, settled):
    """pre-commit passes the changed files: the index of the rest of the tree is neither read
    nor written."""
    monkeypatch.chdir(tree)
    cache = tmp_path / "cache"
    _check(tree, cache)
    shards = {p: p.stat().st_mtime_ns for p in _index_folder(cache).glob("*.index")}
    assert len(shards) > 3
    changed = tree / "pkg3" / "req003.json"
    changed.write_bytes(changed.read_bytes().replace(b"10:42:07", b"10:42:08"))
    got = _check(tree, cache, "pkg3/req003.json", "pkg5/req005.json")
    assert got.files_checked == 2 and got.cache_hits == 1
    rewritten = {p for p, t in shards.items() if p.stat().st_mtime_ns != t}
    assert rewritten == {_shard(cache, "pkg3/req003.json")}
    assert len(_index(cache)) == 80
    assert _codes(_check(tree, cache)) == _codes(_check(tree, None))


# Folder summaries: a walked folder whose files all keep their signatures is settled without
# reading the shards of the index.


def _summary_tree(root: Path) -> Path:
    for i in range(6):
        (root / "plain").mkdir(parents=True, exist_ok=True)
        (root / "plain" / f"mod{i}.py").write_text(f"def f{i}(x):\n    return x + {i}\n")
    (root / "clean").mkdir()
    (root / "clean" / "req.json").write_bytes(CLEAN)
    (root / "bad").mkdir()
    (root / "bad" / "req.json").write_bytes(BAD)
    return root


def _same_as_without_cache(root: Path, cache: Path):
    """A warm run on `root`, checked against a run without any cache."""
    fresh = _check(root, None)
    warm = _check(root, cache)
    assert _codes(warm) == _codes(fresh)
    assert (warm.files_checked, warm.files_skipped) == (fresh.files_checked, fresh.files_skipped)
    return warm


def _shards_read(monkeypatch) -> list[str]:
    read: list[str] = []
    real = stat_index._Shard.__init__

    def spy(self, store, path):
        read.append(path.name)
        real(self, store, path)

    monkeypatch.setattr(stat_index._Shard, "__init__", spy)
    return read


def test_unchanged_folders_are_settled_by_their_summary(tmp_path, monkeypatch, settled):
    monkeypatch.chdir(tmp_path)
    _summary_tree(tmp_path)
    cache = tmp_path / "cache"
    cold = _check(tmp_path, cache)
    summary = sealed(cache).read(_index_folder(cache) / "folders.summary")
    summaries = json.loads(summary)["folders"]
    assert set(summaries) == {"plain", "clean"}, "a folder with findings has no summary"
    assert summaries["plain"][1] == "ssssss" and summaries["clean"][1] == "c"
    read = _shards_read(monkeypatch)
    warm = _check(tmp_path, cache)
    assert _codes(warm) == _codes(cold) and {p for p, _ in _codes(cold)} == {"bad/req.json"}
    assert (warm.files_checked, warm.files_skipped) == (cold.files_checked, cold.files_skipped)
    assert read == [_shard(cache, "bad/req.json").name], "only the folder without a summary"


@pytest.mark.parametrize(
    "change",
    ["rewrite", "add", "remove", "rename"],
)
def test_a_change_in_a_summarised_folder_is_seen(tmp_path, monkeypatch, settled, change):
    monkeypatch.chdir(tmp_path)
    _summary_tree(tmp_path)
    cache = tmp_path / "cache"
    _check(tmp_path, cache)
    plain = tmp_path / "plain"
    defect = HELPER_TIMESTAMP_SOURCE
    if change == "rewrite":
        (plain / "mod3.py").write_text(defect)
    elif change == "add":
        (plain / "new.py").write_text(defect)
    elif change == "remove":
        (plain / "mod3.py").unlink()
    else:
        (plain / "mod3.py").rename(plain / "mod9.py")
    warm = _same_as_without_cache(tmp_path, cache)
    if change in ("rewrite", "add"):
        assert any(p.startswith("plain/") for p, _ in _codes(warm))


def test_a_folder_changed_just_now_gets_no_summary(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _summary_tree(tmp_path)  # written within the racy margin: signatures not trusted yet
    cache = tmp_path / "cache"
    _check(tmp_path, cache)
    path = _index_folder(cache) / "folders.summary"
    assert not path.exists() or not json.loads(sealed(cache).read(path))["folders"]


# Folder listings: a folder whose entries have not changed is not listed again.


def _listed(cache: Path) -> dict:
    path = _index_folder(cache) / "listings.summary"
    return json.loads(sealed(cache).read(path))["listings"] if path.exists() else {}


def test_unchanged_folders_are_not_listed_again(tmp_path, monkeypatch, settled):
    root = tmp_path / "tree"
    monkeypatch.chdir(_summary_tree(root))
    cache = tmp_path / "cache"
    cold = _check(root, cache)
    listed = _listed(cache)
    assert listed["./plain"][1] == [f"mod{i}.py" for i in range(6)] and listed["./plain"][2] == []
    scanned: list[str] = []
    real = os.scandir

    def spy(path="."):
        scanned.append(str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", spy)
    warm = _check(root, cache)
    assert scanned == [] and _codes(warm) == _codes(cold)
    assert (warm.files_checked, warm.files_skipped) == (cold.files_checked, cold.files_skipped)


@pytest.mark.parametrize("change", ["add file", "remove file", "add folder", "rename folder"])
def test_a_changed_folder_is_listed_again(tmp_path, monkeypatch, settled, change):
    root = tmp_path / "tree"
    monkeypatch.chdir(_summary_tree(root))
    cache = tmp_path / "cache"
    _check(root, cache)
    if change == "add file":
        (root / "plain" / "new.py").write_text(HELPER_TIMESTAMP_SOURCE)
    elif change == "remove file":
        (root / "bad" / "req.json").unlink()
    elif change == "add folder":
        (root / "plain" / "sub").mkdir()
        (root / "plain" / "sub" / "req.json").write_bytes(BAD)
    else:
        (root / "bad").rename(root / "worse")
    _same_as_without_cache(root, cache)


def test_a_folder_changed_just_now_is_listed_again(tmp_path, monkeypatch):
    root = tmp_path / "tree"
    monkeypatch.chdir(_summary_tree(root))  # just created: signatures not settled
    cache = tmp_path / "cache"
    _check(root, cache)
    assert not any(d.endswith(("plain", "bad", "clean")) for d in _listed(cache))
