"""`--help` with the options in groups, as ruff shows them."""

from __future__ import annotations

import click


class GroupedCommand(click.Command):
    """A command whose options are listed under headings; `groups` maps each heading to the
    option names (the parameter names) shown under it, in order; the others (--help) are listed
    under the last heading."""

    def __init__(self, *args, groups: dict[str, list[str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.groups = groups

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = {
            p.name: rec
            for p in self.get_params(ctx)
            if isinstance(p, click.Option) and (rec := p.get_help_record(ctx)) is not None
        }
        placed = {n for names in self.groups.values() for n in names}
        rest = [rec for name, rec in records.items() if name not in placed]
        last = list(self.groups)[-1]
        for heading, names in self.groups.items():
            rows = [records[n] for n in names if n in records]
            if heading == last:
                rows += rest
            if rows:
                with formatter.section(heading):
                    formatter.write_dl(rows)
