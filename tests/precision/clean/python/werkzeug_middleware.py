"""WSGI middleware that sets default cache headers on responses that have none."""

from werkzeug.datastructures import ResponseCacheControl
from werkzeug.wrappers import Request, Response


class DefaultCacheControl:
    def __init__(self, app, max_age: int = 0) -> None:
        self.app = app
        self.max_age = max_age

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = Response.from_app(self.app, environ)
        if not response.headers.get("Cache-Control"):
            cc = ResponseCacheControl()
            cc.max_age = self.max_age
            cc.private = request.authorization is not None
            response.headers["Cache-Control"] = cc.to_header()
        return response(environ, start_response)


def settings_from_env(env: dict) -> dict:
    return {"cache_control": env.get("DEFAULT_CACHE_CONTROL", "no-cache"), "gzip": True}
