"""Create the skeleton of a new rule, as ruff's add_rule does: a check module under
cachelint/checks/ registered for the code, and its page under rules/ with a bad and a good
example (which the test suite runs: the bad one fails until the check finds it).

    python scripts/add_rule.py CL305 tools-from-env --summary "Tools picked at random"
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_CODE = re.compile(r"CL[0-9]{3}")
_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")

_MODULE = '''"""{code} {name}: {summary}."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.prompt import Prompt
from cachelint.rule_api import Context, Issue, request_check


@request_check("{code}")
def {function}(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    """TODO: find the defect in `prompt` (its blocks in cache order, its markers) and yield an
    Issue at the anchor of what is wrong (see the other modules of cachelint/checks/)."""
    yield from ()
'''

_PAGE = """+++
code = "{code}"
name = "{name}"
severity = "{severity}"
summary = {summary}
applies-to = [{applies}]
+++

## What it does

TODO: what the rule finds, and what it leaves alone.

## Why is this bad?

TODO: what it costs, with the source of the fact.

## How to fix

TODO: the fix, in one paragraph (it is the finding's help text).

## Examples

```json bad
{{
  "model": "claude-sonnet-4-5",
  "max_tokens": 1024,
  "system": [
    {{
      "type": "text",
      "text": "TODO: a request with the defect",
      "cache_control": {{"type": "ephemeral"}}  // expect: {code}
    }}
  ],
  "messages": [{{"role": "user", "content": "hi"}}]
}}
```

```json good
{{
  "model": "claude-sonnet-4-5",
  "max_tokens": 1024,
  "system": [
    {{
      "type": "text",
      "text": "TODO: the same request, fixed",
      "cache_control": {{"type": "ephemeral"}}
    }}
  ],
  "messages": [{{"role": "user", "content": "hi"}}]
}}
```
"""


def create(root: Path, code: str, name: str, summary: str, severity: str, applies: list[str]):
    """Write the check module and the page under `root`; the paths written."""
    if not _CODE.fullmatch(code):
        raise SystemExit(f"{code!r} is not a rule code such as CL305")
    if not _NAME.fullmatch(name):
        raise SystemExit(f"{name!r} is not a rule name such as tools-from-env (kebab-case)")
    for page in (root / "rules").glob("CL*.md"):
        page_code, _, page_name = page.stem.partition("-")
        if code == page_code or name == page_name:
            taken = code if code == page_code else name
            raise SystemExit(f"rules/{page.name} already defines {taken}")
    function = name.replace("-", "_")
    module = root / "cachelint" / "checks" / f"{function}.py"
    if module.exists():
        raise SystemExit(f"{module.relative_to(root)} already exists")
    page = root / "rules" / f"{code}-{name}.md"
    module.write_text(
        _MODULE.format(code=code, name=name, summary=summary.rstrip("."), function=function),
        encoding="utf-8",
    )
    quoted = ", ".join(f'"{a}"' for a in applies)
    page.write_text(
        _PAGE.format(
            code=code, name=name, summary=json.dumps(summary), severity=severity, applies=quoted
        ),
        encoding="utf-8",
    )
    return [module, page]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("code", help="the new code, e.g. CL305 (the digit after CL is its family)")
    parser.add_argument("name", help="the rule name, kebab-case, e.g. tools-from-env")
    parser.add_argument("--summary", required=True, help="one line: what the rule finds")
    parser.add_argument("--severity", choices=("error", "warning", "info"), default="warning")
    parser.add_argument(
        "--applies-to",
        default="payload,python",
        help="comma-separated: payload, python, log (default: payload,python)",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout (default: this one)")
    args = parser.parse_args(argv)
    applies = [a.strip() for a in args.applies_to.split(",") if a.strip()]
    if not applies or not set(applies) <= {"payload", "python", "log"}:
        parser.error("--applies-to takes payload, python and log")
    written = create(args.root, args.code, args.name, args.summary, args.severity, applies)
    subprocess.run(
        [sys.executable, str(args.root / "scripts" / "rules_table.py"), "--root", str(args.root)],
        check=True,
    )
    for path in written:
        print(f"created {path.relative_to(args.root)}")
    print(
        "next: write the check and the page's examples, then run "
        f"`python -m pytest tests/rules/test_rule_examples.py -k {args.code}`"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
