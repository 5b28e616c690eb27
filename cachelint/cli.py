"""Command line: check, rule, rules, models, diff (the contract in design.md)."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import click
import orjson

from cachelint import __version__, replay, runner
from cachelint.config import ConfigError, load
from cachelint.discovery import SUFFIXES, _path_excluded, is_file
from cachelint.engine import CounterUnavailable, Engine, Options
from cachelint.findings import Finding, Severity
from cachelint.formatters import BUILTIN, Formatter, Summary, UnknownFormat, available
from cachelint.formatters import load as load_formatter
from cachelint.replay import DEFAULT_DIR as DEFAULT_CACHE_DIR
from cachelint.result_cache import clean
from cachelint.runner import default_jobs

CODE_PATTERN = r"^(ALL|CL[0-9]{0,3})$"


def _codes(values: tuple[str, ...]) -> list[str]:
    import re

    out = []
    for v in values:
        for code in v.split(","):
            code = code.strip().upper()
            if not code:
                continue
            if not re.match(CODE_PATTERN, code):
                raise click.BadParameter(f"'{code}' is not a rule code or prefix (e.g. CL3, CL301)")
            out.append(code)
    return out


def _formatter_class(name: str) -> type[Formatter]:
    try:
        return load_formatter(name)
    except UnknownFormat:
        names = ", ".join(sorted(available()))
        raise click.UsageError(f"unknown format '{name}' (available: {names})") from None


class _FormatOption(click.Option):
    """Lists the installed formats in --help, looked up only when help is shown."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = f"Report format: {', '.join(sorted(available()))}."
        return super().get_help_record(ctx)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cachelint")
def main() -> None:
    """cachelint: find what breaks or wastes the LLM prompt cache, before it ships."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    cls=_FormatOption,
    metavar="FORMAT",
    default="text",
    show_default=True,
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT:FILE",
    help="Also write a report in FORMAT to FILE (repeatable).",
)
@click.option("--select", multiple=True, help="Codes or prefixes to report (CL3, CL301, ALL).")
@click.option("--extend-select", multiple=True, help="Codes added to the selection.")
@click.option("--ignore", multiple=True, help="Codes or prefixes not to report.")
@click.option("--model", help="Model for payloads and calls that name none.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (pyproject.toml or cachelint.toml); default: nearest one.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to paths given explicitly.")
@click.option("--stdin-filename", help="Name (and type) of the file read from '-'.")
@click.option(
    "--count-tokens",
    is_flag=True,
    help="Count prefixes exactly with the count_tokens API (network; needs ANTHROPIC_API_KEY).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="CACHELINT_CACHE_DIR",
    help="Result cache folder [default: .cachelint_cache next to the config].",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes [default: one per CPU; used from 64 files up].",
)
@click.option(
    "--log-dir",
    "log_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Read the .json files of this folder, in name order, as one request log "
    "(conversation rules across files). Repeatable.",
)
@click.option("-q", "--quiet", is_flag=True, help="Only findings: no summary line.")
def check(
    paths,
    fmt,
    outputs,
    select,
    extend_select,
    ignore,
    model,
    config_path,
    exit_zero,
    force_exclude,
    stdin_filename,
    count_tokens,
    no_cache,
    cache_dir,
    jobs,
    log_dirs,
    quiet,
) -> None:
    """Check request payloads (.json, .jsonl, .ndjson) and Python source (.py, .pyi) under
    PATHS (default: ".")."""

    def cache_folder(root: Path, configured: object) -> Path | None:
        if no_cache or not isinstance(configured, str | None):
            return None
        return _cache_dir(cache_dir, root, configured)

    try:
        config = load(config_path, Path.cwd(), cache_folder)
    except ConfigError as e:
        click.echo(f"cachelint: {e}", err=True)
        sys.exit(2)
    options = Options(
        select=_codes(select) or None,
        extend_select=_codes(extend_select),
        ignore=_codes(ignore),
        model=model,
        force_exclude=force_exclude,
        count_tokens=count_tokens,
    )
    recorder = replay.recorder()
    if outputs or count_tokens or log_dirs or fmt not in BUILTIN:
        recorder = None  # files written, a network service, or a plugin's code: not replayed
    if recorder is not None:
        recorder.named([str(p) for p in paths] or ["."])
    with ExitStack() as stack:
        stdout = sys.stdout  # None when closed (`>&-`): the exit code is the whole outcome
        if stdout is None:
            stdout = stack.enter_context(open(os.devnull, "w", encoding="utf-8"))
            recorder = None
        color = fmt == "text" and stdout.isatty() and "NO_COLOR" not in os.environ
        report = recorder.stream(stdout) if recorder is not None else stdout
        formatters = [_formatter_class(fmt)(report, quiet=quiet, color=color)]
        files = []
        for spec in outputs:
            name, sep, target = spec.partition(":")
            if not sep or not target:
                raise click.BadParameter(f"'{spec}' is not FORMAT:FILE", param_hint="--output")
            files.append((_formatter_class(name), target))  # every name checked before any write
        for cls, target in files:
            try:
                stream = stack.enter_context(open(target, "w", encoding="utf-8", newline="\n"))
            except OSError as e:
                raise click.BadParameter(
                    f"cannot write {target}: {e.strerror}", param_hint="--output"
                ) from None
            formatters.append(cls(stream, quiet=quiet, color=False))
        try:
            engine = Engine(config, options)
        except CounterUnavailable as e:
            raise click.UsageError(str(e)) from None
        try:
            settings = RunSettings(
                jobs=jobs or default_jobs(),
                cache_dir=cache_folder(config.root, config.cache_dir),
                log_dirs=tuple(log_dirs),
            )
            default = [] if log_dirs else [Path(".")]
            findings, checked, errors, settled = _run(
                engine, list(paths) or default, stdin_filename, settings
            )
        except Exception as e:  # an internal error must not look like "no findings"
            click.echo(f"cachelint: internal error: {type(e).__name__}: {e}", err=True)
            sys.exit(2)
        counter = engine.context.counter if engine.counts_tokens else None
        for err in dict.fromkeys(counter.errors if counter else ()):
            click.echo(f"cachelint: warning: {err}; token estimates used instead", err=True)
        summary = Summary(
            version=__version__,
            files_checked=checked,
            errors=sum(f.severity is Severity.ERROR for f in findings),
            warnings=sum(f.severity is Severity.WARNING for f in findings),
            infos=sum(f.severity is Severity.INFO for f in findings),
        )
        for fm in formatters:
            fm.start()
            for f in findings:
                fm.handle(f)
            fm.finish(summary)
    for err in errors:  # the other files were checked, but the run cannot pass as clean
        click.echo(f"cachelint: internal error in {err}", err=True)
    if errors:
        sys.exit(2)
    code = 0 if exit_zero or not findings else 1
    if recorder is not None and settings.cache_dir is not None:
        recorder.finish(settings.cache_dir, settled, code)
    sys.exit(code)


@dataclass(frozen=True)
class RunSettings:
    jobs: int
    cache_dir: Path | None
    log_dirs: tuple[Path, ...] = ()  # folders read as request logs, left out of the file walk


def _cache_dir(option: Path | None, root: Path, configured: str | None) -> Path:
    """--cache-dir (or CACHELINT_CACHE_DIR), else `cache-dir` of the config, else the default;
    relative to the config root."""
    if option is not None:
        return option
    return root / (configured or DEFAULT_CACHE_DIR)


def _run(
    engine: Engine, paths: list[Path], stdin_filename: str | None, settings: RunSettings
) -> tuple[list[Finding], int, list[str], replay.Inputs | None]:
    """(findings, files checked, internal errors as "path: Type: message", and what the run
    depended on when every file and folder had a trusted signature and nothing was said on
    stderr)."""
    findings: list[Finding] = []
    errors: list[str] = []
    checked = 0
    files = []
    settled = None
    noted = False
    for p in paths:
        if str(p) == "-":
            name = stdin_filename or "-"
            if (
                engine.force_exclude
                and stdin_filename
                and _path_excluded(Path(stdin_filename), engine.config.root, engine.config.exclude)
            ):
                continue
            data = sys.stdin.buffer.read(engine.config.max_file_size + 1)
            if name == "-" and _looks_like_jsonl(data):
                name = "-.jsonl"
            findings.extend(engine.lint_bytes(data, name if name != "-.jsonl" else "-.jsonl"))
            checked += 1
        elif not p.name.endswith(SUFFIXES) and is_file(p):
            noted = True
            click.echo(
                f"cachelint: skipping {p}: not a payload or Python file ({', '.join(SUFFIXES)})",
                err=True,
            )
        else:
            files.append(p)
    if files:
        result = runner.run(
            engine,
            files,
            jobs=settings.jobs,
            cache_dir=settings.cache_dir,
            skip_dirs=settings.log_dirs,
        )
        findings.extend(result.findings)
        checked += result.files_checked
        errors.extend(result.internal_errors)
        settled = None if noted or len(files) != len(paths) else result.settled
    for d in settings.log_dirs:  # read as logs: never cached per file, never in workers
        found, count = engine.run_log_dir(d)
        findings.extend(found)
        checked += count
    findings.sort(key=Finding.sort_key)
    return findings, checked, errors, settled


def _looks_like_jsonl(data: bytes) -> bool:
    lines = [ln for ln in data.strip().splitlines() if ln.strip()]
    return (
        len(lines) > 1
        and all(ln.lstrip().startswith(b"{") for ln in lines[:5])
        and lines[0].rstrip().endswith(b"}")
    )


@main.command("clean")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--cache-dir", type=click.Path(path_type=Path, file_okay=False), envvar="CACHELINT_CACHE_DIR"
)
def clean_cmd(config_path: Path | None, cache_dir: Path | None) -> None:
    """Delete the result cache."""
    try:
        config = load(config_path, Path.cwd())
    except ConfigError as e:
        click.echo(f"cachelint: {e}", err=True)
        sys.exit(2)
    directory = _cache_dir(cache_dir, config.root, config.cache_dir)
    if clean(directory):
        click.echo(f"Removed {directory}")
    else:
        click.echo(f"No cachelint cache at {directory}")


@main.command("rule")
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rule_cmd(code: str, fmt: str) -> None:
    """Explain one rule: what, why, how to fix, bad and good examples."""
    from cachelint.catalog import catalog

    info = catalog().get(code.upper())
    if info is None:
        click.echo(f"cachelint: unknown rule '{code}' (see `cachelint rules`)", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(orjson.dumps(_rule_dict(info), option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(
        f"# {info.name} ({info.code})\n\nSeverity: {info.severity.value}. "
        f"Applies to: {', '.join(info.applies_to)}.\n\n{info.summary}\n"
    )
    click.echo(info.page)


def _rule_dict(info) -> dict:
    return {
        "code": info.code,
        "name": info.name,
        "severity": info.severity.value,
        "summary": info.summary,
        "applies_to": list(info.applies_to),
        "explanation": info.page,
        "fix": info.fix,
    }


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules_cmd(fmt: str) -> None:
    """List all rules."""
    from cachelint.catalog import catalog

    rows = list(catalog().values())
    if fmt == "json":
        click.echo(orjson.dumps([_rule_dict(r) for r in rows], option=orjson.OPT_INDENT_2).decode())
        return
    for r in rows:
        click.echo(f"{r.code}  {r.severity.value:<7}  {r.name:<32} {r.summary}")


@main.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--model", help="Model for requests that name none (minimum, tokenizer).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
def diff_cmd(old: str, new: str, fmt: str, model: str | None, config_path: Path | None) -> None:
    """Explain whether request NEW can read the cache that request OLD wrote.

    Exit 0 when every breakpoint of OLD would be read, 1 otherwise, 2 on unreadable input.
    """
    from cachelint.session.diff import DiffError, diff, render_json, render_text

    try:
        config = load(config_path, Path.cwd())
        engine = Engine(config, Options(model=model))
        report = diff(old, new, engine.context, config.max_file_size)
    except (ConfigError, DiffError) as e:
        click.echo(f"cachelint: {e}", err=True)
        sys.exit(2)
    except Exception as e:  # an internal error must not look like a verdict
        click.echo(f"cachelint: internal error: {type(e).__name__}: {e}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(orjson.dumps(render_json(report, __version__), option=orjson.OPT_INDENT_2))
    else:
        click.echo(render_text(report), nl=False)
    sys.exit(0 if report.hit else 1)


@main.command("models")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def models_cmd(config_path: Path | None, fmt: str) -> None:
    """The model limits table in force: minimum tokens, 1h TTL, tokenizer, source, date."""
    from cachelint.models import ModelTable

    try:
        config = load(config_path, Path.cwd())
    except ConfigError as e:
        click.echo(f"cachelint: {e}", err=True)
        sys.exit(2)
    table = ModelTable(config.models)
    rows = [
        {
            "id": r.id,
            "min_tokens": r.min_tokens,
            "min_tokens_bedrock": r.min_tokens_bedrock,
            "ttl_1h": r.ttl_1h,
            "ttl_1h_bedrock": r.ttl_1h_bedrock,
            "tokenizer": r.tokenizer,
            "aliases": list(r.aliases),
            "source": r.source,
            "date": r.date,
        }
        for r in table.rows
    ]
    if fmt == "json":
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return

    def n(v: int | None) -> str:
        return f"{v:,}" if v else "unknown"

    click.echo(
        f"{'model':<24} {'minimum':>8} {'bedrock':>8}  {'1h':<8} {'tokenizer':<11} "
        f"{'date':<10}  source"
    )
    for r in rows:
        ttl = (
            "yes" if r["ttl_1h"] and r["ttl_1h_bedrock"] else ("not bdrk" if r["ttl_1h"] else "no")
        )
        click.echo(
            f"{r['id']:<24} {n(r['min_tokens']):>8} {n(r['min_tokens_bedrock']):>8}  "
            f"{ttl:<8} {r['tokenizer']:<11} {r['date']:<10}  {r['source']}"
        )
