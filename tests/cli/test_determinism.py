"""Byte-identical output across runs and hash seeds (sets and dicts must not leak order)."""

from __future__ import annotations

from conftest import run_cli


def test_same_output_under_different_hash_seeds():
    outputs = set()
    for seed in ("0", "1", "12345", "random"):
        r = run_cli("check", "examples/", "--format", "json", env={"PYTHONHASHSEED": seed})
        assert r.returncode == 1
        outputs.add(r.stdout)
    assert len(outputs) == 1
