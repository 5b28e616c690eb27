"""Project settings and a middleware for API responses (Django)."""

from django.utils.cache import patch_cache_control, patch_vary_headers

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache:6379/1",
        "TIMEOUT": 300,
    }
}
CACHE_MIDDLEWARE_SECONDS = 600
API_CACHE_CONTROL = {"no_cache": True, "no_store": True, "must_revalidate": True}


class ApiNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            patch_cache_control(response, **API_CACHE_CONTROL)
            patch_vary_headers(response, ("Authorization",))
        else:
            response["Cache-Control"] = "public, max-age=300"
        return response
