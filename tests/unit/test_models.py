"""The limits table: id normalisation across platforms, overrides, no guessed minimums."""

from __future__ import annotations

import json

import pytest

from cachelint.models import ModelTable, normalize


@pytest.mark.parametrize(
    ("raw", "row"),
    [
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("global.anthropic.claude-opus-4-6-v1", "claude-opus-4-6"),
        ("apac.anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"),
        ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"),
        ("claude-opus-4-5@20251101", "claude-opus-4-5"),
        ("anthropic/claude-sonnet-4.5", "claude-sonnet-4-5"),
        ("anthropic/claude-opus-4.6:thinking", "claude-opus-4-6"),
        ("openrouter/anthropic/claude-3.7-sonnet", "claude-3-7-sonnet"),
        ("bedrock/converse/us.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5"),
        ("vertex_ai/claude-opus-4-1@20250805", "claude-opus-4-1"),
        ("claude-opus-4.6", "claude-opus-4-6"),
        ("claude-3-7-sonnet-latest", "claude-3-7-sonnet"),
        ("claude-opus-4-0", "claude-opus-4"),
        ("CLAUDE-SONNET-4-5", "claude-sonnet-4-5"),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "claude-sonnet-4-5",
        ),
    ],
)
def test_ids_resolve_to_their_row(raw, row):
    found = ModelTable().lookup(raw)
    assert found is not None and found.id == row


def test_application_inference_profiles_cannot_name_a_model():
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3"
    assert normalize(arn) is None
    assert ModelTable().lookup(arn) is None


@pytest.mark.parametrize("raw", ["claude-sonet-4-5", "claude-7", "gpt-4o", "my-model"])
def test_unknown_ids_are_not_guessed(raw):
    assert ModelTable().lookup(raw) is None


def test_platform_columns_and_unknown_minimums():
    t = ModelTable()
    opus47 = t.lookup("claude-opus-4-7")
    assert (opus47.minimum("anthropic"), opus47.minimum("bedrock")) == (2048, 4096)
    assert opus47.minimum("vertex") == 2048
    assert t.lookup("claude-opus-5-5").minimum("bedrock") is None
    assert t.lookup("claude-haiku-5-5").minimum("anthropic") is None
    assert not t.lookup("claude-3-7-sonnet").supports_1h("bedrock")
    assert t.lookup("claude-3-7-sonnet").supports_1h("anthropic")


def test_every_row_has_a_source_and_a_date():
    for row in ModelTable().rows:
        assert row.source and row.date, row.id
        assert row.tokenizer in ("claude-3", "claude-4.7")


def test_overrides_change_and_add_rows():
    t = ModelTable(
        {
            "claude-haiku-5-5": {"min-tokens": 2048},
            "acme-llm": {"min-tokens": 100, "tokenizer": "claude-4.7"},
            "claude-sonnet-4-5": {"min-tokens-bedrock": 2048},
        }
    )
    assert t.lookup("claude-haiku-5-5").minimum(None) == 2048
    assert t.lookup("acme-llm").minimum(None) == 100
    sonnet = t.lookup("anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert (sonnet.minimum("anthropic"), sonnet.minimum("bedrock")) == (1024, 2048)
    assert "override" in sonnet.source


def test_automatic_providers():
    t = ModelTable()
    assert t.automatic_provider("gpt-4o").provider == "OpenAI"
    assert t.automatic_provider("openai/gpt-4.1-mini").provider == "OpenAI"
    assert t.automatic_provider("deepseek-chat").provider == "DeepSeek"
    assert t.automatic_provider("claude-opus-4-8") is None


def test_models_explains_every_source_tag_it_shows():
    from conftest import run_cli

    out = run_cli("models").stdout.decode()
    table, _, legend = out.partition("\nsources:\n")
    explained = {ln.split()[0] for ln in legend.splitlines() if ln.strip()}
    assert {"A", "AWS"} <= explained
    for tag in explained:
        assert any(tag in ln.split("  ")[-1] for ln in table.splitlines()[1:])
    rows = json.loads(run_cli("models", "--format", "json").stdout)
    tagged = [r for r in rows if r["source_tags"]]
    assert tagged and all(set(r["source_tags"]) <= explained for r in rows)
