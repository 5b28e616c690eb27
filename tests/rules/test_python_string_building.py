"""Every way of building a string keeps the provenance of what goes into it: a volatile value
formatted, substituted, joined, appended or rendered into a cached system prompt is reported where
it is made (CL301), and the same shape built from a stable value (the date of the day) is quiet."""

from __future__ import annotations

import json
import textwrap

import pytest

from conftest import lint, run_cli, write_files

NOW = "datetime.now().isoformat()"
TODAY = "date.today().isoformat()"

# `build` sets `text` from VALUE (on the line marked `# here`), then the text goes into a system
# block that comes before the cached one
_CALL = """
import string
import uuid
from datetime import date, datetime

import anthropic
import jinja2
from jinja2 import Environment, FileSystemLoader, Template

client = anthropic.Anthropic()


def ask(q):
{build}
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=10,
        system=[
            {{"type": "text", "text": text}},
            {{"type": "text", "text": "Long policies", "cache_control": {{"type": "ephemeral"}}}},
        ],
        messages=[{{"role": "user", "content": q}}],
    )
"""

WAYS = {
    "f-string": """
        text = f"You help. Time: {VALUE}."  # here
    """,
    "percent": """
        text = "You help. Time: %s." % VALUE  # here
    """,
    "percent-tuple": """
        text = "You help %s. Time: %s." % ("Ann", VALUE)  # here
    """,
    "percent-mapping": """
        text = "You help. Time: %(now)s." % {"now": VALUE}  # here
    """,
    "format": """
        text = "You help. Time: {now}.".format(now=VALUE)  # here
    """,
    "format-positional": """
        text = "You help {}. Time: {}.".format("Ann", VALUE)  # here
    """,
    "format_map": """
        values = {"now": VALUE, "name": "Ann"}  # here
        text = "You help {name}. Time: {now}.".format_map(values)
    """,
    "string.Template.substitute-kwargs": """
        template = string.Template("You help. Time: $now.")
        text = template.substitute(now=VALUE)  # here
    """,
    "string.Template.substitute-mapping": """
        text = string.Template("You help. Time: ${now}.").substitute({"now": VALUE})  # here
    """,
    "string.Template.safe_substitute": """
        mapping = {"now": VALUE}  # here
        text = string.Template("You help $name. Time: $now.").safe_substitute(mapping)
    """,
    "join-generator": """
        parts = ["You help.", "Time:", VALUE]  # here
        text = " ".join(p.strip() for p in parts)
    """,
    "join-list": """
        text = "\\n".join(["You help.", "Time: " + VALUE])  # here
    """,
    "augmented-in-loop": """
        text = ""
        for part in ["You help. ", "Time: ", VALUE]:  # here
            text += part
    """,
    "jinja2.Template.render": """
        text = Template("You help. Time: {{ now }}.").render(now=VALUE)  # here
    """,
    "jinja2.Template.render-star-star": """
        ctx = {"now": VALUE, "name": "Ann"}  # here
        text = jinja2.Template("You help {{ name }}. Time: {{ now }}.").render(**ctx)
    """,
    "jinja2.Template.render-dict": """
        ctx = {"now": VALUE}  # here
        text = Template("You help.{% if now %} Time: {{ now|upper }}.{% endif %}").render(ctx)
    """,
    "jinja2.Environment.from_string": """
        env = Environment(autoescape=False)
        template = env.from_string("You help. Time: {{ now }}.")
        text = template.render(now=VALUE)  # here
    """,
    "format-of-a-file-read-at-run-time": """
        template = open("system.txt").read()
        text = template.format(now=VALUE)  # here
    """,
    "jinja2.get_template-unreadable": """
        env = jinja2.Environment(loader=FileSystemLoader("templates"))
        text = env.get_template("system.j2").render(now=VALUE)  # here
    """,
}


def _source(build: str, value: str) -> tuple[str, int | None]:
    """The module, and the line marked `# here` (where VALUE is made)."""
    body = textwrap.indent(textwrap.dedent(build).strip("\n"), "    ")
    src = _CALL.format(build=body).replace("VALUE", value).lstrip("\n")
    marked = [i for i, s in enumerate(src.splitlines(), 1) if s.endswith("# here")]
    return src, marked[0] if marked else None


def _cl301(src: str) -> list:
    return [f for f in lint(src, "app.py") if f.code in ("CL301", "CL304")]


@pytest.mark.parametrize("way", list(WAYS))
def test_volatile_value_built_in_is_reported_where_it_is_made(way):
    src, line = _source(WAYS[way], NOW)
    found = _cl301(src)
    assert [(f.code, f.span.line) for f in found] == [("CL301", line)], way
    assert "datetime.now()" in found[0].message


@pytest.mark.parametrize("way", list(WAYS))
def test_the_date_of_the_day_built_in_the_same_way_is_quiet(way):
    src, _ = _source(WAYS[way], TODAY)
    assert _cl301(src) == [], way


@pytest.mark.parametrize(
    "way", ["format", "string.Template.substitute-kwargs", "jinja2.Template.render"]
)
def test_a_random_id_names_its_origin(way):
    src, line = _source(WAYS[way], "str(uuid.uuid4())")
    found = _cl301(src)
    assert [(f.code, f.span.line) for f in found] == [("CL301", line)]
    assert "uuid" in found[0].message


UNUSED = {
    "jinja2.Template.render": """
        text = Template("You help {{ name }}.").render(name="Ann", now=VALUE)
    """,
    "jinja2.Template.render-star-star": """
        ctx = {"now": VALUE, "name": "Ann"}
        text = Template("You help {{ name|title }}.{# {{ now }} #}").render(**ctx)
    """,
    "jinja2.Environment.from_string": """
        text = Environment().from_string("{% raw %}{{ now }}{% endraw %}").render(now=VALUE)
    """,
    "string.Template.substitute": """
        text = string.Template("You help $name.").substitute(name="Ann", now=VALUE)
    """,
    "format": """
        text = "You help {name}.".format(name="Ann", now=VALUE)
    """,
}


@pytest.mark.parametrize("way", list(UNUSED))
def test_a_value_passed_to_a_known_template_that_does_not_use_it_is_quiet(way):
    src, _ = _source(UNUSED[way], NOW)
    assert _cl301(src) == [], way


def test_a_template_kept_in_another_module_is_read_there(tmp_path):
    """Template texts imported from a prompts module: the render of one that uses the volatile
    name is reported, the render of one that does not is quiet."""
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "app/__init__.py": "",
            "app/prompts.py": textwrap.dedent(
                '''
                SYSTEM = """You are the assistant of {{ company }}.
                The time is {{ now }}."""
                PLAIN = "You are the assistant of {{ company }}."
                LEGACY = "You are the assistant of $company. The time is $now."
                '''
            ),
            "app/main.py": textwrap.dedent(
                """
                import string
                from datetime import datetime

                import anthropic
                from jinja2 import Template

                from app.prompts import LEGACY, PLAIN, SYSTEM

                client = anthropic.Anthropic()


                def ask(q, template):
                    ctx = {"company": "Acme", "now": datetime.now().isoformat()}
                    if template == "plain":
                        text = Template(PLAIN).render(**ctx)
                    elif template == "legacy":
                        text = string.Template(LEGACY).substitute(ctx)
                    else:
                        text = Template(SYSTEM).render(**ctx)
                    return client.messages.create(
                        model="claude-sonnet-4-5",
                        max_tokens=10,
                        system=[
                            {"type": "text", "text": text},
                            {"type": "text", "text": "Rules", "cache_control": {"type": "ephemeral"}},
                        ],
                        messages=[{"role": "user", "content": q}],
                    )
                """
            ),
        },
    )
    proc = run_cli("check", "--no-cache", "--format", "json", "app", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr.decode()
    found = [f for f in json.loads(proc.stdout)["findings"] if f["code"] in ("CL301", "CL304")]
    assert [(f["code"], f["line"]) for f in found] == [("CL301", 14)]
    assert "datetime.now()" in found[0]["message"]


def test_plain_template_module_constant_rendered_with_a_stable_value_is_quiet(tmp_path):
    write_files(
        tmp_path,
        {
            "prompts.py": 'SYSTEM = "Today is {{ today }}. Be brief."\n',
            "main.py": textwrap.dedent(
                """
                from datetime import date

                import anthropic
                from jinja2 import Template

                from prompts import SYSTEM

                client = anthropic.Anthropic()


                def ask(q):
                    return client.messages.create(
                        model="claude-sonnet-4-5",
                        max_tokens=10,
                        system=[
                            {"type": "text", "text": Template(SYSTEM).render(today=date.today())},
                            {"type": "text", "text": "Rules", "cache_control": {"type": "ephemeral"}},
                        ],
                        messages=[{"role": "user", "content": q}],
                    )
                """
            ),
        },
    )
    proc = run_cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    codes = [f["code"] for f in json.loads(proc.stdout)["findings"]]
    assert "CL301" not in codes and "CL304" not in codes, codes


@pytest.mark.parametrize(("value", "reported"), [(NOW, True), (TODAY, False)])
def test_a_template_given_as_a_parameter_keeps_what_is_formatted_into_it(value, reported):
    src = textwrap.dedent(
        f"""
        from datetime import date, datetime

        import anthropic

        client = anthropic.Anthropic()


        def ask(q, template: str):
            text = template.format(now={value})
            return client.messages.create(
                model="claude-sonnet-4-5",
                max_tokens=10,
                system=[
                    {{"type": "text", "text": text}},
                    {{"type": "text", "text": "Rules", "cache_control": {{"type": "ephemeral"}}}},
                ],
                messages=[{{"role": "user", "content": q}}],
            )
        """
    )
    found = _cl301(src)
    assert [(f.code, f.span.line) for f in found] == ([("CL301", 10)] if reported else [])
