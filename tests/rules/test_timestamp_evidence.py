"""A date-time in a payload is reported (CL301, CL304) only with evidence that it is the time of
the request: a label, a system block holding nothing else, or what a log shows (a value within
the day its record says the request was sent, a value that differs between otherwise equal
requests). Examples and fixed facts are quiet."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from cachelint.moments import moments, parse_sent, within_day
from cachelint.session.clock import sent_at
from cachelint.volatility import find_volatile

from conftest import lint, run_cli

EPHEMERAL = {"type": "ephemeral"}


def _evident(text: str) -> list[bool]:
    return [m.evident for m in find_volatile(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Current time: 2026-11-22T10:42:07Z",
        "The current time (UTC) is 2026-11-22T10:00:00Z",
        "Current date and time: Sun Nov 22 10:00:00 2026",
        "now 2026-11-22 10:42",
        "Now: Sun Nov 22 10:00:00 2026",
        "Generated on Sun Nov 22 10:42:07 2026",
        "generated_at: 1763808127",
        "as of 11/22/2026 10:42 AM",
        "Today is Monday, November 3, 2025, 10:42.",
        "It is now Sunday, 2026-11-22 10:00",
        "The time is 10:42:13.",
        '{"current_time": "2026-11-22T10:00:00Z"}',
        "<current_time>2026-11-22T10:00:00Z</current_time>",
        "**Current time:** 2026-11-22 10:00:00",
        "Local time: 10:42:07",
        "Request time: 2026-11-22T10:42:07Z",
        "Session ID: 3f2a1b4c-1234-4abc-8def-0123456789ab",
        "request id: req_011CSHoEeqs5C35K2UUqR7Fy",
    ],
)
def test_labelled_values_are_evident(text):
    assert _evident(text) == [True], [m.text for m in find_volatile(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Times are ISO 8601, e.g. 2026-05-01T14:30:00Z.",
        "for example 2026-03-02T09:30:00Z",
        "Dates use the format YYYY-MM-DD HH:MM:SS, like 2026-01-31 23:59:59",
        "Policy effective from 2026-01-01 00:00 UTC.",
        "Changelog: 2025-12-15 09:30 added EU rules.",
        "v4.12, released Tuesday, March 3, 2026 at 14:00",
        "Agents call between 09:00:00 and 17:30:00.",
        "timestamp: 1763808127",
        "Unix timestamp in seconds, e.g. 1767225600",
        "Example: Current time: 2026-05-01T14:30:00Z",
        "Current time matters. The policy started 2026-01-01 00:00.",
        "The message id, e.g. msg_01XFDUDYJgAACzvnptvVoYEL",
        "ids such as req_011CSHoEeqs5C35K2UUqR7Fy",
    ],
)
def test_examples_and_fixed_facts_are_not_evident(text):
    found = find_volatile(text)
    assert found and not any(m.evident for m in found), [m.text for m in found]


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("2026-11-22T10:42:07Z", "", datetime(2026, 11, 22, 10, 42, 7, tzinfo=UTC)),
        ("2026-11-22 10:42", "", datetime(2026, 11, 22, 10, 42)),
        ("Sun Nov 22 10:42", ":07 2026", datetime(2026, 11, 22, 10, 42)),
        ("Monday, 3 November 2025 at 10:42", "", datetime(2025, 11, 3, 10, 42)),
        ("timestamp: 1763808127", "", datetime(2025, 11, 22, 10, 42, 7, tzinfo=UTC)),
        ("created_at=1763808127123", "", datetime(2025, 11, 22, 10, 42, 7, tzinfo=UTC)),
    ],
)
def test_moments_of_matched_text(text, after, expected):
    assert moments(text, after) == [expected]


def test_a_numeric_date_has_both_readings():
    assert moments("03/04/2026 10:42") == [
        datetime(2026, 3, 4, 10, 42),
        datetime(2026, 4, 3, 10, 42),
    ]


def test_within_the_day_a_request_was_sent():
    sent = datetime(2026, 11, 22, 10, 0, 5, tzinfo=UTC)
    assert within_day(datetime(2026, 11, 22, 9, 58, tzinfo=UTC), sent)
    assert within_day(datetime(2026, 11, 22, 19, 58), sent)  # local time somewhere
    assert within_day(datetime(2026, 11, 21, 23, 30), sent)  # UTC-12 is still on the 21st
    assert not within_day(datetime(2026, 1, 1, 0, 0, tzinfo=UTC), sent)
    assert not within_day(datetime(2026, 11, 20, 10, 0), sent)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"timestamp": "2026-11-22T10:00:05Z"}, datetime(2026, 11, 22, 10, 0, 5, tzinfo=UTC)),
        ({"created_at": 1763805605}, datetime(2025, 11, 22, 10, 0, 5, tzinfo=UTC)),
        ({"startTime": 1763805605000}, datetime(2025, 11, 22, 10, 0, 5, tzinfo=UTC)),
        ({"time": "2026-11-22 10:00:05"}, datetime(2026, 11, 22, 10, 0, 5)),
        ({"timestamp": "yesterday"}, None),
        ({"timestamp": True}, None),
        ({"ts": 42}, None),
        ([], None),
    ],
)
def test_when_a_log_record_says_it_was_sent(record, expected):
    assert sent_at(record) == expected


def test_parse_sent_ignores_long_strings():
    assert parse_sent("2026-11-22T10:00:05Z" + " " * 100) is None


# ---- through the rules -----------------------------------------------------------------------

POLICY = "Refunds are issued within five working days of the return being checked. " * 80


def _request(stamp_text: str, question: str = "Hi", marked_stamp: bool = False) -> dict:
    stamp = {"type": "text", "text": stamp_text}
    policy = {"type": "text", "text": POLICY}
    if marked_stamp:
        stamp["cache_control"] = dict(EPHEMERAL)
        system = [policy, stamp]
    else:
        policy["cache_control"] = dict(EPHEMERAL)
        system = [stamp, policy]
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "system": system,
        "messages": [{"role": "user", "content": question}],
    }


def _found(data: dict | list, filename: str = "req.json") -> list[tuple[int, str, str]]:
    if filename.endswith(".jsonl"):
        raw = "".join(json.dumps(d) + "\n" for d in data)
    else:
        raw = json.dumps(data, indent=2)
    return sorted((f.span.line, f.code, f.message) for f in lint(raw, filename))


@pytest.mark.parametrize(
    "text",
    [
        "Callbacks are booked in UTC, e.g. 2026-05-01T14:30:00Z.",
        "Policy version 7, effective from 2026-01-01 00:00 UTC.",
        "Changelog: 2025-12-15 09:30 returns window extended to 60 days.",
        "Store hours 09:00:00 to 21:00:00.",
    ],
)
@pytest.mark.parametrize("marked_stamp", [False, True])
def test_examples_and_fixed_facts_in_a_single_payload_are_quiet(text, marked_stamp):
    assert not _found(_request(text, marked_stamp=marked_stamp))


@pytest.mark.parametrize(("marked_stamp", "code"), [(False, "CL301"), (True, "CL304")])
def test_a_labelled_time_is_still_reported(marked_stamp, code):
    found = _found(_request("Current time: 2026-11-22T10:42:07Z", marked_stamp=marked_stamp))
    assert [c for _, c, _ in found] == [code]


def test_a_system_block_holding_only_a_date_time_is_reported():
    found = _found(_request("2026-11-22 10:42:07 UTC"))
    assert [(c, "alone in a system block" in m) for _, c, m in found] == [("CL301", True)]


def test_a_date_time_alone_in_a_tool_schema_is_an_example():
    req = _request("Policies")
    req["tools"] = [
        {
            "name": "book",
            "description": "Book a slot.",
            "input_schema": {
                "type": "object",
                "properties": {"at": {"default": "2026-05-01T14:30:00Z"}},
            },
        }
    ]
    assert not _found(req)


def test_a_date_time_of_the_day_the_record_was_sent_is_reported():
    record = {
        "timestamp": "2026-11-22T10:00:05Z",
        "request": _request("Snapshot 2026-11-22 09:58:40."),
    }
    found = _found(record)
    assert [c for _, c, _ in found] == ["CL301"]
    assert "of the day the log says this request was sent (2026-11-22)" in found[0][2]


def test_a_fixed_date_far_from_the_day_the_record_was_sent_is_quiet():
    record = {
        "timestamp": "2026-11-22T10:00:05Z",
        "request": _request("Prices from 2026-01-01 00:00."),
    }
    assert not _found(record)


def test_a_value_that_differs_between_requests_of_a_log_is_reported_from_that_request():
    lines = [_request(f"Snapshot 2026-11-22 10:00:0{i}.", f"Q{i}") for i in (1, 1, 7, 9)]
    found = _found(lines, "log.jsonl")
    assert [(n, c) for n, c, _ in found] == [(3, "CL301"), (4, "CL301")]
    assert "differs between requests of this log (2026-11-22 10:00:01 at line 2)" in found[0][2]


def test_the_same_value_on_every_request_of_a_log_is_quiet_even_on_the_day_it_was_sent():
    lines = [
        {"timestamp": "2026-01-01T09:00:00Z", "request": _request("Snapshot 2026-01-01 08:00.")},
        {"timestamp": "2026-01-01T09:05:00Z", "request": _request("Snapshot 2026-01-01 08:00.")},
    ]
    found = _found(lines, "log.jsonl")
    # the first record alone cannot tell a fixed fact of that day from the time of the request
    assert [(n, c) for n, c, _ in found] == [(1, "CL301")]


def test_requests_whose_other_text_differs_are_not_compared():
    lines = [
        _request("Snapshot A 2026-11-22 10:00:01."),
        _request("Snapshot B 2026-11-22 10:00:07."),
    ]
    assert not _found(lines, "log.jsonl")


def test_a_log_folder_compares_its_files(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for i, t in enumerate(("10:00:01", "10:00:07")):
        (logs / f"req-{i + 1}.json").write_text(json.dumps(_request(f"Built at 2026-11-22 {t}.")))
    r = run_cli("check", "--log-dir", str(logs), "--no-cache", "--format", "json", cwd=tmp_path)
    found = [(f["path"], f["code"]) for f in json.loads(r.stdout)["findings"]]
    assert [(p.rsplit("/", 1)[-1], c) for p, c in found] == [("req-2.json", "CL301")]
