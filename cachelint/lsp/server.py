"""`cachelint server`: LSP over stdin and stdout, built on pygls.

Diagnostics are published for open `.py`, `.pyi`, `.json`, `.jsonl` and `.ndjson` documents with
`file:` URIs when they are opened and saved, and after an edit once the buffer has been quiet for
`DEBOUNCE` seconds; they are cleared when the document is closed. Checks run one at a time on a
thread of their own, so that messages keep being read while a large file is checked; a result for
a version of the document that is no longer the current one is dropped. Nothing is written to
disk.
"""

from __future__ import annotations

import asyncio
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from cachelint import __version__
from cachelint.checks.unparsable_input import unparsable
from cachelint.config import ConfigError
from cachelint.discovery import PYTHON_SUFFIXES
from cachelint.fix_python import realized
from cachelint.formatters.neutral import shown
from cachelint.lsp.diagnostics import code_actions, diagnostic
from cachelint.lsp.documents import Checker, checked_kind
from cachelint.lsp.positions import PositionMap

DEBOUNCE = 0.25  # seconds without an edit before the buffer is checked


class CachelintServer(LanguageServer):
    def __init__(self) -> None:
        # Full sync: pygls applies incremental edits to lines split by `str.splitlines`, which
        # also breaks at U+2028 and form feeds, where LSP clients do not.
        super().__init__("cachelint", __version__, types.TextDocumentSyncKind.Full)
        self.checker = Checker()
        self.checks = ThreadPoolExecutor(1, thread_name_prefix="cachelint-check")
        self.pending: dict[str, asyncio.Task] = {}
        self.shown_errors: dict[str, str] = {}  # the config error last shown, by document

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """Check the document at `uri` after `delay` seconds, instead of any check pending."""
        if (task := self.pending.pop(uri, None)) is not None:
            task.cancel()
        self.pending[uri] = asyncio.ensure_future(self._check(uri, delay))

    def clear(self, uri: str) -> None:
        if (task := self.pending.pop(uri, None)) is not None:
            task.cancel()
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    async def _check(self, uri: str, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            doc = self.workspace.text_documents.get(uri)
            path = to_fs_path(uri)
            if doc is None or path is None or not checked_kind(Path(path)):
                return
            version, text = doc.version, doc.source
            encoding = self.workspace.position_encoding or "utf-16"
            encoding = getattr(encoding, "value", encoding)  # a PositionEncodingKind
            root = self._default_root(Path(path))
            loop = asyncio.get_running_loop()
            diagnostics, error = await loop.run_in_executor(
                self.checks, self._diagnostics, uri, Path(path), text, encoding, root
            )
            current = self.workspace.text_documents.get(uri)
            if current is None or current.version != version:
                return  # closed or edited meanwhile: the next check publishes
            if error is not None:
                self._report(uri, error)
            else:
                self.shown_errors.pop(uri, None)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri, diagnostics, version)
            )
        except asyncio.CancelledError:
            raise
        except Exception:  # an internal error must not stop the server
            self.log(types.MessageType.Error, f"checking {uri}: {traceback.format_exc()}")
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]

    def _diagnostics(
        self, uri: str, path: Path, text: str, encoding: str, root: Path
    ) -> tuple[list[types.Diagnostic], tuple[str, str] | None]:
        """(diagnostics, error to report: (kind, message)); run on the check thread."""
        python = path.name.endswith(PYTHON_SUFFIXES)
        try:
            findings = self.checker.findings(path, text, root)
            if not findings:
                return [], None
            findings = realized(findings, lambda _: text)  # quick fixes carry text edits
            positions = PositionMap(text, python, encoding)
            return [diagnostic(f, positions, uri) for f in findings], None
        except ConfigError as e:
            return [], ("config", shown(str(e)))
        except Exception as e:  # a bug in cachelint: a CL000 says so, as `cachelint check` does
            problem = f"internal error while checking this file ({type(e).__name__}: {e})"
            found = unparsable(str(path), f"{problem}; please report it")
            internal = diagnostic(found, PositionMap(text, python, encoding), uri)
            return [internal], ("internal", f"{path}: {traceback.format_exc()}")

    def _default_root(self, path: Path) -> Path:
        """Where a project without a config is rooted: the innermost workspace folder holding
        the file (as `cachelint check` run there), else the file's folder."""
        roots = [to_fs_path(f.uri) for f in self.workspace.folders.values()]
        roots.append(self.workspace.root_path)
        holding = [Path(r) for r in roots if r and path.is_relative_to(r)]
        return max(holding, key=lambda r: len(r.parts), default=path.parent)

    def _report(self, uri: str, error: tuple[str, str]) -> None:
        """Log an error; show a config error too, unless it was the last shown for `uri`."""
        kind, message = error
        self.log(types.MessageType.Error, message)
        if kind == "config" and self.shown_errors.get(uri) != message:
            self.shown_errors[uri] = message
            self.window_show_message(
                types.ShowMessageParams(types.MessageType.Error, f"cachelint: {message}")
            )

    def log(self, kind: types.MessageType, message: str) -> None:
        self.window_log_message(types.LogMessageParams(kind, message))

    def shutdown(self) -> None:
        self.checks.shutdown(wait=False, cancel_futures=True)
        super().shutdown()


def build() -> CachelintServer:
    server = CachelintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CachelintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CachelintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: CachelintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: CachelintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return code_actions(params.text_document.uri, list(params.context.diagnostics))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CachelintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.clear(params.text_document.uri)
        ls.shown_errors.pop(params.text_document.uri, None)

    return server


def serve() -> None:
    """Run the server on stdin and stdout until the client says exit."""
    build().start_io()
