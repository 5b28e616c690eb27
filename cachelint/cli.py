"""Command line: check, rule, rules, models, diff (the contract in design.md)."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import click
import orjson

from cachelint import __version__, runner
from cachelint.apply_fixes import FixPolicy, fix_files, fix_summary
from cachelint.baseline import BaselineError
from cachelint.baseline import load as load_baseline
from cachelint.baseline import new as new_findings
from cachelint.baseline import write as write_baseline_file
from cachelint.cache.folder import DEFAULT_DIR as DEFAULT_CACHE_DIR
from cachelint.cache.folder import CacheFolder, NotOurs, clean, confinement_error
from cachelint.cache.key import user_secret
from cachelint.cli_help import GroupedCommand
from cachelint.config import Config, ConfigError, load
from cachelint.discovery import SUFFIXES, _path_excluded, is_file
from cachelint.engine import CounterUnavailable, Engine, Options
from cachelint.findings import Finding, Severity
from cachelint.fix_python import realized
from cachelint.formatters import Formatter, Summary, UnknownFormat, available
from cachelint.formatters import load as load_formatter
from cachelint.formatters.neutral import shown
from cachelint.runner import default_jobs
from cachelint.selection import UnknownCode, resolve


def _codes(values: tuple[str, ...], option: str) -> list[str]:
    """Codes, prefixes or rule names, comma-separated or repeated; an unknown one is a usage
    error (exit 2)."""
    out = []
    for v in values:
        for token in v.split(","):
            if token.strip():
                try:
                    out.append(resolve(token))
                except UnknownCode as e:
                    raise click.BadParameter(str(e), param_hint=option) from None
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
def cachelint_command() -> None:
    """cachelint: find what breaks or wastes the LLM prompt cache, before it ships."""


CHECK_OPTION_GROUPS = {
    "Rule selection": [
        "select",
        "extend_select",
        "ignore",
        "extend_ignore",
        "fail_on",
        "baseline",
        "write_baseline",
        "model",
    ],
    "File selection": [
        "exclude",
        "extend_exclude",
        "force_exclude",
        "respect_gitignore",
        "stdin_filename",
        "log_dirs",
        "show_files",
    ],
    "Output": ["fmt", "outputs", "quiet", "statistics", "color", "exit_zero"],
    "Fixes": ["fix", "unsafe_fixes", "diff", "fix_only", "exit_non_zero_on_fix"],
    "Cache": ["no_cache", "cache_dir"],
    "Miscellaneous": ["config_path", "show_settings", "jobs", "count_tokens"],
}
_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@cachelint_command.command(cls=GroupedCommand, groups=CHECK_OPTION_GROUPS)
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
@click.option(
    "--select", multiple=True, help="Codes, prefixes or rule names to report (CL3, CL301, ALL)."
)
@click.option("--extend-select", multiple=True, help="Codes added to the selection.")
@click.option("--ignore", multiple=True, help="Codes, prefixes or rule names not to report.")
@click.option("--extend-ignore", multiple=True, help="Codes added to the ignored ones.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    help="The lowest severity that makes the run fail (exit 1) [default: warning].",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Report only findings that this baseline file does not hold.",
)
@click.option(
    "--write-baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Record today's findings in FILE (then exit 0): adopt cachelint, fail on new ones.",
)
@click.option("--model", help="Model for payloads and calls that name none.")
@click.option("--exclude", multiple=True, help="Globs to exclude, replacing the configured ones.")
@click.option("--extend-exclude", multiple=True, help="Globs to exclude, added to the others.")
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=None,
    help="Leave out untracked files that git ignores [default: on].",
)
@click.option("--show-files", is_flag=True, help="List the files that would be checked, and exit.")
@click.option(
    "--show-settings", is_flag=True, help="Print the settings in force for this run, and exit."
)
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
@click.option("--fix", is_flag=True, help="Apply the safe fixes of the findings, in place.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change what is sent.")
@click.option(
    "--diff",
    is_flag=True,
    help="Print the fixes as a unified diff, change nothing (exit 1 if any).",
)
@click.option("--fix-only", is_flag=True, help="Apply fixes and report no remaining findings.")
@click.option(
    "--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when a fix was applied, even if clean."
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
@click.option("--statistics", is_flag=True, help="Print the number of findings of each rule.")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Color the text format (auto: on a terminal, unless NO_COLOR; FORCE_COLOR forces it).",
)
def check(
    paths,
    fmt,
    outputs,
    select,
    extend_select,
    ignore,
    extend_ignore,
    fail_on,
    baseline,
    write_baseline,
    model,
    exclude,
    extend_exclude,
    respect_gitignore,
    show_files,
    show_settings,
    config_path,
    exit_zero,
    force_exclude,
    stdin_filename,
    count_tokens,
    fix,
    unsafe_fixes,
    diff,
    fix_only,
    exit_non_zero_on_fix,
    no_cache,
    cache_dir,
    jobs,
    log_dirs,
    quiet,
    statistics,
    color,
) -> None:
    """Check request payloads (.json, .jsonl, .ndjson) and Python source (.py, .pyi) under
    PATHS (default: ".")."""

    checked = [p for p in paths if str(p) != "-"] or ([] if log_dirs else [Path(".")])
    opened: dict[Path, CacheFolder | None] = {}

    def cache_folder(root: Path, configured: str | None) -> CacheFolder | None:
        if no_cache:
            return None
        path = _cache_dir(cache_dir, root, configured)
        if path not in opened:
            trees = [*checked, *log_dirs, Path.cwd(), root]
            opened[path] = _open_cache(path, trees, cache_dir, configured)
        return opened[path]

    try:
        config = load(config_path, Path.cwd(), cache_folder)
    except ConfigError as e:
        click.echo(f"cachelint: {shown(str(e))}", err=True)
        sys.exit(2)
    _no_network_from_the_project(config, config_path, [*checked, *log_dirs])
    if exclude:
        config.exclude = list(exclude)
    config.exclude = config.exclude + list(extend_exclude)
    if respect_gitignore is not None:
        config.respect_gitignore = respect_gitignore
    fail_on = Severity(fail_on or config.fail_on)
    ignored = _codes(ignore, "--ignore") + _codes(extend_ignore, "--extend-ignore")
    options = Options(
        select=_codes(select, "--select") or None,
        extend_select=_codes(extend_select, "--extend-select"),
        ignore=ignored,
        model=model,
        force_exclude=force_exclude,
        count_tokens=count_tokens,
    )
    known = None
    baseline = baseline or (config.root / config.baseline if config.baseline else None)
    if baseline is not None and write_baseline is None:
        try:
            known = load_baseline(baseline)
        except BaselineError as e:
            click.echo(f"cachelint: {e}", err=True)
            sys.exit(2)
    _check_model(model, config)
    try:
        engine = Engine(config, options)
    except CounterUnavailable as e:
        raise click.UsageError(str(e)) from None
    if show_settings:
        _print_settings(engine, cache_folder(config.root, config.cache_dir), fail_on, baseline)
        return
    if show_files:
        for display in sorted(f.display for f in engine.files(checked)):
            click.echo(display)
        return
    with ExitStack() as stack:
        stdout = sys.stdout  # None when closed (`>&-`): the exit code is the whole outcome
        if stdout is None:
            stdout = stack.enter_context(open(os.devnull, "w", encoding="utf-8"))
        colored = fmt == "text" and not statistics and _colored(color, stdout)
        formatters = []
        if not statistics and write_baseline is None:
            formatters.append(_formatter_class(fmt)(stdout, quiet=quiet, color=colored))
        files = []
        for spec in outputs:
            name, sep, target = spec.partition(":")
            if not sep or not target:
                raise click.BadParameter(f"'{spec}' is not FORMAT:FILE", param_hint="--output")
            files.append((_formatter_class(name), target))  # every name checked before any write
        trees = [*checked, *log_dirs, Path.cwd()]
        for cls, target in files:
            if _through_link(Path(target), trees):
                raise click.BadParameter(
                    f"cannot write {shown(target)}: it is reached through a symlink inside the "
                    "checked tree (a repository can point it anywhere)",
                    param_hint="--output",
                )
            try:
                stream = open(target, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            except OSError as e:
                raise click.BadParameter(
                    f"cannot write {target}: {e.strerror}", param_hint="--output"
                ) from None
            stack.callback(_close_report, stream)  # no traceback from a failed write at exit
            formatters.append(cls(stream, quiet=quiet, color=False))
        try:
            settings = RunSettings(
                jobs=jobs or default_jobs(),
                store=cache_folder(config.root, config.cache_dir),
                log_dirs=tuple(log_dirs),
            )
            default = [] if log_dirs else [Path(".")]
            findings, files_checked, errors = _run(
                engine, list(paths) or default, stdin_filename, settings
            )
        except Exception as e:  # an internal error must not look like "no findings"
            click.echo(f"cachelint: internal error: {type(e).__name__}: {shown(str(e))}", err=True)
            sys.exit(2)
        counter = engine.context.counter if engine.counts_tokens else None
        for err in dict.fromkeys(counter.errors if counter else ()):
            click.echo(f"cachelint: warning: {err}; token estimates used instead", err=True)
        if write_baseline is not None:
            try:
                write_baseline_file(write_baseline, findings)
            except BaselineError as e:
                click.echo(f"cachelint: {e}", err=True)
                sys.exit(2)
            click.echo(f"Wrote {len(findings)} findings to the baseline {write_baseline}")
        if known is not None:
            findings = new_findings(findings, known)
        policy = FixPolicy.of(config.fixable, config.unfixable, unsafe_fixes)
        fixed = 0
        if diff or fix or fix_only:
            only_new = (lambda fs: new_findings(fs, known)) if known is not None else None
            done = fix_files(engine, findings, policy, write=not diff, new=only_new)
            for shown_path, why in done.refused:
                click.echo(f"cachelint: not fixed: {shown(shown_path)}: {why}", err=True)
            if diff:
                stdout.write("".join(f.diff() for f in done.files))
                click.echo(
                    fix_summary(done.fixed, [], policy, True).replace("Fixed", "Would fix"),
                    err=True,
                )
                sys.exit(1 if done.files else 0)
            fixed = done.fixed
            if done.files:  # report what is left
                findings, files_checked, errors = _run(
                    engine, list(paths) or default, stdin_filename, settings
                )
                if known is not None:
                    findings = new_findings(findings, known)
            if fix_only:  # the fix summary is the whole report
                findings = []
                formatters = [fm for fm in formatters if fm.stream is not stdout]
        note = fix_summary(fixed, findings, policy, fixing=True) if fix or fix_only else ""
        if note and not quiet:
            click.echo(note, err=True)
        summary = Summary(
            version=__version__,
            files_checked=files_checked,
            errors=sum(f.severity is Severity.ERROR for f in findings),
            warnings=sum(f.severity is Severity.WARNING for f in findings),
            infos=sum(f.severity is Severity.INFO for f in findings),
        )
        if statistics:
            _print_statistics(findings, stdout)
        if any(fm.name in ("json", "sarif") for fm in formatters):  # they show the edits
            findings = realized(findings, _text_of)
        for fm in formatters:
            try:
                fm.start()
                for f in findings:
                    fm.handle(f)
                fm.finish(summary)
                fm.stream.flush()  # a write error surfaces here, not when the file is closed
            except Exception as e:  # a failed report is no verdict, even with --exit-zero
                what = f"{fm.name or type(fm).__name__} report: {type(e).__name__}: {e}"
                click.echo(f"cachelint: internal error in the {shown(what)}", err=True)
                sys.exit(2)
    for err in errors:  # the other files were checked, but the run cannot pass as clean
        click.echo(f"cachelint: internal error in {shown(err)}", err=True)
    if errors:
        sys.exit(2)
    failing = any(_RANK[f.severity] >= _RANK[fail_on] for f in findings)
    if exit_non_zero_on_fix and fixed:
        sys.exit(1)
    sys.exit(0 if exit_zero or write_baseline is not None or not failing else 1)


def _text_of(path: str) -> str | None:
    """A checked file's text, for the edits of its Python fixes (None: they are left out)."""
    try:
        return Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _check_model(model: str | None, config: Config) -> None:
    """A default model (--model, `default-model`) must be one the model table knows: limits for
    a model it does not know would be guessed, so every finding that needs them would be lost."""
    name = model or config.default_model
    if not name:
        return
    from cachelint.models import ModelTable

    message = ModelTable(config.models).unknown(name)
    if message is None:
        return
    if model:
        raise click.BadParameter(message, param_hint="--model")
    click.echo(f"cachelint: {shown(f'default-model in {config.source}: {message}')}", err=True)
    sys.exit(2)


def _colored(choice: str, stream) -> bool:
    """--color: always, never, or (auto) on a terminal unless NO_COLOR; FORCE_COLOR forces it
    (https://no-color.org, https://force-color.org)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and not os.environ.get("NO_COLOR")


def _print_statistics(findings: list[Finding], stream) -> None:
    """The number of findings of each rule, most first (ruff's --statistics)."""
    from collections import Counter

    counts = Counter((f.code, f.name) for f in findings)
    for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        stream.write(f"{n:>5}  {code}  {name}\n")


def _print_settings(
    engine: Engine, store: CacheFolder | None, fail_on: Severity, baseline: Path | None
) -> None:
    c = engine.config
    rows = {
        "config": str(c.source) if c.source else "(none: defaults)",
        "root": str(c.root),
        "rules": " ".join(sorted(engine.selection.codes)),
        "per-file-ignores": c.per_file_ignores,
        "exclude": c.exclude,
        "respect-gitignore": c.respect_gitignore,
        "default-model": engine.options.model or c.default_model,
        "platform": c.platform,
        "max-file-size": c.max_file_size,
        "python-timeout": c.python_timeout,
        "volatile-names": c.volatile_names,
        "conversation-key": c.conversation_key,
        "count-tokens": engine.counts_tokens,
        "fail-on": fail_on.value,
        "baseline": str(baseline) if baseline else None,
        "cache": str(store.root) if store else "(off)",
    }
    for key, value in rows.items():
        click.echo(f"{key} = {orjson.dumps(value, default=str).decode()}")


def _close_report(stream: TextIO) -> None:
    """Close a report file: a write error was reported when it was flushed (exit 2)."""
    with suppress(OSError):
        stream.close()


@dataclass(frozen=True)
class RunSettings:
    jobs: int
    store: CacheFolder | None
    log_dirs: tuple[Path, ...] = ()  # folders read as request logs, left out of the file walk


def _cache_dir(option: Path | None, root: Path, configured: str | None) -> Path:
    """--cache-dir (or CACHELINT_CACHE_DIR), else `cache-dir` of the config (confined to the
    project when the config was loaded), else the default; relative to the config root."""
    if option is not None:
        return option
    return root / (configured or DEFAULT_CACHE_DIR)


def _open_cache(
    path: Path, trees: list[Path], option: Path | None, configured: str | None
) -> CacheFolder | None:
    """The cache folder at `path`, or None (a warning says why) when it is not one that
    cachelint made for this user, or this user has no safe place for the secret that seals it.
    A folder the user named outside the checked trees is theirs to choose; inside one, every
    part of the path is the repository's, so it is confined as a config's `cache-dir` is."""
    secret = user_secret(trees)
    if secret is None:
        return None
    inside = next((t for t in trees if _within(path, t)), None)
    try:
        if option is not None and inside is not None:
            why = confinement_error(path, inside)
            if why is not None:
                raise NotOurs(f"{path}: {why}")
        named = option is not None and inside is None
        adopt_empty = option is not None or not configured  # not a folder a config names
        return CacheFolder.open(path, secret, named=named, adopt_empty=adopt_empty)
    except NotOurs as e:
        click.echo(
            f"cachelint: warning: not using the cache: {shown(str(e))} "
            "(remove it, or pass --no-cache)",
            err=True,
        )
        return None


def _through_link(path: Path, trees: list[Path]) -> bool:
    """Whether a file to write lies inside a checked tree and a symlink there leads to it: the
    repository's link, which could point at any file of the user's."""
    where = os.path.normpath(os.path.abspath(path))
    inside = any(_within(Path(where), t) for t in trees)
    return inside and os.path.realpath(path) != where


def _within(path: Path, tree: Path) -> bool:
    """Whether `path` lies inside the folder `tree` (or is it), as named or where it leads."""
    top = os.path.abspath(tree)
    return any(
        p == top or p.startswith(top.rstrip(os.sep) + os.sep)
        for p in (os.path.abspath(path), os.path.realpath(path))
    )


def _no_network_from_the_project(
    config: Config, config_path: Path | None, checked: list[Path]
) -> None:
    """`count-tokens` sends prompts over the network: a config in the checked tree cannot turn
    it on (a warning says it is ignored); only the command line or the user's own config can."""
    if config.count_tokens and not _users_own(config_path, checked):
        click.echo(
            f"cachelint: warning: count-tokens in {shown(str(config.source))} is ignored: a "
            "checked project's config cannot turn on network use (pass --count-tokens)",
            err=True,
        )
        config.count_tokens = False


def _users_own(config_path: Path | None, checked: list[Path]) -> bool:
    """Whether the config is the user's own: named on the command line, and outside the
    working directory and every path being checked."""
    if config_path is None:
        return False
    return not any(_within(config_path, p) for p in [*checked, Path.cwd()])


def _run(
    engine: Engine, paths: list[Path], stdin_filename: str | None, settings: RunSettings
) -> tuple[list[Finding], int, list[str]]:
    """(findings, files checked, internal errors as "path: Type: message")."""
    findings: list[Finding] = []
    errors: list[str] = []
    checked = 0
    files = []
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
            kind = "-.jsonl" if name == "-" and _looks_like_jsonl(data) else name
            findings.extend(engine.lint_bytes(data, name, kind))
            checked += 1
        elif not p.name.endswith(SUFFIXES) and is_file(p):
            click.echo(
                f"cachelint: skipping {shown(str(p))}: "
                f"not a payload or Python file ({', '.join(SUFFIXES)})",
                err=True,
            )
        else:
            files.append(p)
    if files:
        result = runner.run(
            engine,
            files,
            jobs=settings.jobs,
            store=settings.store,
            skip_dirs=settings.log_dirs,
        )
        findings.extend(result.findings)
        checked += result.files_checked
        errors.extend(result.internal_errors)
    for d in settings.log_dirs:  # read as logs: never cached per file, never in workers
        found, count = engine.run_log_dir(d)
        findings.extend(found)
        checked += count
    findings.sort(key=Finding.sort_key)
    return findings, checked, errors


def _looks_like_jsonl(data: bytes) -> bool:
    lines = [ln for ln in data.strip().splitlines() if ln.strip()]
    return (
        len(lines) > 1
        and all(ln.lstrip().startswith(b"{") for ln in lines[:5])
        and lines[0].rstrip().endswith(b"}")
    )


@cachelint_command.command("clean")
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
    _, message = clean(directory, user_secret([Path.cwd(), config.root]))
    click.echo(message)


@cachelint_command.command("server")
@click.option("--stdio", is_flag=True, help="Talk over stdin and stdout (the only transport).")
def server_cmd(stdio: bool) -> None:
    """Run the language server for editors (LSP over stdin and stdout): diagnostics for open
    payloads and Python files, from their unsaved text."""
    try:
        from cachelint.lsp.server import serve
    except ImportError as e:  # an install without its dependencies
        click.echo(f"cachelint: the language server needs pygls 2 ({e}); reinstall", err=True)
        sys.exit(2)
    serve()


@cachelint_command.command("init")
@click.argument(
    "directory", default=".", type=click.Path(path_type=Path, file_okay=False, exists=True)
)
@click.option("--cachelint-toml", is_flag=True, help="Write cachelint.toml, not pyproject.toml.")
@click.option("--model", help="The default model to write, instead of the one found.")
@click.option("--platform", help="The platform to write, instead of the one found.")
def init_cmd(
    directory: Path, cachelint_toml: bool, model: str | None, platform: str | None
) -> None:
    """Configure a project: [tool.cachelint] in pyproject.toml (else a cachelint.toml) with the
    default model and platform its files use; prints the pre-commit configuration."""
    from cachelint.project_setup import SetupError, init, platforms, pre_commit_config

    _check_model(model, Config(root=directory.resolve()))
    if platform is not None and platform not in platforms():
        raise click.BadParameter(f"choose from {', '.join(platforms())}", param_hint="--platform")
    try:
        written, text = init(directory, cachelint_toml, model, platform)
    except SetupError as e:
        click.echo(f"cachelint: {shown(str(e))}", err=True)
        sys.exit(2)
    click.echo(f"Wrote to {shown(str(written))}:\n{text.strip()}\n")
    click.echo("To run cachelint before each commit, add to .pre-commit-config.yaml:\n")
    click.echo(pre_commit_config(), nl=False)


@cachelint_command.command("rule")
@click.argument("code")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    help="text for a terminal, markdown for the page as written, json.",
)
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto")
def rule_cmd(code: str, fmt: str, color: str) -> None:
    """Explain one rule (a code or a name): what, why, how to fix, bad and good examples."""
    from cachelint.catalog import catalog

    try:
        info = catalog().get(resolve(code))
    except UnknownCode as e:
        info, hint = None, str(e)
    else:
        several = [c for c in catalog() if c.startswith(resolve(code))]
        hint = f"'{code}' names several rules: {', '.join(several)}; explain one at a time"
    if info is None:
        click.echo(f"cachelint: {hint}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(orjson.dumps(_rule_dict(info), option=orjson.OPT_INDENT_2).decode())
        return
    head = (
        f"# {info.name} ({info.code})\n\nSeverity: {info.severity.value}. "
        f"Applies to: {', '.join(info.applies_to)}.\n\n{info.summary}\n\n{info.page}"
    )
    if fmt == "markdown":
        click.echo(head)
        return
    from cachelint.terminal_markdown import render

    colored = _colored(color, sys.stdout)
    click.echo(render(head, color=colored), nl=False, color=colored)


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


@cachelint_command.command("rules")
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


@cachelint_command.command("diff")
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
        _no_network_from_the_project(config, config_path, [Path(old), Path(new)])
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


@cachelint_command.command("models")
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
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "min_tokens": r.min_tokens,
            "min_tokens_bedrock": r.min_tokens_bedrock,
            "ttl_1h": r.ttl_1h,
            "ttl_1h_bedrock": r.ttl_1h_bedrock,
            "tokenizer": r.tokenizer,
            "aliases": list(r.aliases),
            "source": r.source,
            "source_tags": {t: table.sources[t] for t in _source_tags(r.source, table.sources)},
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
    used = {t for r in rows for t in r["source_tags"]}
    if used:
        click.echo("\nsources:")
        for tag in sorted(used, key=list(table.sources).index):
            click.echo(f"  {tag:<4} {table.sources[tag]}")


def _source_tags(source: str, tags: dict[str, str]) -> list[str]:
    """The tags of the model table's [sources] that a row's source names (`A''; AWS`)."""
    import re

    words = re.findall(r"[\w']+", source)
    return [t for t in tags if t in words]
