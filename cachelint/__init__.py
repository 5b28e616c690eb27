"""cachelint: a static cache-correctness linter for LLM prompt caching."""

__version__ = "0.1.0"
DISTRIBUTION = "cachelint-llm"  # the name on the package index ("cachelint" is another project)
