"""HTTP caching in Python is not a prompt-cache marker: Cache-Control values, cache_control
arguments and settings dicts of web frameworks, storage and CDN code give no finding, while a
prompt block with a wrong marker is still reported."""

from __future__ import annotations

import textwrap

import pytest

from cachelint.payload.markers import is_http_cache_value

from conftest import lint


def codes(src: str) -> list[tuple[int, str]]:
    found = lint(textwrap.dedent(src), "app.py")
    return sorted((f.span.line, f.code) for f in found if f.code != "CL201")


@pytest.mark.parametrize(
    "value",
    [
        "no-store",
        "no-cache",
        "public, max-age=3600",
        "private, max-age=0, must-revalidate",
        "public, max-age=31536000, immutable",
        "s-maxage=600, stale-while-revalidate=60",
        {"max_age": 3600, "public": True},
        {"no_cache": True, "no_store": True},
    ],
)
def test_http_cache_values(value):
    assert is_http_cache_value(value)


@pytest.mark.parametrize(
    "value",
    ["ephemeral", "", "persistent", {"type": "ephemeral"}, {"ttl": "1h"}, {}, None, True],
)
def test_prompt_cache_values_and_mistakes_are_not_http(value):
    assert not is_http_cache_value(value)


def test_web_framework_cache_control_is_quiet():
    assert not codes(
        """
        import requests
        from django.utils.cache import patch_cache_control
        from django.views.decorators.cache import cache_control

        @cache_control(max_age=3600, public=True)
        def article(request, slug):
            response = render(request, slug)
            patch_cache_control(response, no_store=True)
            response.cache_control.max_age = 300
            response.headers["Cache-Control"] = "no-store"
            return response

        def fetch(url):
            return requests.get(url, headers={"Cache-Control": "no-cache"}, timeout=10)
        """
    )


def test_cache_control_dicts_that_are_not_prompt_blocks_are_quiet():
    assert not codes(
        """
        ROUTES = [
            {"name": "home", "path": "/", "cache_control": False},
            {"name": "api", "path": "/api", "cache_control": None},
            {"name": "img", "path": "/img", "cache_control": {"ttl": 86400}},
            {"type": "static", "path": "/assets", "cache_control": {"ttl": 3600}},
            {"name": "docs", "cache_control": "public, max-age=600"},
        ]
        OPTIONS = dict(name="default", cache_control="no-store")
        HOSTING = {"type": "html", "source": "**/*.html", "cacheControl": "no-cache"}

        def blob(name):
            meta = {"type": "file", "name": name, "cache_control": "no-store"}
            meta.update(cache_control={"max_age": 60, "public": True})
            return meta

        def upload(client, data):
            client.upload(data, **{"cache_control": "no-store"})
        """
    )


def test_prompt_blocks_with_wrong_markers_are_still_reported():
    found = codes(
        """
        def text_block(text):
            return {"type": "text", "text": text, "cache_control": "ephemeral"}

        def tool(name, schema):
            return {"name": name, "input_schema": schema, "cache_control": {"type": "persistent"}}

        MISSPELLED = {"type": "text", "text": "Policies", "cacheControl": {"type": "ephemeral"}}
        TTL = {"type": "ephemeral", "ttl": "24h"}
        """
    )
    assert found == [(3, "CL103"), (6, "CL103"), (8, "CL103"), (9, "CL103")]


def test_an_http_value_on_a_block_of_a_request_is_still_reported():
    found = codes(
        """
        import anthropic

        client = anthropic.Anthropic()

        def ask(q):
            return client.messages.create(
                model="claude-sonnet-4-5", max_tokens=10,
                system=[{"type": "text", "text": "Policies", "cache_control": "no-cache"}],
                messages=[{"role": "user", "content": q}],
            )
        """
    )
    assert found == [(9, "CL103")]


def test_a_marker_dict_whose_type_is_not_known_is_left_alone():
    assert not codes(
        """
        def block(kind, text):
            return {"type": kind, "text": text, "cache_control": {"type": "ephemeral"}}
        """
    )


def test_http_values_written_in_place_do_not_make_a_module_worth_evaluating():
    import ast

    from cachelint.python.scan import scan

    found = scan(
        ast.parse(
            textwrap.dedent(
                """
                SETTINGS = {"cache_control": "no-store", "timeout": 30}

                def upload(storage, data):
                    storage.put(data, cache_control="public, max-age=3600")
                    return {"name": "x", "cache_control": "private, no-cache"}
                """
            )
        )
    )
    assert not found.has_markers
    assert not any(f.relevant for f in found.functions)
