"""The token estimator: bounds that bracket real tokenizer behaviour, by kind of text."""

from __future__ import annotations

from cachelint.models import ModelTable
from cachelint.tokens import Estimator

EST = Estimator(ModelTable().estimator)


def test_prose_estimate_and_bounds():
    text = "The quick brown fox jumps over the lazy dog. " * 100  # 4,500 chars
    e = EST.text(text)
    assert e.low < e.mid < e.high
    assert e.low >= 900 and e.high <= 1600
    assert 1000 <= e.mid <= 1250  # ~4 chars per token for English prose


def test_code_counts_more_tokens_per_char_than_prose():
    code = 'def f(x):\n    return {"a": [x, x * 2], "b": (x,)}\n' * 50
    prose = "word " * (len(code) // 5)
    assert EST.text(code).mid > EST.text(prose).mid


def test_cjk_counts_about_one_token_per_character():
    e = EST.text("東京は日本の首都です。" * 100)  # 1,100 characters
    assert e.low <= 1100 <= e.high
    assert 800 <= e.mid <= 1200


def test_newer_tokenizer_scales_up():
    base = EST.text("plain English words " * 200)
    newer = EST.for_model(base, "claude-4.7")
    assert newer.low == base.low and newer.mid > base.mid and newer.high > base.high
    assert EST.for_model(base, "claude-3") == base


def test_empty_text_is_zero():
    e = EST.text("")
    assert (e.low, e.mid, e.high) == (0, 0, 0)
