"""The model limits table (`rules/models.toml`) and model id normalisation."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from cachelint.rule_pages import rules_dir

_GATEWAY_PREFIXES = (
    "litellm_proxy/",
    "openrouter/",
    "bedrock/",
    "converse/",
    "invoke/",
    "vertex_ai/",
    "vertex_ai_beta/",
    "azure_ai/",
    "anthropic/",
    "anthropic.",
)
_REGION = re.compile(r"^(?:global|us|eu|jp|apac|au|ca|us-gov)\.")
_BEDROCK_VERSION = re.compile(r"-v\d+(?::\d+)?$")
_DATE = re.compile(r"-(?:\d{8}|latest)$")
_DOTTED = re.compile(r"(?<=\d)\.(?=\d)")


@dataclass(frozen=True, slots=True)
class ModelLimits:
    id: str
    min_tokens: int | None
    min_tokens_bedrock: int | None
    ttl_1h: bool
    ttl_1h_bedrock: bool
    tokenizer: str
    source: str
    date: str
    aliases: tuple[str, ...] = ()

    def minimum(self, platform: str | None) -> int | None:
        if platform in ("bedrock", "bedrock-legacy"):
            return self.min_tokens_bedrock
        return self.min_tokens

    def supports_1h(self, platform: str | None) -> bool:
        if platform in ("bedrock", "bedrock-legacy"):
            return self.ttl_1h_bedrock
        return self.ttl_1h


@dataclass(frozen=True, slots=True)
class AutomaticProvider:
    prefixes: tuple[str, ...]
    provider: str
    mechanism: str
    source: str


def normalize(model: str) -> str | None:
    """A comparable id, or None when the id cannot name a model (application profile ARNs)."""
    m = model.strip().lower()
    if m.startswith("arn:"):
        if "/" not in m or "application-inference-profile" in m:
            return None
        m = m.rsplit("/", 1)[1]
    changed = True
    while changed:
        changed = False
        for p in _GATEWAY_PREFIXES:
            if m.startswith(p):
                m, changed = m[len(p) :], True
        if _REGION.match(m):
            m, changed = _REGION.sub("", m), True
    m = _BEDROCK_VERSION.sub("", m)
    m = m.split(":", 1)[0]  # OpenRouter variants such as :thinking, :beta
    m = _DOTTED.sub("-", m.replace("@", "-"))
    while True:  # claude-3-5-sonnet-20241022-v2 and claude-3-5-sonnet-v2-20241022 alike
        shorter = _BEDROCK_VERSION.sub("", _DATE.sub("", m))
        if shorter == m:
            return m
        m = shorter


def _row(d: dict[str, Any]) -> ModelLimits:
    def get(key: str, default=None):
        return d.get(key, d.get(key.replace("_", "-"), default))

    return ModelLimits(
        id=d["id"],
        min_tokens=get("min_tokens"),
        min_tokens_bedrock=get("min_tokens_bedrock"),
        ttl_1h=get("ttl_1h", True),
        ttl_1h_bedrock=get("ttl_1h_bedrock", True),
        tokenizer=get("tokenizer", "claude-3"),
        source=get("source", "user configuration"),
        date=get("date", ""),
        aliases=tuple(get("aliases", ())),
    )


@cache
def _table_file() -> dict[str, Any]:
    with open(rules_dir() / "models.toml", "rb") as f:
        return tomllib.load(f)


class ModelTable:
    def __init__(self, overrides: dict[str, dict[str, Any]] | None = None) -> None:
        data = _table_file()
        self.rows: list[ModelLimits] = [_row(r) for r in data.get("model", [])]
        self.automatic = [
            AutomaticProvider(tuple(a["prefixes"]), a["provider"], a["mechanism"], a["source"])
            for a in data.get("automatic", [])
        ]
        self.estimator: dict[str, Any] = data.get("estimator", {})
        self.sources: dict[str, str] = data.get("sources", {})  # tag -> what it stands for
        self._index: dict[str, ModelLimits] = {}
        for r in self.rows:
            self._add(r)
        for model_id, fields in (overrides or {}).items():
            self._override(model_id, fields)

    def _add(self, r: ModelLimits) -> None:
        for name in (r.id, *r.aliases):
            key = normalize(name)
            if key:
                self._index[key] = r

    def _override(self, model_id: str, fields: dict[str, Any]) -> None:
        base = self.lookup(model_id)
        given = {k.replace("-", "_"): v for k, v in fields.items()}
        given.setdefault("source", "[tool.cachelint.models] override")
        given.setdefault("date", "")
        if base is None:
            row = _row({"id": model_id, **given})
            self.rows.append(row)
        else:
            row = replace(base, **given)
            self.rows[self.rows.index(base)] = row
        self._add(row)
        key = normalize(model_id)
        if key:
            self._index[key] = row

    def lookup(self, model: str) -> ModelLimits | None:
        key = normalize(model)
        return self._index.get(key) if key else None

    def automatic_provider(self, model: str) -> AutomaticProvider | None:
        key = normalize(model) or ""
        raw = model.strip().lower()
        for a in self.automatic:
            if any(key.startswith(p) or raw.startswith(p) for p in a.prefixes):
                return a
        return None

    def unknown(self, model: str) -> str | None:
        """Why `model` cannot be a default model (the table does not know it), or None."""
        if self.lookup(model) is not None:
            return None
        import difflib

        near = difflib.get_close_matches(model.lower(), [r.id for r in self.rows], n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        return (
            f"unknown model '{model}'{hint}: `cachelint models` lists the models cachelint knows; "
            "add one under [tool.cachelint.models]"
        )
