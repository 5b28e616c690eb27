"""`cachelint init`, run as a subprocess in project folders: the configuration it writes (where,
with which model and platform, found how), what it refuses to overwrite, and that `check` reads
what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import run_cli, write_files
from format_fixtures import BAD

BEDROCK_CONVERSE = {
    "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "system": [{"text": "You are a support agent."}, {"cachePoint": {"type": "default"}}],
    "messages": [{"role": "user", "content": [{"text": "hi"}]}],
}
BEDROCK_BOT = """\
from anthropic import AnthropicBedrock

client = AnthropicBedrock()
MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
client.messages.create(model=MODEL, max_tokens=64, messages=[])
"""
ANTHROPIC_BOT = """\
import anthropic

client = anthropic.Anthropic()
client.messages.create(model="claude-haiku-4-5", max_tokens=64, messages=[])
"""
OPENROUTER_BOT = """\
from openai import OpenAI

client = OpenAI(base_url="https://openrouter.ai/api/v1")
client.chat.completions.create(model="anthropic/claude-opus-4.5", messages=[])
"""


def init(root: Path, *args: str):
    proc = run_cli("init", *args, cwd=root)
    return proc, proc.stdout.decode(), proc.stderr.decode()


def written(root: Path, files: dict, *args: str) -> str:
    """The cachelint.toml that init writes for a project of these files."""
    proc, _, err = init(write_files(root, files), *args)
    assert proc.returncode == 0, err
    return (root / "cachelint.toml").read_text(encoding="utf-8")


def settings(root: Path) -> dict:
    """The settings `cachelint check --show-settings` resolves in `root` (TOML lines)."""
    proc = run_cli("check", "--show-settings", cwd=root)
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode().splitlines()
    return tomllib.loads("\n".join(line.replace("= null", '= "null"') for line in lines))


def test_appends_a_section_to_pyproject_and_check_reads_it(tmp_path):
    original = '[project]\nname = "bot"\n\n[tool.ruff]\nline-length = 100\n'
    write_files(
        tmp_path,
        {"pyproject.toml": original, "bot.py": BEDROCK_BOT, "req/a.json": BEDROCK_CONVERSE},
    )
    proc, out, err = init(tmp_path)
    assert proc.returncode == 0, err
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(original + "\n[tool.cachelint]\n")
    section = tomllib.loads(text)["tool"]["cachelint"]
    assert section == {"default-model": "claude-sonnet-4-5", "platform": "bedrock"}
    assert "# default-model: named in 2 files: bot.py, req/a.json" in text
    assert "# platform: bedrock, from 2 files" in text
    assert out.startswith("Wrote to pyproject.toml:\n[tool.cachelint]\n")
    assert "repos:\n  - repo: " in out and "      - id: cachelint\n" in out
    resolved = settings(tmp_path)
    assert resolved["config"] == str(tmp_path / "pyproject.toml")
    assert (resolved["default-model"], resolved["platform"]) == ("claude-sonnet-4-5", "bedrock")
    assert not (tmp_path / "cachelint.toml").exists()


def test_writes_cachelint_toml_where_there_is_no_pywrite_files(tmp_path):
    proc, out, err = init(write_files(tmp_path, {"app/bot.py": ANTHROPIC_BOT}))
    assert proc.returncode == 0, err
    doc = tomllib.loads((tmp_path / "cachelint.toml").read_text(encoding="utf-8"))
    assert doc == {"default-model": "claude-haiku-4-5", "platform": "anthropic"}
    assert out.startswith("Wrote to cachelint.toml:\n")


def test_cachelint_toml_on_request_leaves_pyproject_alone(tmp_path):
    files = {"pyproject.toml": '[project]\nname = "x"\n', "bot.py": ANTHROPIC_BOT}
    text = written(tmp_path, files, "--cachelint-toml")
    assert (tmp_path / "pyproject.toml").read_text() == '[project]\nname = "x"\n'
    assert tomllib.loads(text)["platform"] == "anthropic"


def test_a_directory_argument_names_the_write_files(tmp_path):
    write_files(tmp_path, {"svc/pyproject.toml": "", "svc/bot.py": ANTHROPIC_BOT})
    proc, _, err = init(tmp_path, "svc")
    assert proc.returncode == 0, err
    section = tomllib.loads((tmp_path / "svc/pyproject.toml").read_text())["tool"]["cachelint"]
    assert section["default-model"] == "claude-haiku-4-5"


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ({"pyproject.toml": "[tool.cachelint]\nignore = []\n"}, "already has a [tool.cachelint]"),
        (
            {"pyproject.toml": "[tool.cachelint.per-file-ignores]\n"},
            "already has a [tool.cachelint]",
        ),
        ({"cachelint.toml": "# mine\n"}, "cachelint.toml already exists"),
        ({".cachelint.toml": "", "pyproject.toml": ""}, ".cachelint.toml already exists"),
        ({"pyproject.toml": "[project\n"}, "cannot be read as TOML"),
        ({"pyproject.toml": "tool = {black = {}}\n"}, "a [tool.cachelint] section cannot be added"),
    ],
)
def test_refuses_to_overwrite_and_changes_nothing(tmp_path, files, why):
    write_files(tmp_path, {**files, "bot.py": ANTHROPIC_BOT})
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    proc, out, err = init(tmp_path)
    assert proc.returncode == 2
    assert why in err and "not changed" in err and "Traceback" not in err
    assert out == ""
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_the_model_named_in_most_files_wins(tmp_path):
    text = written(
        tmp_path,
        {
            "a.py": 'MODEL = "claude-opus-4-5"\n',
            "b.py": 'FAST = "claude-haiku-4-5"\n',
            "d.py": 'FAST = "claude-haiku-4-5"\n',
            "c.json": {"model": "claude-haiku-4-5-20251001", "messages": []},
            "logs/x.jsonl": (json.dumps({"model": "claude-opus-4-5", "messages": []}) + "\n") * 50,
        },
    )
    # files, not occurrences: the 50 requests of one log are one file
    assert tomllib.loads(text)["default-model"] == "claude-haiku-4-5"
    assert "# also named: claude-opus-4-5 (2 files)" in text


def test_several_platforms_leave_the_platform_unset(tmp_path):
    text = written(tmp_path, {"a.py": ANTHROPIC_BOT, "b.py": BEDROCK_BOT})
    assert "platform" not in tomllib.loads(text)
    assert "#   anthropic: 1 file: a.py" in text and "#   bedrock: 1 file: b.py" in text


CHAT = {"model": "anthropic/claude-opus-4.5", "messages": [{"role": "system", "content": "x"}]}


@pytest.mark.parametrize(
    ("files", "platform"),
    [
        ({"bot.py": OPENROUTER_BOT, "req.json": CHAT}, "openrouter"),
        (
            {"log.jsonl": json.dumps({"url": "https://api.portkey.ai/v1", "request": CHAT})},
            "portkey",
        ),
        ({"log.jsonl": json.dumps({"url": "https://notportkey.ai/v1", "request": CHAT})}, None),
    ],
)
def test_a_gateway_is_named_by_its_url(tmp_path, files, platform):
    doc = tomllib.loads(written(tmp_path, files))
    assert doc.get("platform") == platform
    assert doc["default-model"] == "claude-opus-4-5"


def test_a_generic_gateway_is_left_to_the_user(tmp_path):
    chat = {"model": "claude-opus-4-5", "messages": [{"role": "system", "content": "x"}]}
    text = written(tmp_path, {"req.json": chat})
    assert "platform" not in tomllib.loads(text)
    assert '# platform = "litellm"' in text and "OpenAI-style gateway" in text


def test_boto3_bedrock_runtime_and_litellm(tmp_path):
    boto3 = 'import boto3\nboto3.client("bedrock-runtime").converse(modelId=M)\n'
    assert tomllib.loads(written(tmp_path / "a", {"a.py": boto3}))["platform"] == "bedrock"
    litellm = "from litellm import completion\ncompletion()\n"
    assert tomllib.loads(written(tmp_path / "b", {"a.py": litellm}))["platform"] == "litellm"
    s3 = 'import boto3\nboto3.client("s3")  # anthropic\n'
    assert "platform" not in tomllib.loads(written(tmp_path / "c", {"a.py": s3}))


def test_nothing_found_writes_a_valid_config_that_says_so(tmp_path):
    text = written(tmp_path, {"notes.py": "print('hello')\n", "data.json": '{"a": 1}'})
    assert tomllib.loads(text) == {}
    assert "no model cachelint knows is named" in text
    assert run_cli("check", cwd=tmp_path).returncode == 0


def test_excluded_and_ignored_files_are_not_counted(tmp_path):
    write_files(
        tmp_path,
        {
            ".gitignore": "scratch/\n",
            "bot.py": ANTHROPIC_BOT,
            ".venv/lib/site.py": 'A = "claude-opus-4-1"\nB = "claude-opus-4-1"\n',
            "node_modules/x.json": {"model": "claude-opus-4-1", "messages": []},
            "scratch/y.json": {"model": "claude-opus-4-1", "messages": []},
        },
    )
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "add", "bot.py"], cwd=tmp_path, check=True)  # an index to read
    text = written(tmp_path, {})
    assert tomllib.loads(text)["default-model"] == "claude-haiku-4-5"
    assert "opus" not in text


def test_unreadable_and_broken_files_are_passed_over(tmp_path):
    write_files(
        tmp_path,
        {"bot.py": ANTHROPIC_BOT, "broken.py": "def (:\n", "bad.json": "{", "bad.jsonl": "x\n"},
    )
    (tmp_path / "deep.py").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    os.mkfifo(tmp_path / "fifo.json")  # never opened: a read would wait forever
    assert tomllib.loads(written(tmp_path, {}))["platform"] == "anthropic"


def test_file_names_cannot_write_settings(tmp_path):
    name = 'x\n[tool]\nplatform = "vertex"\n#.json'
    text = written(tmp_path, {name: {"model": "claude-sonnet-4-5", "messages": []}})
    assert tomllib.loads(text) == {"default-model": "claude-sonnet-4-5", "platform": "anthropic"}
    assert "x\\n[tool]\\nplatform" in text


def test_line_endings_of_the_pyproject_are_kept(tmp_path):
    write_files(tmp_path, {"pyproject.toml": b'[project]\r\nname = "x"', "bot.py": ANTHROPIC_BOT})
    assert init(tmp_path)[0].returncode == 0
    data = (tmp_path / "pyproject.toml").read_bytes()
    assert data.startswith(b'[project]\r\nname = "x"\r\n\r\n[tool.cachelint]\r\n')
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_model_and_platform_given_on_the_command_line(tmp_path):
    given = ("--model", "claude-opus-4-1", "--platform", "vertex")
    doc = tomllib.loads(written(tmp_path, {"bot.py": ANTHROPIC_BOT}, *given))
    assert doc == {"default-model": "claude-opus-4-1", "platform": "vertex"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "claude-sonet-4-5"], "did you mean claude-sonnet-4-5"),
        (["--platform", "azure"], "choose from anthropic, bedrock"),
        (["no-such-folder"], "does not exist"),
    ],
)
def test_bad_options_are_usage_errors(tmp_path, args, message):
    proc, _, err = init(tmp_path, *args)
    assert proc.returncode == 2 and message in err, err
    assert list(tmp_path.iterdir()) == []


def test_a_defective_project_still_fails_check_after_init(tmp_path):
    write_files(tmp_path, {"requests/support.json": BAD})
    assert init(tmp_path)[0].returncode == 0
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 1 and b"CL103" in proc.stdout
