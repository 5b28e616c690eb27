"""Audit of recorded request headers: flags requests that still send obsolete betas."""

import json
from pathlib import Path

OBSOLETE = {"prompt-caching-2024-07-31": "prompt caching is generally available"}


def obsolete_betas(headers: dict[str, str]) -> list[str]:
    values = headers.get("anthropic-beta", "")
    return [b.strip() for b in values.split(",") if b.strip() in OBSOLETE]


def audit(log_file: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in log_file.read_text().splitlines():
        record = json.loads(line)
        for beta in obsolete_betas(record.get("headers", {})):
            counts[beta] = counts.get(beta, 0) + 1
    return counts


def is_caching_beta(value: str) -> bool:
    return value.startswith("prompt-caching-") or value == "prompt-caching-2024-07-31"
