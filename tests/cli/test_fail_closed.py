"""Fail closed: a code, prefix or rule name that matches no rule is a usage or config error (exit
2) that names where it came from and suggests the nearest rule; never a silent pass."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, run_cli

BAD = ROOT / "examples" / "support_bot_request.json"


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("CL999", b"see `cachelint rules`"),
        ("CL9", b"see `cachelint rules`"),
        ("CL3O1", b""),
        ("E501", b""),
        ("volatile-befor-breakpoint", b"did you mean volatile-before-breakpoint?"),
        ("CL301,nonsense", b"'nonsense'"),
    ],
)
def test_unknown_codes_on_the_command_line_are_usage_errors(option, value, hint):
    r = run_cli("check", str(BAD), "--no-cache", option, value)
    assert r.returncode == 2, r.stdout
    assert b"unknown rule code or name" in r.stderr and option.encode() in r.stderr
    assert hint in r.stderr and b"All checks passed" not in r.stdout


def _codes(*args: str) -> set[str]:
    r = run_cli("check", str(BAD), "--no-cache", "--format", "json", *args)
    assert r.returncode in (0, 1), r.stderr
    return {f["code"] for f in json.loads(r.stdout)["findings"]}


def test_rule_names_work_wherever_codes_do(tmp_path):
    assert (
        _codes("--select", "volatile-before-breakpoint") == {"CL301"} == _codes("--select", "CL301")
    )
    everything = _codes()
    assert _codes("--ignore", "ttl-order") == everything - {"CL102"}
    assert _codes("--select", "cl3", "--ignore", "VOLATILE-BEFORE-BREAKPOINT") == _codes(
        "--select", "CL3", "--ignore", "CL301"
    )
    (tmp_path / "cachelint.toml").write_text(
        'select = ["ttl-order"]\n[per-file-ignores]\n"*.json" = ["ttl-order"]\n'
    )
    (tmp_path / "req.json").write_bytes(BAD.read_bytes())
    r = run_cli("check", ".", "--no-cache", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["findings"] == []


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            'select = [\n  "CL1",\n  "CL999",\n]\n',
            b"line 3: select: unknown rule code or name 'CL999'",
        ),
        (
            'ignore = ["ttl-ordr"]\n',
            b"line 1: ignore: unknown rule code or name 'ttl-ordr' (did you mean ttl-order?)",
        ),
        ('extend-select = ["CL7"]\n', b"line 1: extend-select: unknown rule code or name 'CL7'"),
        (
            '[per-file-ignores]\n"logs/*.jsonl" = ["CL3", "CL35"]\n',
            b"line 2: logs/*.jsonl: unknown rule code or name 'CL35'",
        ),
        (
            'default_model = "claude-sonnet-4-5"\n',
            b"line 1: unknown key 'default_model' (did you mean 'default-model'?)",
        ),
        (
            '\nselect = ["ALL"]\nexclud = ["x"]\n',
            b"line 3: unknown key 'exclud' (did you mean 'exclude'?)",
        ),
        ('max-file-size = "big"\n', b"line 1: max-file-size: 'big' is not of type 'integer'"),
    ],
)
def test_config_errors_name_the_file_the_key_and_the_line(tmp_path, toml, expected):
    (tmp_path / "cachelint.toml").write_text(toml)
    (tmp_path / "req.json").write_bytes(BAD.read_bytes())
    for _ in range(2):  # and again once a cache folder exists
        r = run_cli("check", ".", cwd=tmp_path)
        assert r.returncode == 2, r.stdout
        assert str(tmp_path / "cachelint.toml").encode() in r.stderr
        assert expected in r.stderr, r.stderr


def test_a_config_that_is_not_utf8_is_a_config_error(tmp_path):
    (tmp_path / "cachelint.toml").write_bytes(b'select = ["\xff"]\n')
    r = run_cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and b"not UTF-8" in r.stderr and b"Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("model", "hint"), [("gpt-4o", b""), ("claude-sonet-4-5", b"claude-sonnet-4-5")]
)
def test_an_unknown_default_model_is_an_error(tmp_path, model, hint):
    r = run_cli("check", str(BAD), "--no-cache", "--model", model)
    assert r.returncode == 2 and b"--model" in r.stderr and b"unknown model" in r.stderr
    assert hint in r.stderr
    (tmp_path / "cachelint.toml").write_text(f'default-model = "{model}"\n')
    r = run_cli("check", str(BAD), "--no-cache", cwd=tmp_path)
    assert r.returncode == 2 and b"default-model" in r.stderr and b"unknown model" in r.stderr
    (tmp_path / "cachelint.toml").write_text(
        f'default-model = "{model}"\n[models."{model}"]\nmin-tokens = 1024\n'
    )
    assert run_cli("check", str(BAD), "--no-cache", cwd=tmp_path).returncode == 1, "added: known"
    assert run_cli("check", str(BAD), "--no-cache", "--model", "claude-sonnet-4-5").returncode == 1


def test_a_config_that_is_a_fifo_or_huge_is_a_config_error(tmp_path):
    import os

    os.mkfifo(tmp_path / "named.toml")
    r = run_cli("check", ".", "--config", "named.toml", cwd=tmp_path)
    assert r.returncode == 2 and b"not a regular file" in r.stderr
    (tmp_path / "cachelint.toml").write_text("#" * (2 << 20))
    r = run_cli("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and b"over the" in r.stderr and b"Traceback" not in r.stderr
