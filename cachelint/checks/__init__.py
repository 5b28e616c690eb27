"""The rules: one module per rule (or per family of codes one check reports), each registering
its checks with `cachelint.rule_api` at definition. Its page is `rules/<CODE>-<name>.md`.

`load_all` imports every module here, so that adding a rule is adding a module and a page
(CONTRIBUTING.md; `scripts/add_rule.py` writes both).
"""

from __future__ import annotations

import importlib
import pkgutil

from cachelint import rule_pages
from cachelint.rule_api import verify


def load_all() -> None:
    """Import every rule module so that its checks register, then check that each rule page
    has a check and each registered code a page (`rule_api.RegistryError` otherwise)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    verify(rule_pages.codes())
