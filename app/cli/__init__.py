"""The ``oncoregio`` command line: local database, schema, data, API, scenarios, pictures.

One typer app; each group lives in its own module and is added here. Add a group with
``app.add_typer(your_module.app, name="...")`` (a sub-app) or a single command with
``app.command()(function)``. Every expected failure ends in one ``error:`` line on stderr and a
non-zero exit code (see :mod:`app.cli.common`), never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import typer

from app.cli import analysis, data, database, maps, scenarios, server, sweeps
from app.cli.common import print_error
from app.cli_token import token_app
from app.routing.cli import travel_app

__all__ = ["app", "main"]

app = typer.Typer(name="oncoregio", help="Local database, schema, data, API, scenarios, pictures.",
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, context_settings={"help_option_names":
                                                                    ["-h", "--help"]})
app.add_typer(database.app, name="db")
data.register(app)
scenarios.register(app)
sweeps.register(app)
app.add_typer(analysis.app, name="analysis")
app.add_typer(maps.app, name="map")
server.register(app)
app.add_typer(travel_app, name="travel")
app.add_typer(token_app, name="token")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 on success)."""
    try:
        code = app(args=list(argv) if argv is not None else None, prog_name="oncoregio",
                   standalone_mode=False)
    except (KeyboardInterrupt, typer.Abort):
        return 130
    except Exception as e:  # every failure ends in one error line and an exit code
        if type(e).__name__ == "NoArgsIsHelpError":  # typer printed the group's help already
            return 2
        if os.environ.get("ONCOREGIO_DEBUG"):
            raise
        return print_error(e)
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
