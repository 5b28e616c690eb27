"""--count-tokens against a local stand-in for the count_tokens endpoint (no real network)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from cachelint.count_tokens import truncate

from conftest import run_cli
from payloads import POLICY, anthropic_request


class _Handler(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict]] = []
    tokens_per_char = 0.4

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        assert self.path == "/v1/messages/count_tokens"
        assert self.headers["x-api-key"] == "test-key"
        type(self).bodies.append(body)
        n = int(len(json.dumps(body)) * type(self).tokens_per_char)
        out = json.dumps({"input_tokens": n}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        """Keep the test output quiet."""


@pytest.fixture
def server():
    _Handler.bodies = []
    srv = HTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def _borderline(tmp_path):
    req = anthropic_request()
    req["system"][0]["text"] = POLICY[:3000]  # the bounds straddle 1,024, the estimate is over it
    path = tmp_path / "req.json"
    path.write_text(json.dumps(req, indent=1))
    return path


def test_exact_count_overrides_the_estimate(tmp_path, server):
    path = _borderline(tmp_path)
    env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": server}
    r = run_cli("check", str(path), "--format", "json", "--count-tokens", env=env)
    findings = json.loads(r.stdout)["findings"]
    assert not findings, findings  # 0.4 tokens per char of JSON: over the minimum
    sent = _Handler.bodies[0]
    assert sent["model"] == "claude-sonnet-4-5" and "cache_control" not in sent
    assert sent["system"][0]["text"].startswith("Our support policy")

    _Handler.tokens_per_char = 0.05
    try:
        r = run_cli("check", str(path), "--format", "json", "--count-tokens", env=env)
    finally:
        _Handler.tokens_per_char = 0.4
    (f,) = json.loads(r.stdout)["findings"]
    assert f["code"] == "CL201" and "(count_tokens)" in f["message"] and f["severity"] == "error"


def test_needs_a_key_and_reports_failures(tmp_path):
    path = _borderline(tmp_path)
    r = run_cli("check", str(path), "--count-tokens", env={"ANTHROPIC_API_KEY": ""})
    assert r.returncode == 2 and b"ANTHROPIC_API_KEY" in r.stderr
    env = {"ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}
    r = run_cli("check", str(path), "--count-tokens", "--format", "concise", env=env)
    assert b"count_tokens failed" in r.stderr and b"estimates used instead" in r.stderr
    assert b"Traceback" not in r.stderr


def test_truncate_keeps_the_prefix_only():
    req = anthropic_request()
    cut = truncate(req, ("messages", 2, "content"))
    assert len(cut["messages"]) == 3 and cut["system"] == req["system"]
    cut = truncate(req, ("system", 0, "cache_control"))
    assert cut["messages"] == [] and len(cut["system"]) == 1
    cut = truncate(req, ("tools", 1, "cache_control"))
    assert len(cut["tools"]) == 2 and "system" not in cut
    req["messages"][-1]["content"].append({"type": "text", "text": "after"})
    cut = truncate(req, ("messages", len(req["messages"]) - 1, "content", 0, "cache_control"))
    assert cut["messages"][-1]["content"] == req["messages"][-1]["content"][:1]
