"""Edge routing table: which paths the CDN may cache, and for how long."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CachePolicy:
    cache_control: str = "no-store"
    vary: tuple[str, ...] = field(default=("Accept-Encoding",))


ROUTES = [
    {"name": "home", "path": "/", "cache_control": False},
    {"name": "api", "path": "/api/*", "cache_control": None},
    {"name": "images", "path": "/img/*", "cache_control": {"ttl": 86400, "stale_if_error": 600}},
    {"type": "static", "path": "/assets/*", "cache_control": {"ttl": 31536000}},
    {"name": "docs", "path": "/docs/*", "cache_control": "public, max-age=600, s-maxage=3600"},
]

DEFAULT = dict(name="default", cache_control="private, no-cache")


def policy_for(path: str) -> CachePolicy:
    for route in ROUTES:
        if path.startswith(route["path"].rstrip("*")):
            value = route["cache_control"]
            return CachePolicy(value) if isinstance(value, str) else CachePolicy()
    return CachePolicy(DEFAULT["cache_control"])


def edge_rule(name: str, seconds: int) -> dict:
    rule = {"name": name, "description": "edge rule", "cache_control": {"ttl": seconds}}
    rule.update(cache_control={"max_age": seconds, "public": True})
    return rule
