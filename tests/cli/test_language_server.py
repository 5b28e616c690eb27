"""`cachelint server` driven over stdio by a real LSP client (pygls'): the diagnostics of open
documents are the findings `cachelint check` reports on the same files, positions converted to
the negotiated code units; they follow the unsaved buffer and the project's config."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from conftest import ROOT, run_cli

TIMEOUT = 30  # seconds for any one answer: generous for a loaded machine, never reached normally
UNITS = {
    "utf-8": lambda s: len(s.encode("utf-8")),
    "utf-16": lambda s: len(s.encode("utf-16-le")) // 2,
    "utf-32": len,
}

# The shipped examples, with what positions get wrong when counted naively: characters outside
# the BMP before findings on their lines (two UTF-16 units, four UTF-8 bytes), and characters that
# `str.splitlines` breaks lines at but LSP does not (U+2028 in a JSON string, a form feed in
# Python) on lines before findings, or on the same line.
PAYLOAD = (
    (ROOT / "examples" / "support_bot_request.json")
    .read_text(encoding="utf-8")
    .replace("Acme Store.", "Acme Store 🛒\u2028.")
    .replace("Shipped on", "Shipped 🚚 on")
)
BOT = (
    (ROOT / "examples" / "support_bot.py")
    .read_text(encoding="utf-8")
    .replace("\n\n\ndef answer", "\n\n\x0c\ndef answer")
    .replace("Acme support", "Acme 🤖 support")
)
BROKEN = '{"system": [{"type": "text", "text": "😀 hi", "cache_control": {"type": "ephemeral"}'
CLEAN = (ROOT / "examples" / "clean_request.json").read_text(encoding="utf-8")


class Client:
    """A pygls LanguageClient running `cachelint server`, with the notifications it got."""

    def __init__(self, client: LanguageClient) -> None:
        self.lsp = client
        self.init: types.InitializeResult | None = None  # the server's answer to initialize
        self.published: dict[str, asyncio.Queue] = defaultdict(asyncio.Queue)
        self.logs: list[types.LogMessageParams] = []
        self.shown: list[types.ShowMessageParams] = []
        self.versions: dict[str, int] = {}

    async def diagnostics(self, uri: str) -> types.PublishDiagnosticsParams:
        """The next diagnostics published for `uri`."""
        return await asyncio.wait_for(self.published[uri].get(), TIMEOUT)

    def open(self, path: Path, text: str | None = None, language: str = "json") -> str:
        uri = path.as_uri()
        self.versions[uri] = 1
        text = path.read_text(encoding="utf-8") if text is None else text
        doc = types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        self.lsp.text_document_did_open(types.DidOpenTextDocumentParams(doc))
        return uri

    def change(self, uri: str, text: str) -> int:
        self.versions[uri] += 1
        version = self.versions[uri]
        self.lsp.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return version

    def save(self, uri: str) -> None:
        doc = types.TextDocumentIdentifier(uri)
        self.lsp.text_document_did_save(types.DidSaveTextDocumentParams(doc))

    def close(self, uri: str) -> None:
        doc = types.TextDocumentIdentifier(uri)
        self.lsp.text_document_did_close(types.DidCloseTextDocumentParams(doc))


@asynccontextmanager
async def language_server(cwd: Path, encodings: list[str] | None = None, command=None):
    """A running server (`command`, default `cachelint server`), initialized; shut down and
    exited at the end, which must end its process with status 0."""
    lsp = LanguageClient("cachelint-tests", "1")
    client = Client(lsp)

    @lsp.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        client.published[params.uri].put_nowait(params)

    @lsp.feature(types.WINDOW_LOG_MESSAGE)
    def logged(params: types.LogMessageParams) -> None:
        client.logs.append(params)

    @lsp.feature(types.WINDOW_SHOW_MESSAGE)
    def shown(params: types.ShowMessageParams) -> None:
        client.shown.append(params)

    await lsp.start_io(*(command or [sys.executable, "-m", "cachelint", "server"]), cwd=cwd)
    general = types.GeneralClientCapabilities(position_encodings=encodings)
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(general=general),
        root_uri=cwd.as_uri(),
        process_id=os.getpid(),
    )
    try:
        client.init = await asyncio.wait_for(lsp.initialize_async(params), TIMEOUT)
        lsp.initialized(types.InitializedParams())
        yield client
        await asyncio.wait_for(lsp.shutdown_async(None), TIMEOUT)
        lsp.exit(None)
        await asyncio.wait_for(lsp.stop(), TIMEOUT)
        assert lsp._server.returncode == 0
    finally:
        if lsp._server is not None and lsp._server.returncode is None:
            lsp._server.kill()
            await lsp._server.wait()


def check_json(cwd: Path, *files: Path) -> list[dict]:
    r = run_cli("check", "--format", "json", "--no-cache", *map(str, files), cwd=cwd)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)["findings"]


def lsp_position(lines: list[str], line: int, column: int, units) -> dict:
    """A 1-based line and code-point column as an LSP position (lines without `\\r`)."""
    text = lines[line - 1]
    return {"line": line - 1, "character": units(text[: min(column - 1, len(text))])}


def expected(findings: list[dict], text: str, uri: str, encoding: str) -> list[dict]:
    """What the server must publish for `cachelint check`'s JSON findings on a file."""
    lines, units = text.split("\n"), UNITS[encoding]
    out = []
    for f in findings:
        page = next((ROOT / "rules").glob(f"{f['code']}-*.md"))
        out.append(
            {
                "code": f["code"],
                "severity": {"error": 1, "warning": 2, "info": 3}[f["severity"]],
                "source": "cachelint",
                "message": f"{f['message']}\nhelp: {f['help']}",
                "range": {
                    "start": lsp_position(lines, f["line"], f["column"], units),
                    "end": lsp_position(lines, f["end_line"], f["end_column"], units),
                },
                "href": page.name,
                "related": [
                    (n["message"], lsp_position(lines, n["line"], n["column"], units))
                    for n in f.get("notes", [])
                ],
            }
        )
    return out


def received(diagnostics: list[types.Diagnostic], uri: str) -> list[dict]:
    out = []
    for d in diagnostics:
        href = urlparse(d.code_description.href)
        assert href.scheme == "file" and Path(url2pathname(href.path)).is_file()
        page = Path(url2pathname(href.path)).name
        related = []
        for r in d.related_information or []:
            assert r.location.uri == uri
            start = r.location.range.start
            related.append((r.message, {"line": start.line, "character": start.character}))
        out.append(
            {
                "code": d.code,
                "severity": int(d.severity),
                "source": d.source,
                "message": d.message,
                "range": {
                    "start": {"line": d.range.start.line, "character": d.range.start.character},
                    "end": {"line": d.range.end.line, "character": d.range.end.character},
                },
                "href": page,
                "related": related,
            }
        )
    return out


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize("offered", [None, ["utf-8"], ["utf-32", "utf-16"]])
def test_diagnostics_are_the_findings_of_check(tmp_path, offered):
    """Opening a defective payload, a Python file and an unparsable payload gives what `cachelint
    check --format json` reports on the same files, in the code units agreed on (UTF-16 unless
    the client offers another), with the rule page linked and the notes as related locations."""
    files = {
        "support_request.json": PAYLOAD,
        "bot/support_bot.py": BOT,
        "broken.json": BROKEN,
    }
    paths = [write(tmp_path / name, text) for name, text in files.items()]
    truth = defaultdict(list)
    for f in check_json(tmp_path, *paths):
        truth[tmp_path / f["path"]].append(f)
    assert {f["code"] for found in truth.values() for f in found} >= {"CL000", "CL102", "CL301"}
    assert any(f.get("notes") for f in truth[paths[0]])

    async def scenario():
        async with language_server(tmp_path, offered) as client:
            encoding = client.init.capabilities.position_encoding
            assert encoding == (offered[0] if offered else "utf-16")
            for path, text in zip(paths, files.values(), strict=True):
                language = "python" if path.suffix == ".py" else "json"
                uri = client.open(path, language=language)
                published = await client.diagnostics(uri)
                assert published.version == 1
                got = received(published.diagnostics, uri)
                assert got == expected(truth[path], text, uri, encoding), path.name

    asyncio.run(scenario())


def test_diagnostics_follow_the_buffer_and_are_cleared_on_close(tmp_path):
    """didChange checks the unsaved text (the file on disk keeps its defects), after a pause
    in which a newer change replaces an older one; didSave checks again; didClose clears."""
    path = write(tmp_path / "request.json", PAYLOAD)

    async def scenario():
        async with language_server(tmp_path) as client:
            uri = client.open(path)
            assert (await client.diagnostics(uri)).diagnostics
            client.change(uri, PAYLOAD.replace('"ttl": "1h"', '"ttl": "5m"'))
            fixed = client.change(uri, CLEAN)  # before the pause ends: the only one checked
            published = await client.diagnostics(uri)
            assert (published.version, list(published.diagnostics)) == (fixed, [])
            broken = client.change(uri, BROKEN)
            published = await client.diagnostics(uri)
            assert published.version == broken
            assert [d.code for d in published.diagnostics] == ["CL000"]
            client.save(uri)
            again = await client.diagnostics(uri)
            assert again.version == broken and again.diagnostics == published.diagnostics
            client.close(uri)
            assert list((await client.diagnostics(uri)).diagnostics) == []
            assert client.published[uri].empty()
        assert path.read_text(encoding="utf-8") == PAYLOAD  # never written
        assert sorted(p.name for p in tmp_path.iterdir()) == ["request.json"]

    asyncio.run(scenario())


def test_the_project_config_is_found_upward_from_the_document(tmp_path):
    """The config next to the files rules, not the server's working directory: its ignore,
    per-file-ignores and default-model are honoured, and a file its `exclude` names gets no
    diagnostics."""
    project = tmp_path / "project"
    write(
        project / "cachelint.toml",
        'ignore = ["CL102"]\nexclude = ["fixtures"]\ndefault-model = "claude-opus-4-1"\n\n'
        '[per-file-ignores]\n"bot/*.py" = ["volatile-before-breakpoint"]\n',
    )
    request = write(project / "requests" / "support.json", PAYLOAD)
    # no model named: the default model's minimum (1,024 tokens) makes a breakpoint too early
    without_model = re.sub(r'"model": "[^"]*",', "", PAYLOAD)
    unnamed = write(project / "requests" / "unnamed.json", without_model)
    bot = write(project / "bot" / "support_bot.py", BOT)
    excluded = write(project / "fixtures" / "support.json", PAYLOAD)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    async def scenario():
        async with language_server(elsewhere) as client:
            for path, language in ((request, "json"), (bot, "python"), (unnamed, "json")):
                uri = client.open(path, language=language)
                diagnostics = (await client.diagnostics(uri)).diagnostics
                codes = [d.code for d in diagnostics]
                assert codes == [f["code"] for f in check_json(project, path)], path.name
                assert codes and "CL102" not in codes
                assert path != bot or "CL301" not in codes
                model = [d.code for d in diagnostics if "needed for claude-opus-4-1" in d.message]
                assert model == (["CL201"] if path == unnamed else [])
            uri = client.open(excluded)
            assert list((await client.diagnostics(uri)).diagnostics) == []

    asyncio.run(scenario())


def test_a_config_error_is_shown_and_a_fixed_config_is_read_again(tmp_path):
    config = write(tmp_path / "cachelint.toml", 'selct = ["CL1"]\n')
    path = write(tmp_path / "request.json", PAYLOAD)

    async def scenario():
        async with language_server(tmp_path) as client:
            uri = client.open(path)
            assert list((await client.diagnostics(uri)).diagnostics) == []
            (shown,) = client.shown
            assert shown.type == types.MessageType.Error
            assert "unknown key 'selct'" in shown.message
            assert "did you mean 'select'" in shown.message
            assert any("selct" in m.message for m in client.logs)
            client.change(uri, CLEAN)
            assert list((await client.diagnostics(uri)).diagnostics) == []
            assert len(client.shown) == 1  # the same error is shown once
            write(config, 'default-model = "claude-sonet-4-5"\n')
            client.save(uri)
            assert list((await client.diagnostics(uri)).diagnostics) == []
            assert "default-model" in client.shown[-1].message
            assert "unknown model 'claude-sonet-4-5'" in client.shown[-1].message
            write(config, 'select = ["CL1"]\n')
            client.change(uri, PAYLOAD)
            codes = {d.code for d in (await client.diagnostics(uri)).diagnostics}
            assert codes and all(c.startswith("CL1") for c in codes)
            assert len(client.shown) == 2

    asyncio.run(scenario())


# The server with a fault put into checking: a document named boom.json makes it raise.
FAULTY = """
import sys
from cachelint.lsp import documents
from cachelint.lsp.server import serve

checked = documents.Checker.findings

def findings(self, path, text, root):
    if path.name == "boom.json":
        raise RuntimeError("injected fault")
    return checked(self, path, text, root)

documents.Checker.findings = findings
serve()
"""


def test_an_internal_error_is_logged_and_the_server_goes_on(tmp_path):
    boom = write(tmp_path / "boom.json", PAYLOAD)
    fine = write(tmp_path / "fine.json", PAYLOAD)

    async def scenario():
        async with language_server(tmp_path, command=[sys.executable, "-c", FAULTY]) as client:
            uri = client.open(boom)
            (d,) = (await client.diagnostics(uri)).diagnostics
            assert d.code == "CL000" and "internal error" in d.message
            assert "injected fault" in d.message
            (log,) = client.logs
            assert log.type == types.MessageType.Error and "Traceback" in log.message
            uri = client.open(fine)
            assert len((await client.diagnostics(uri)).diagnostics) > 1

    asyncio.run(scenario())


def test_documents_cachelint_does_not_check_get_no_diagnostics(tmp_path):
    """Files that cannot concern caching (as a walk skips them) and other file types."""
    unrelated = write(tmp_path / "package.json", '{"name": "x", "version": ')
    script = write(tmp_path / "tool.py", "def f(:\n")
    notes = write(tmp_path / "notes.md", PAYLOAD)

    async def scenario():
        async with language_server(tmp_path) as client:
            for path in (unrelated, script):
                uri = client.open(path)
                assert list((await client.diagnostics(uri)).diagnostics) == []
                client.close(uri)
                await client.diagnostics(uri)
            ignored = client.open(notes, language="markdown")
            uri = client.open(unrelated)  # checks run in turn: notes.md had its turn before
            await client.diagnostics(uri)
            assert client.published[ignored].empty()

    asyncio.run(scenario())


def test_check_does_not_import_the_language_server():
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cachelint", "check", "--no-cache", "examples"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1 and "Found" in r.stdout
    imported = {line.rpartition("|")[2].strip() for line in r.stderr.splitlines()}
    assert "cachelint.engine" in imported
    assert not {m for m in imported if m.split(".")[0] in ("pygls", "lsprotocol", "cattrs")}


def _neovim() -> str | None:
    """Neovim 0.10 or later on PATH (the README's recipe needs `vim.fs.root`), or None."""
    exe = shutil.which("nvim")
    if exe is None:
        return None
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    m = re.match(r"NVIM v(\d+)\.(\d+)", version.stdout)
    return exe if m and (int(m[1]), int(m[2])) >= (0, 10) else None


# Opens each file named in FILES, waits for its diagnostics, writes them as JSON lines to OUT.
PROBE = """
local out = assert(io.open(os.getenv("OUT"), "w"))
for name in string.gmatch(os.getenv("FILES"), "%S+") do
  vim.cmd.edit(name)
  local buf = vim.api.nvim_get_current_buf()
  vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    out:write(vim.json.encode({ file = name, line = d.lnum, col = d.col, code = d.code,
      source = d.source }) .. "\\n")
  end
end
out:close()
"""


@pytest.mark.skipif(_neovim() is None, reason="needs Neovim 0.10 or later on PATH")
def test_the_neovim_recipe_of_the_readme(tmp_path):
    """The README's `init.lua` lines, run by a headless Neovim: cachelint's findings on a payload,
    a log and a Python file, at the byte columns Neovim keeps positions in."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Editors") :]
    init = write(tmp_path / "init.lua", re.search(r"```lua\n(.*?)```", section, re.S)[1])
    probe = write(tmp_path / "probe.lua", PROBE)
    project = tmp_path / "project"
    files = {
        "request.json": PAYLOAD,
        "log.ndjson": (ROOT / "examples" / "gateway_requests.jsonl").read_text(encoding="utf-8"),
        "bot.py": BOT,
    }
    for name, text in files.items():
        write(project / name, text)
    want = []
    for f in check_json(project, *files):
        line = files[f["path"]].split("\n")[f["line"] - 1]
        column = len(line[: f["column"] - 1].encode("utf-8"))
        want.append((f["path"], f["line"] - 1, column, f["code"], "cachelint"))
    bin_dir = os.path.dirname(sys.executable)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "FILES": " ".join(files),
        "OUT": str(tmp_path / "diagnostics.jsonl"),
    }
    nvim = [_neovim(), "--headless", "--clean", "-u", str(init), "-c", f"luafile {probe}"]
    subprocess.run([*nvim, "-c", "qa!"], cwd=project, env=env, timeout=120, check=True)
    got = [json.loads(line) for line in (tmp_path / "diagnostics.jsonl").read_text().splitlines()]
    got = [(d["file"], d["line"], d["col"], d["code"], d["source"]) for d in got]
    assert sorted(got) == sorted(want) and {"CL000", "CL301", "CL102"} <= {w[3] for w in want}


def test_a_fixable_finding_comes_with_a_quick_fix(tmp_path):
    """The fix of a finding (cachelint.fixes) is offered as a code action; applying its edits
    gives the text `cachelint check --fix` writes."""
    misspelled = PAYLOAD.replace('"ttl": "1h"', '"ttl": "5min"').replace(
        "cache_control", "cacheControl", 1
    )
    path = write(tmp_path / "request.json", misspelled)
    fixed_copy = write(tmp_path / "copy" / "request.json", misspelled)
    r = run_cli("check", "--fix", "--no-cache", str(fixed_copy), cwd=tmp_path)
    expected = fixed_copy.read_text(encoding="utf-8")
    assert expected != misspelled, r.stderr

    async def scenario():  # positions in code points (UTF-32): the edits apply to a str
        async with language_server(tmp_path, ["utf-32"]) as client:
            uri = client.open(path)
            published = await client.diagnostics(uri)
            fixable = [d for d in published.diagnostics if d.data]
            assert fixable, [d.code for d in published.diagnostics]
            params = types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri),
                range=fixable[0].range,
                context=types.CodeActionContext(diagnostics=list(published.diagnostics)),
            )
            actions = await asyncio.wait_for(
                client.lsp.text_document_code_action_async(params), TIMEOUT
            )
            safe = [a for a in actions if a.is_preferred]
            assert safe and all(a.kind == types.CodeActionKind.QuickFix for a in actions)
            edits = [e for a in safe for e in a.edit.changes[uri]]
            text = misspelled
            lines = text.split("\n")
            offsets = [0]
            for line in lines:
                offsets.append(offsets[-1] + len(line) + 1)
            for e in sorted(
                edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
            ):
                start = offsets[e.range.start.line] + e.range.start.character
                end = offsets[e.range.end.line] + e.range.end.character
                text = text[:start] + e.new_text + text[end:]
            assert text == expected

    asyncio.run(scenario())
