"""cachelint: a static cache-correctness linter for LLM prompt caching."""

__version__ = "0.1.0"
