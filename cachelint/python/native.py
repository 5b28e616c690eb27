"""libcst's parser without the per-node validation it runs while building the tree.

Every libcst node validates its fields when constructed (`CSTNode.__post_init__` calls
`_validate`), which is a tenth of parsing time; nodes built by libcst's own parser from source
text are valid by construction. The switch is made only while parsing, and only when libcst's
hook is the one this was written against; otherwise parsing validates as usual.
"""

from __future__ import annotations

import libcst as cst
from libcst._nodes.base import CSTNode

_ORIGINAL = CSTNode.__dict__.get("__post_init__")
_KNOWN = _ORIGINAL is not None and _ORIGINAL.__code__.co_names == ("_validate",)


def _trusted(self: CSTNode) -> None:
    """Skips validation of a node built by libcst's parser."""


def trusted_parse(text: str) -> cst.Module:
    if not _KNOWN:
        return cst.parse_module(text)
    CSTNode.__post_init__ = _trusted  # type: ignore[method-assign]
    try:
        return cst.parse_module(text)
    finally:
        CSTNode.__post_init__ = _ORIGINAL  # type: ignore[method-assign]
