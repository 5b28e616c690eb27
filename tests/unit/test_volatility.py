"""Volatile text patterns: what changes every call, and what only looks like it."""

from __future__ import annotations

import pytest

from cachelint.volatility import find_volatile


@pytest.mark.parametrize(
    "text",
    [
        "Current time: 2026-11-22T10:42:07Z",
        "now 2026-11-22 10:42",
        "Generated on Sun Nov 22 10:42:07 2026",
        "Sunday, November 22, 2026 at 10:42",
        "as of 11/22/2026 10:42 AM",
        "Request handled at 10:42:07",
        "timestamp: 1763808127",
        "created_at=1763808127123",
        "Session ID: 3f2a1b4c-1234-4abc-8def-0123456789ab",
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
        "request id: req_011CSHoEeqs5C35K2UUqR7Fy",
        "Today is Monday, November 3, 2025, 10:42.",
        "The current date and time is 22 November 2026 10:42",
    ],
)
def test_volatile(text):
    assert find_volatile(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Knowledge cutoff: 2025-01.",
        "API version 2023-06-01 is required.",
        "Prices valid since 2024-04-01.",
        "Today is a good day to ship.",
        "Call 555-1234 between 9:00 and 17:00.",
        "Use the ratio 16:9 for videos.",
        "Workspace 123e4567-e89b-12d3-a456-426614174000 is read-only.",
        "Order numbers look like 1763808127.",
        "Today is {date}.",
        "Today is Monday, November 3, 2025.",
        "Today's date: 2026-11-22",
        "The current date is 22 November 2026",
        "The id field is a string.",
        "version 1.2.3, build 20240101",
    ],
)
def test_not_volatile(text):
    assert not find_volatile(text), [m.text for m in find_volatile(text)]
