"""An HTTP session that honours the server's Cache-Control headers (requests-cache and
CacheControl), used by the catalogue importer."""

import requests
import requests_cache
from cachecontrol import CacheControl
from cachecontrol.caches import FileCache
from cachecontrol.heuristics import ExpiresAfter


def cached_session(path: str) -> requests_cache.CachedSession:
    return requests_cache.CachedSession(
        path,
        cache_control=True,  # use Cache-Control and Expires from the response
        expire_after=3600,
        allowable_methods=("GET", "HEAD"),
    )


def heuristic_session(folder: str) -> requests.Session:
    return CacheControl(
        requests.Session(), cache=FileCache(folder), heuristic=ExpiresAfter(days=1)
    )


def fetch(session: requests.Session, url: str) -> bytes:
    response = session.get(url, headers={"Cache-Control": "max-stale=60"})
    response.raise_for_status()
    return response.content
