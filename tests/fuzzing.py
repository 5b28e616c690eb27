"""Shared by the property tests (tests/unit/test_fuzz_*.py): hypothesis settings and the invariants
every finding must keep.

CI runs them with a fixed seed and a bounded number of examples; bench/fuzz_long.py sets
CACHELINT_FUZZ_EXAMPLES and CACHELINT_FUZZ_RANDOM=1 for a long run with a random seed.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from cachelint.catalog import catalog

EXAMPLES = int(os.environ.get("CACHELINT_FUZZ_EXAMPLES", "150"))
RANDOM = os.environ.get("CACHELINT_FUZZ_RANDOM") == "1"


def fuzz_settings(share: float = 1.0) -> settings:
    """Settings for one property; `share` scales the example count for costly properties."""
    return settings(
        max_examples=max(1, int(EXAMPLES * share)),
        derandomize=not RANDOM,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


SETTINGS = fuzz_settings()


def check_findings(findings) -> None:
    """Every finding names a catalogued rule, a valid span and a message."""
    codes = catalog()
    for f in findings:
        assert f.code in codes
        assert f.span.line >= 1 and f.span.column >= 1
        assert (f.span.end_line, f.span.end_column) >= (f.span.line, f.span.column)
        assert f.message
