"""Bad input gives a clear CL000 finding, never a traceback, and the rest of the run goes on."""

from __future__ import annotations

import json
import os
import sys

import pytest

from conftest import ROOT, lint, run_cli

GOOD_BAD = (ROOT / "examples" / "support_bot_request.json").read_bytes()


def _cl000(findings):
    return [f for f in findings if f.code == "CL000"]


@pytest.mark.parametrize(
    ("data", "needle", "line"),
    [
        (b"", "empty file", 1),
        (b"  \n\t\n", "empty file", 1),
        (b'{"model": "x",\n "messages": [\n', "unexpected end of data", 2),
        (b'{"model": "x", "messages": [}', "invalid JSON", 1),
        (b'{"a": 1}\n{"b": 2}\n', "invalid JSON", 2),
        (b'{"text": "caf\xe9", "cache_control": 1}', "not valid UTF-8 (byte 0xe9 at offset 13)", 1),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file", 1),
        (b"[" * 5000 + b"]" * 5000, "nested deeper than the parser's limit", 1),
        (b'{"messages": [], "x": NaN}', "invalid JSON", 1),
    ],
)
def test_unparsable_json_is_cl000(data, needle, line):
    found = _cl000(lint(data))
    assert len(found) == 1, found
    assert needle in found[0].message
    assert found[0].span.line == line
    assert found[0].severity.value == "error"


def test_bom_is_accepted():
    findings = lint(b"\xef\xbb\xbf" + GOOD_BAD)
    assert not _cl000(findings)
    assert any(f.code == "CL301" and f.span.line == 14 for f in findings)


def test_jsonl_bad_line_does_not_stop_the_log():
    good = json.dumps(json.loads(GOOD_BAD)).encode()
    data = good + b"\n" + b'{"truncated": \n' + b"\n" + good + b"\n"
    findings = lint(data, "log.jsonl")
    bad = _cl000(findings)
    assert [(f.span.line, f.message[:7]) for f in bad] == [(2, "line 2:")]
    cl301 = [f for f in findings if f.code == "CL301"]  # line 4 repeats line 1's request
    assert [f.span.line for f in cl301] == [1]
    assert cl301[0].message.endswith("(in all 2 requests of this conversation, the last at line 4)")


def test_huge_strings_and_deep_but_valid_nesting_are_checked():
    deep = {"a": None}
    node = deep
    for _ in range(200):
        node["a"] = {"a": None}
        node = node["a"]
    req = json.loads(GOOD_BAD)
    req["metadata"] = deep
    req["messages"][0]["content"] = "x" * 5_000_000
    findings = lint(json.dumps(req).encode())
    assert not _cl000(findings)
    assert any(f.code == "CL301" for f in findings)


def test_unrelated_json_in_a_walked_folder_is_skipped(tmp_path):
    (tmp_path / "tsconfig.json").write_text('{ // comments are not JSON\n "compilerOptions": {} }')
    (tmp_path / "package.json").write_text('{"name": "x"}')
    r = run_cli("check", str(tmp_path))
    assert r.returncode == 0, r.stdout
    assert b"0 files checked" in r.stdout
    # named explicitly, the same file is checked and reported
    r = run_cli("check", str(tmp_path / "tsconfig.json"), "--format", "concise")
    assert r.returncode == 1 and b"[CL000]" in r.stdout


def test_walked_json_with_comments_that_mentions_caching_is_not_a_payload(tmp_path):
    # model metadata with a commented-out line (as a coding assistant ships it): its cache prices
    # pass the prefilter, but it holds no request key, so a walk does not report it unparsable
    (tmp_path / "model-metadata.json").write_text(
        '{"m": {\n  "cache_read_input_token_cost": 1e-7,\n  //"supports_tools": true,\n'
        '  "supports_prompt_caching": true}}\n'
    )
    (tmp_path / "request.json").write_text(
        '{"messages": [{"role": "user", "content": [{"type": "text", "text": "x", '
        '"cache_control": {"type": "ephemeral"}},]}]}'
    )
    r = run_cli("check", str(tmp_path), "--format", "concise", "--no-cache")
    assert r.returncode == 1
    out = r.stdout.decode()
    assert "request.json:1:" in out and "trailing comma" in out
    assert "model-metadata" not in out
    r = run_cli("check", str(tmp_path / "model-metadata.json"), "--format", "concise")
    assert r.returncode == 1 and b"[CL000]" in r.stdout


def test_unreadable_paths_are_findings_and_the_run_goes_on(tmp_path):
    good = tmp_path / "good.json"
    good.write_bytes(GOOD_BAD)
    os.symlink(tmp_path / "nowhere.json", tmp_path / "dangling.json")
    r = run_cli(
        "check",
        str(tmp_path / "dangling.json"),
        str(tmp_path / "missing.json"),
        str(good),
        "--format",
        "concise",
    )
    out = r.stdout.decode()
    assert r.returncode == 1
    assert "dangling.json:1:1: error: cannot read file: No such file or directory [CL000]" in out
    assert "missing.json:1:1: error: cannot read file" in out
    assert "good.json:14:71: error:" in out
    assert b"Traceback" not in r.stderr


def test_a_directory_named_like_a_payload_is_walked_not_read(tmp_path):
    (tmp_path / "weird.json").mkdir()
    (tmp_path / "weird.json" / "inner.json").write_bytes(GOOD_BAD)
    r = run_cli("check", str(tmp_path / "weird.json"), "--format", "concise")
    assert r.returncode == 1 and b"inner.json:14:71" in r.stdout


def test_file_size_limit(tmp_path):
    (tmp_path / "cachelint.toml").write_text("max-file-size = 1000\n")
    (tmp_path / "big.json").write_bytes(GOOD_BAD)
    r = run_cli("check", "big.json", "--format", "concise", cwd=tmp_path)
    assert r.returncode == 1
    assert b"over the max-file-size limit of 1,000 [CL000]" in r.stdout


def test_symlinked_files_in_a_walk_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_bytes(GOOD_BAD)
    tree = tmp_path / "tree"
    tree.mkdir()
    os.symlink(outside / "secret.json", tree / "link.json")
    os.symlink(outside, tree / "linkdir")
    r = run_cli("check", str(tree))
    assert r.returncode == 0 and b"0 files checked" in r.stdout


def test_jsonl_line_over_the_limit_is_reported_and_skipped(tmp_path):
    (tmp_path / "cachelint.toml").write_text("max-file-size = 2000\n")
    small = json.dumps(json.loads(GOOD_BAD)["messages"][0])
    req = json.dumps(
        {"model": "claude-sonnet-4-5", "messages": [json.loads(small)], "cache_control": "bad"}
    )
    huge = json.dumps({"x": "y" * 10_000, "cache_control": 1})
    (tmp_path / "log.jsonl").write_text("\n".join([req, huge, req]) + "\n")
    r = run_cli("check", "log.jsonl", "--format", "concise", cwd=tmp_path)
    out = r.stdout.decode()
    assert "log.jsonl:2:1: error: line 2: longer than the max-file-size limit" in out
    assert out.count("[CL103]") == 2  # lines 1 and 3 are still checked


@pytest.mark.parametrize("bad_type", [[1], {"a": 1}, None, 3.5, True])
def test_unhashable_or_odd_block_types(bad_type):
    # found by bench/fuzz_long.py: a list as a block "type" crashed a set lookup
    req = json.loads(GOOD_BAD)
    req["messages"][0]["content"] = [
        {"type": bad_type, "cache_control": {"type": "ephemeral"}},
        {"type": "tool_result", "content": [{"type": bad_type}]},
    ]
    req["system"][0]["type"] = bad_type
    findings = lint(json.dumps(req))
    assert not _cl000(findings)


def test_unhashable_role():
    # found by bench/fuzz_long.py: a list as a message role crashed dialect detection
    findings = lint(
        json.dumps(
            {
                "messages": [{"type": None, "text": None, "role": []}],
                "cache_control": {"type": "ephemeral"},
            }
        )
    )
    assert not _cl000(findings)


@pytest.mark.skipif(sys.platform == "win32", reason="file names there are always Unicode")
def test_a_file_name_that_is_not_utf8_is_checked_with_the_cache(tmp_path):
    """Such a name reaches Python with surrogates: it is reported, and only not remembered by
    the stat index and result cache (which are JSON)."""
    (tmp_path / os.fsdecode(b"caf\xe9.json")).write_bytes(GOOD_BAD)
    runs = [run_cli("check", ".", "--format", "concise", cwd=tmp_path) for _ in range(2)]
    for r in runs:
        assert r.returncode == 1, r.stderr
        assert b"caf" in r.stdout and b"internal error" not in r.stderr
    assert runs[0].stdout == runs[1].stdout
