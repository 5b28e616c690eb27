"""Character-level excerpts of what changed in a block."""

from __future__ import annotations

from cachelint.session.excerpt import describe_change, sketch, text_change


def test_clock_time_change_shows_the_whole_token_with_context():
    old = "You are helpful. Current time: 10:00:01. Be brief."
    new = "You are helpful. Current time: 10:00:07. Be brief."
    assert text_change(old, new) == '"...Current time: 10:00:01..." -> "...10:00:07..."'


def test_insertion_and_removal():
    assert text_change("Tools: a, b.", "Tools: a, b, c.").endswith("(inserted)")
    assert text_change("Tools: a, b, c.", "Tools: a, b.").endswith("(removed)")


def test_quotes_and_newlines_are_escaped():
    change = text_change('say "hi"\nnow', 'say "ho"\nnow')
    assert '\\"hi\\"' in change or '\\"hi' in change
    assert "\n" not in change


def test_long_runs_are_clipped():
    change = text_change("a " + "x" * 500, "a " + "y" * 500)
    assert len(change) < 120
    assert "…" in change


def test_sketch_keeps_short_texts_whole_and_long_ones_as_head_and_tail():
    assert sketch("short", 10, 2).complete
    s = sketch("h" * 100 + "m" * 1000 + "t" * 100, 500, 100)
    assert not s.complete and (s.head, s.tail) == ("h" * 100, "t" * 100)


def test_changes_in_a_long_block_are_found_in_the_head_the_tail_or_by_position():
    body = "word " * 2000
    s = sketch("Time 10:00:01. " + body + "End at 11:00:00.", 2048, 512)
    assert "10:00:09" in describe_change(s, "Time 10:00:09. " + body + "End at 11:00:00.")
    assert "11:00:09" in describe_change(s, "Time 10:00:01. " + body + "End at 11:00:09.")
    middle = "Time 10:00:01. " + body[:5000] + "CHANGED " + body[5000:] + "End at 11:00:00."
    assert describe_change(s, middle).startswith("changed between characters 512 and")
