"""The cache folder of a checked tree is untrusted: nothing in it that cachelint did not write for
this user, with this build, changes a verdict, and nothing in it makes cachelint write or delete
outside it."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cachelint.cache import key as cache_key
from cachelint.cache.folder import CacheFolder, NotOurs, clean
from cachelint.cache.key import user_secret

from conftest import ROOT, run_cli, sealed

# these tests check the cache folder a run makes in the project
pytestmark = pytest.mark.project_cache

BAD = (ROOT / "examples" / "support_bot_request.json").read_bytes()
TTL_ORDER = (
    b'{"model": "claude-sonnet-4-5", "max_tokens": 10, "system": [{"type": "text", "text": "hi",'
    b' "cache_control": {"type": "ephemeral", "ttl": "5m"}}], "messages": [{"role": "user",'
    b' "content": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral",'
    b' "ttl": "1h"}}]}]}\n'
)
SHORT_PREFIX = (
    b'{"model": "claude-sonnet-4-5", "max_tokens": 10, "system": [{"type": "text", "text":'
    b' "You are helpful.", "cache_control": {"type": "ephemeral"}}], "messages":'
    b' [{"role": "user", "content": "hi"}]}\n'
)


def _findings(*args: str, cwd: Path, env: dict | None = None) -> tuple[int, list, bytes]:
    r = run_cli("check", *args, "--format", "json", cwd=cwd, env=env)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout)["findings"], r.stderr


def _project(root: Path) -> Path:
    (root / "payloads").mkdir(parents=True)
    (root / "payloads" / "bad.json").write_bytes(TTL_ORDER)
    (root / "payloads" / "support.json").write_bytes(BAD)
    return root


def _other_user(tmp_path: Path) -> dict:
    """The environment of another user (or machine): a secret of their own."""
    home = tmp_path / "other-home"
    home.mkdir(exist_ok=True)
    return {"XDG_CACHE_HOME": str(home)}


def _forge(cache: Path) -> int:
    """Rewrite every entry of a cache folder as a clean result, as an attacker without the
    secret can; returns how many."""
    n = 0
    for p in cache.rglob("*"):
        if p.is_file() and p.name not in ("CACHEDIR.TAG", ".gitignore"):
            if p.name.endswith(".index"):
                doc = {"format": 1, "entries": {}}
            elif p.name.endswith(".summary"):
                doc = {"format": 1, "folders": {}, "listings": {}}
            else:
                doc = {"deps": [], "findings": []}
            p.write_text(json.dumps(doc))
            n += 1
    return n


def test_a_committed_cache_folder_is_not_used(tmp_path):
    """Repro 01: a cache folder made by another user, every entry forged as clean, committed
    into the tree: a fresh clone's first run is the run without a cache."""
    proj = _project(tmp_path / "proj")
    code, base, _ = _findings(".", "--no-cache", cwd=proj)
    assert code == 1 and {f["code"] for f in base} >= {"CL102"}
    _findings(".", cwd=proj, env=_other_user(tmp_path))  # the attacker's own run
    assert _forge(proj / ".cachelint_cache") > 2
    code, got, err = _findings(".", cwd=proj)
    assert (code, got) == (1, base)
    assert b"not using the cache" in err and b"not made by cachelint for this user" in err


def test_entries_forged_in_a_folder_of_ours_are_misses(tmp_path):
    proj = _project(tmp_path / "proj")
    _, base, _ = _findings(".", "--no-cache", cwd=proj)
    _findings(".", cwd=proj)
    _findings(".", cwd=proj)
    cache = proj / ".cachelint_cache"
    assert _forge(cache) > 2
    code, got, err = _findings(".", cwd=proj)
    assert (code, got, err) == (1, base, b"")
    # sealed by another secret: as good as no seal
    other = CacheFolder(cache, cache_key.sealing_key(b"x" * 32))
    for p in cache.rglob("*"):
        if p.is_file() and len(p.name) == 40:
            other.write(p, b'{"deps": [], "findings": []}')
    assert _findings(".", cwd=proj)[1] == base


def test_an_entry_moved_to_another_name_is_a_miss(tmp_path):
    """A sealed entry is bound to its place: the clean result of one file cannot stand in for
    another's."""
    store = sealed(tmp_path / "cache")
    a, b = tmp_path / "cache" / "0.1.0" / "a", tmp_path / "cache" / "0.1.0" / "b"
    store.write(a, b"clean")
    assert store.read(a) == b"clean"
    shutil.copyfile(a, b)
    assert store.read(b) is None


def test_links_fifos_and_huge_files_in_the_cache_are_not_followed(tmp_path):
    proj = _project(tmp_path / "proj")
    _, base, _ = _findings(".", "--no-cache", cwd=proj)
    _findings(".", cwd=proj)
    cache = proj / ".cachelint_cache"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "dotfile").write_text("keep me\n")
    (outside / "linked").write_text("keep me too\n")
    files = [p for p in cache.rglob("*") if p.is_file() and p.name != "CACHEDIR.TAG"]
    for i, p in enumerate(files):
        p.unlink()
        if i % 4 == 0:
            os.symlink("/dev/zero", p)
        elif i % 4 == 1:
            os.mkfifo(p)
        elif i % 4 == 2:
            os.symlink(outside / "dotfile", p)
        else:
            os.link(outside / "linked", p)  # another name of a file: never written through
    for _ in range(2):  # reads, then writes over them
        code, got, _ = _findings(".", cwd=proj)
        assert (code, got) == (1, base)
    assert (outside / "dotfile").read_text() == "keep me\n"
    assert (outside / "linked").read_text() == "keep me too\n"
    # a folder of the cache replaced by a link out: nothing is written through it
    (version,) = [p for p in cache.iterdir() if p.is_dir()]
    shutil.rmtree(version)
    os.symlink(outside, version)
    assert _findings(".", cwd=proj)[1] == base
    assert sorted(p.name for p in outside.iterdir()) == ["dotfile", "linked"]


def test_a_committed_folder_with_a_link_is_never_written_through(tmp_path):
    """Repro 07 (a): `.cachelint_cache/.gitignore -> ~/.bashrc` in the tree."""
    proj = _project(tmp_path / "proj")
    bashrc = tmp_path / "bashrc"
    bashrc.write_text("export IMPORTANT=1\n")
    (proj / ".cachelint_cache").mkdir()
    os.symlink(bashrc, proj / ".cachelint_cache" / ".gitignore")
    _findings(".", cwd=proj)
    assert bashrc.read_text() == "export IMPORTANT=1\n"


@pytest.mark.parametrize("setting", [".", "..", "./", "../proj", "/", "{outside}", "out_link"])
def test_a_config_cache_dir_must_stay_inside_the_project(tmp_path, setting):
    """Repro 03: `cache-dir = "."` overwrote .gitignore and `clean` deleted the project."""
    proj = _project(tmp_path / "proj")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("x")
    os.symlink(outside, proj / "out_link")
    (proj / ".gitignore").write_text("node_modules/\n")
    setting = setting.format(outside=outside)
    (proj / "cachelint.toml").write_text(f"cache-dir = {json.dumps(setting)}\n")
    for command in ("check", "clean"):
        r = run_cli(command, cwd=proj)
        assert r.returncode == 2, r.stdout
        assert b"cache-dir" in r.stderr and b"must be a folder inside" in r.stderr
        assert b"Traceback" not in r.stderr
    assert (proj / ".gitignore").read_text() == "node_modules/\n"
    assert (outside / "keep").exists() and (proj / "payloads" / "bad.json").exists()
    assert sorted(p.name for p in outside.iterdir()) == ["keep"]


def test_a_config_cache_dir_inside_the_project_is_used(tmp_path):
    proj = _project(tmp_path / "proj")
    (proj / "cachelint.toml").write_text('cache-dir = "build/lint-cache"\n')
    _findings(".", cwd=proj)
    assert (proj / "build" / "lint-cache" / "CACHEDIR.TAG").is_file()
    r = run_cli("clean", cwd=proj)
    assert r.returncode == 0 and not (proj / "build" / "lint-cache").exists()


def test_a_config_cannot_hide_a_folder_by_naming_it_the_cache(tmp_path):
    """The cache folder is never walked; a config naming a folder of payloads as the cache
    must not take it out of the walk, nor get it deleted by `clean`."""
    proj = _project(tmp_path / "proj")
    _, base, _ = _findings(".", "--no-cache", cwd=proj)
    (proj / "payloads" / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
    (proj / "cachelint.toml").write_text('cache-dir = "payloads"\n')
    code, got, err = _findings(".", cwd=proj)
    assert (code, got) == (1, base) and b"not using the cache" in err
    run_cli("clean", cwd=proj)
    assert (proj / "payloads" / "bad.json").exists()


def test_clean_removes_only_what_cachelint_keeps(tmp_path):
    proj = _project(tmp_path / "proj")
    _findings(".", cwd=proj)
    cache = proj / ".cachelint_cache"
    (cache / "notes.txt").write_text("mine")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("x")
    os.symlink(outside, cache / "9.9.9")  # named like a version folder
    r = run_cli("clean", cwd=proj)
    assert r.returncode == 0 and b"kept 2 entries" in r.stdout
    assert (cache / "notes.txt").read_text() == "mine"
    assert (outside / "keep").exists() and (cache / "9.9.9").is_symlink()
    assert not any(p.is_dir() and not p.is_symlink() for p in cache.iterdir())


def test_clean_refuses_a_folder_of_another_user(tmp_path):
    proj = _project(tmp_path / "proj")
    _findings(".", cwd=proj, env=_other_user(tmp_path))
    r = run_cli("clean", cwd=proj)
    assert r.returncode == 0 and b"Not removing" in r.stdout
    assert (proj / ".cachelint_cache" / "CACHEDIR.TAG").exists()
    assert clean(proj / ".cachelint_cache", None)[0] is False


def test_results_of_other_linter_code_are_not_served(tmp_path):
    """Repro 12: the same version with another model table (or any other change of cachelint's
    code) reads nothing the first build cached."""
    build = tmp_path / "build"
    shutil.copytree(ROOT / "cachelint", build / "cachelint", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copytree(ROOT / "rules", build / "rules")
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "req.json").write_bytes(SHORT_PREFIX)
    env = {"PYTHONPATH": str(build)}
    code, _, _ = _findings(".", cwd=proj, env=env)
    assert code == 1  # CL201: far below 1,024 tokens
    models = build / "rules" / "models.toml"
    text = models.read_text()
    row = 'id = "claude-sonnet-4-5"\naliases = ["claude-sonnet-4-5-20250929"]\nmin_tokens = '
    edited = text.replace(row + "1024\n", row + "1\n")
    assert edited != text
    models.write_text(edited)
    cached = _findings(".", cwd=proj, env=env)
    fresh = _findings(".", "--no-cache", cwd=proj, env=env)
    assert cached[:2] == fresh[:2] and fresh[0] == 0


def test_a_checked_config_cannot_turn_on_network_use(tmp_path):
    proj = _project(tmp_path / "proj")
    (proj / "cachelint.toml").write_text("count-tokens = true\n")
    env = {"ANTHROPIC_API_KEY": "", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}
    r = run_cli("check", ".", "--no-cache", cwd=proj, env=env)
    assert r.returncode == 1 and b"count-tokens in" in r.stderr and b"is ignored" in r.stderr
    r = run_cli("check", ".", "--no-cache", "--config", "cachelint.toml", cwd=proj, env=env)
    assert r.returncode == 1 and b"is ignored" in r.stderr, "named, but still the project's"
    own = tmp_path / "mine.toml"
    own.write_text("count-tokens = true\n")
    r = run_cli("check", ".", "--no-cache", "--config", str(own), cwd=proj, env=env)
    assert r.returncode == 2 and b"ANTHROPIC_API_KEY" in r.stderr  # honoured: the key is asked for


def test_the_secret_is_private_and_outside_the_checked_tree(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    secret = user_secret([])
    path = home / "cachelint" / "secret"
    assert secret is not None and len(secret) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert user_secret([]) == secret, "made once"
    assert user_secret([home]) is None, "a secret inside a checked path is refused"
    path.chmod(0o644)
    assert user_secret([]) is None, "a secret others can read is refused"
    path.unlink()
    os.symlink(tmp_path / "known", path)
    (tmp_path / "known").write_bytes(b"k" * 32)
    (tmp_path / "known").chmod(0o600)
    assert user_secret([]) is None, "a link to a file the repository may have made"


def test_without_a_place_for_the_secret_the_cache_is_off(tmp_path):
    proj = _project(tmp_path / "proj")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    code, got, err = _findings(".", cwd=proj, env={"XDG_CACHE_HOME": str(blocker)})
    assert code == 1 and err == b"" and got == _findings(".", "--no-cache", cwd=proj)[1]
    assert not (proj / ".cachelint_cache").exists()


def test_an_empty_folder_is_taken_and_concurrent_makers_agree(tmp_path):
    secret = user_secret([])
    assert secret is not None
    (tmp_path / "c").mkdir()
    store = CacheFolder.open(tmp_path / "c", secret)
    assert (tmp_path / "c" / "CACHEDIR.TAG").is_file()
    assert CacheFolder.open(tmp_path / "c", secret).root == store.root
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x").write_text("")
    with pytest.raises(NotOurs):
        CacheFolder.open(tmp_path / "d", secret)
    os.symlink(tmp_path / "c", tmp_path / "e")
    with pytest.raises(NotOurs, match="symlink"):
        CacheFolder.open(tmp_path / "e", secret)
    assert CacheFolder.open(tmp_path / "e", secret, named=True).root == tmp_path / "e"


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip("FIFOs and /dev/zero as on Linux")


def test_a_forged_config_verdict_does_not_skip_validation(tmp_path):
    from cachelint import __version__
    from cachelint.cache.results import digest
    from cachelint.config import _schema_text

    proj = _project(tmp_path / "proj")
    _findings(".", cwd=proj)
    data = {"bogus": 1}
    (proj / "cachelint.toml").write_text("bogus = 1\n")
    key = digest(f"{__version__}\0{_schema_text()}\0{data!r}".encode())
    forged = proj / ".cachelint_cache" / __version__ / f"config-{key}"
    forged.write_bytes(b"")
    r = run_cli("check", ".", cwd=proj)
    assert r.returncode == 2 and b"bogus" in r.stderr


def test_an_unknown_record_in_a_sealed_summary_is_a_miss(tmp_path):
    """Repro 15 (b): a well-formed summary with a kind it does not know settles nothing."""
    proj = _project(tmp_path / "proj")
    (proj / "plain").mkdir()
    (proj / "plain" / "ok.json").write_bytes(SHORT_PREFIX.replace(b"cache_control", b"metadata"))
    _, base, _ = _findings(".", "--no-cache", cwd=proj)
    time.sleep(0.2)  # signatures of files changed within 0.1 s are not trusted
    _findings(".", cwd=proj)
    _findings(".", cwd=proj)
    cache = proj / ".cachelint_cache"
    (summary,) = cache.rglob("folders.summary")
    store = sealed(cache)
    doc = json.loads(store.read(summary))
    assert doc["folders"], "the folder of skipped files has a summary"
    for record in doc["folders"].values():
        record[1] = "x" * len(record[1])
    store.write(summary, json.dumps(doc).encode())
    assert _findings(".", cwd=proj)[:2] == (1, base)


MAIN_PY = (
    "import anthropic\nfrom helper import sp\nc = anthropic.Anthropic()\ndef f():\n"
    '    return c.messages.create(model="claude-sonnet-4-5", max_tokens=1, system=[{"type": '
    '"text", "text": sp(), "cache_control": {"type": "ephemeral"}}], messages=[])\n'
)
VOLATILE_HELPER = 'import datetime\ndef sp():\n    return f"now {datetime.datetime.now()}"\n'


def _exit(*args: str, cwd: Path, env: dict | None = None) -> int:
    return run_cli("check", "-q", *args, cwd=cwd, env=env).returncode


def test_a_report_is_never_written_through_a_link_of_the_tree(tmp_path):
    proj = _project(tmp_path / "proj")
    victim = tmp_path / "bashrc"
    victim.write_text("# mine\n")
    os.symlink(victim, proj / "report.txt")
    r = run_cli("check", ".", "--no-cache", "--output", "concise:report.txt", cwd=proj)
    assert r.returncode == 2 and b"symlink" in r.stderr
    (proj / "out").mkdir()
    os.symlink(tmp_path, proj / "out" / "up")
    r = run_cli("check", ".", "--no-cache", "--output", "json:out/up/x.json", cwd=proj)
    assert r.returncode == 2 and not (tmp_path / "x.json").exists()
    assert victim.read_text() == "# mine\n"
    r = run_cli("check", ".", "--no-cache", "--output", f"json:{tmp_path / 'r.json'}", cwd=proj)
    assert r.returncode == 1 and (tmp_path / "r.json").stat().st_size > 0, "outside: as named"


def test_a_helper_that_moves_into_the_project_is_read_again(tmp_path):
    """A result depends on where a helper's path leads, not only on its bytes: a link out of the
    project (not followed) replaced by the same bytes inside it is another input."""
    app, shared = tmp_path / "app", tmp_path / "shared"
    app.mkdir()
    shared.mkdir()
    (app / "main.py").write_text(MAIN_PY)
    (shared / "prompts.py").write_text(VOLATILE_HELPER)
    os.symlink("../shared/prompts.py", app / "helper.py")
    assert _exit(".", cwd=app) == _exit(".", "--no-cache", cwd=app) == 0
    (app / "helper.py").unlink()
    (app / "helper.py").write_text(VOLATILE_HELPER)
    assert _exit(".", "--no-cache", cwd=app) == 1
    assert _exit(".", cwd=app) == 1


def test_a_link_on_the_way_to_a_checked_file_is_part_of_its_key(tmp_path):
    repo = tmp_path / "repo"
    for lib, helper in (
        ("libA", "def sp():\n    return 'static text'\n"),
        ("libB", VOLATILE_HELPER),
    ):
        (repo / lib).mkdir(parents=True)
        (repo / lib / "x.py").write_text(MAIN_PY)
        (repo / lib / "helper.py").write_text(helper)
    (repo / "app").mkdir()
    os.symlink("libA", repo / "lib")
    assert _exit("../lib", "--select", "CL3", cwd=repo / "app") == 0
    (repo / "lib").unlink()
    os.symlink("libB", repo / "lib")
    assert _exit("../lib", "--select", "CL3", "--no-cache", cwd=repo / "app") == 1
    assert _exit("../lib", "--select", "CL3", cwd=repo / "app") == 1


def test_reading_a_dependency_is_bounded(tmp_path):
    (tmp_path / "main.py").write_text(MAIN_PY)
    os.symlink("/proc/self/pagemap", tmp_path / "helper.py")
    r = run_cli("check", "-q", ".", cwd=tmp_path)
    assert r.returncode in (0, 1) and b"Traceback" not in r.stderr


@pytest.mark.parametrize(
    "setting", [".git/index.lock", ".git/refs/tags", "g/refs", "sub/.hg/cache", "a\\u0000b"]
)
def test_a_config_cache_dir_stays_out_of_version_control_folders(tmp_path, setting):
    proj = _project(tmp_path / "proj")
    (proj / ".git" / "refs" / "tags").mkdir(parents=True)
    os.symlink(".git", proj / "g")
    (proj / "cachelint.toml").write_text(f'cache-dir = "{setting}"\n')
    r = run_cli("check", ".", cwd=proj)
    assert r.returncode == 2 and b"cache-dir" in r.stderr and b"Traceback" not in r.stderr
    assert sorted(p.name for p in (proj / ".git").rglob("*")) == ["refs", "tags"]


def test_an_empty_folder_a_config_names_is_not_taken(tmp_path):
    proj = _project(tmp_path / "proj")
    (proj / "payloads" / "empty").mkdir()
    (proj / "cachelint.toml").write_text('cache-dir = "payloads/empty"\n')
    r = run_cli("check", ".", cwd=proj)
    assert r.returncode == 1 and b"not using the cache" in r.stderr
    assert list((proj / "payloads" / "empty").iterdir()) == []


def test_a_relative_cache_dir_through_a_link_of_the_tree_is_not_used(tmp_path):
    proj = _project(tmp_path / "proj")
    victim = tmp_path / "victim"
    victim.mkdir()
    os.symlink(victim, proj / ".cache")
    for env in ({"CACHELINT_CACHE_DIR": ".cache/cachelint"}, {}):
        args = ["--cache-dir", ".cache/x"] if not env else []
        r = run_cli("check", ".", *args, cwd=proj, env=env)
        assert r.returncode == 1 and b"not using the cache" in r.stderr
    assert list(victim.iterdir()) == []
    own = tmp_path / "own-cache"
    assert run_cli("check", ".", "--cache-dir", str(own), cwd=proj).returncode == 1
    assert (own / "CACHEDIR.TAG").is_file(), "a folder outside the tree is the user's choice"


def test_the_python_running_cachelint_is_part_of_the_key(monkeypatch):
    before = cache_key.code_digest()
    cache_key.code_digest.cache_clear()
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    try:
        assert cache_key.code_digest() != before
    finally:
        cache_key.code_digest.cache_clear()


def test_a_finding_that_cannot_be_stored_is_not_cached(tmp_path):
    (tmp_path / "m.py").write_text(
        "import anthropic\nc = anthropic.Anthropic()\ndef f(q):\n    return c.messages.create("
        'model="claude-\\ud800", max_tokens=1, system=[{"type": "text", "text": "x", '
        '"cache_control": {"type": "ephemeral"}}], messages=[])\n'
    )
    base = _exit(".", "--no-cache", cwd=tmp_path)
    assert _exit(".", cwd=tmp_path) == base == _exit(".", cwd=tmp_path)


def test_clean_keeps_files_it_did_not_write_and_survives_deep_trees(tmp_path):
    proj = _project(tmp_path / "proj")
    _findings(".", cwd=proj)
    cache = proj / ".cachelint_cache"
    (version,) = [p for p in cache.iterdir() if p.is_dir()]
    deep = str(version)
    for _ in range(1200):
        deep += "/d"
        os.mkdir(deep)
    deep = Path(deep)
    (deep / "tracked.txt").write_text("a file git put here")
    os.mkfifo(version / "fifo")
    r = run_cli("clean", cwd=proj)
    assert r.returncode == 0 and b"Traceback" not in r.stderr and b"kept 2 entries" in r.stdout
    assert (deep / "tracked.txt").exists()
    left = subprocess.run(["find", str(version), "-type", "f"], capture_output=True, text=True)
    assert left.stdout.split() == [str(deep / "tracked.txt")]
    subprocess.run(["rm", "-rf", str(version)], check=True)  # pytest's own cleanup recurses


def test_diff_does_not_take_network_use_from_the_project(tmp_path):
    (tmp_path / "a.json").write_bytes(TTL_ORDER)
    (tmp_path / "cachelint.toml").write_text("count-tokens = true\n")
    r = run_cli("diff", "a.json", "a.json", cwd=tmp_path, env={"ANTHROPIC_API_KEY": ""})
    assert r.returncode == 0 and b"is ignored" in r.stderr
