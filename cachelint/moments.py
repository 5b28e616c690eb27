"""The moment a date-time names (as volatility.py finds them, or as a log records when a request
was sent), and whether a value falls within the day a request was sent."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_NUMERIC = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{2,4}),?\s+(?:at\s+)?(\d{1,2}):(\d{2})")
_MONTH_DAY = re.compile(r"\b(?P<month>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2})\b")
_DAY_MONTH = re.compile(r"\b(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3})")
_YEAR = re.compile(r"\b(\d{4})\b")
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})")
_EPOCH = re.compile(r"\b(1[5-9]\d{8})(\d{3}|\d{6})?(?:\.\d+)?$")
_EPOCH_MIN, _EPOCH_MAX = 1_500_000_000, 2_000_000_000  # 2017 to 2033, as the pattern finds


def _safe(*parts: int, tz: object = None) -> datetime | None:
    try:
        return datetime(*parts, tzinfo=tz)  # type: ignore[arg-type, misc]
    except (ValueError, OverflowError):
        return None


def _zone(text: str | None) -> object:
    if text is None:
        return None
    if text == "Z":
        return UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    try:
        return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    except ValueError:
        return None


def _named(text: str, after: str) -> datetime | None:
    """ "Sun Nov 22 10:00", "Sunday, 22 November 2026 at 10:42": the year may follow the match
    (asctime), so `after` is the text that comes next."""
    clock = _CLOCK.search(text)
    year = _YEAR.search(text) or _YEAR.search(after[:16])
    if clock is None or year is None:
        return None
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        for m in pattern.finditer(text):
            name = m["month"].lower()
            if name in _MONTHS:
                month = _MONTHS.index(name) + 1
                return _safe(int(year[1]), month, int(m["day"]), *map(int, clock.groups()))
    return None


def moments(text: str, after: str = "") -> list[datetime]:
    """The moments a date-time or epoch text may name (both readings of 03/04/2026); naive when
    the text names no zone. `after` is the text that follows it, where a year may stand."""
    text = text.strip()
    if m := _ISO.search(text):
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups()[:6])
        found = _safe(y, mo, d, h, mi, s, tz=_zone(m.group(7)))
        return [found] if found else []
    if m := _EPOCH.search(text):
        seconds = int(m.group(1))
        if not _EPOCH_MIN <= seconds < _EPOCH_MAX:
            return []
        return [datetime.fromtimestamp(seconds, UTC)]
    if m := _NUMERIC.search(text):
        a, b, y, h, mi = (int(g) for g in m.groups())
        y = y + 2000 if y < 100 else y
        readings = (_safe(y, a, b, h, mi), _safe(y, b, a, h, mi))
        return [r for r in readings if r is not None]
    found = _named(text, after)
    return [found] if found else []


def parse_sent(value: object) -> datetime | None:
    """When a log record says a request was sent: an ISO string or epoch seconds/milliseconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value >= _EPOCH_MAX * 10 else value
        if _EPOCH_MIN <= seconds < _EPOCH_MAX:
            return datetime.fromtimestamp(seconds, UTC)
        return None
    if isinstance(value, str) and len(value) <= 64:
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            found = moments(value)
            return found[0] if found else None
    return None


def within_day(value: datetime, sent: datetime) -> bool:
    """Whether `value` falls within the day `sent` was sent. A value without a zone is local time
    somewhere: its date must be the date of `sent` in some zone (UTC-12 to UTC+14)."""
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    if value.tzinfo is not None:
        return abs(value - sent) <= timedelta(days=1)
    first: date = (sent - timedelta(hours=12)).date()
    last: date = (sent + timedelta(hours=14)).date()
    return first <= value.date() <= last
