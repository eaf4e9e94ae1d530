"""What every command shares: the consoles, the database connection, and the one error line.

Commands raise; :func:`error_line` turns every expected failure into one line for stderr (and an
exit code), so no command ever ends in a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from neo4j import Driver
from neo4j.exceptions import Neo4jError
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.exceptions import TyperException

from app.db import DatabaseUnavailable
from app.errors import ComputeUnavailable, InvalidInput, NotFound
from app.loader import LoadError
from app.localdb import LocalDbError
from app.repository.load_lock import DatasetChanged, LoadLocked

__all__ = ["PLAN_OPTION_OF", "CliError", "Connection", "cell", "connect", "err", "error_line",
           "invalid_request", "out", "print_error", "split_ids", "titled_table"]

# soft_wrap: a long line stays one line (the tests and the user's grep count on it)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# exit codes: 2 invalid input (as click), 1 anything else (database unavailable included)
EXIT_INVALID = 2
EXIT_UNAVAILABLE = 1


class CliError(Exception):
    """A failure the user can act on; ``str(e)`` is the line printed, ``details`` follow it."""

    def __init__(self, message: str, *, code: int = EXIT_INVALID,
                 details: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or []


@dataclass(frozen=True)
class Connection:
    driver: Driver
    database: str
    uri: str


@contextmanager
def connect() -> Iterator[Connection]:
    """The process's driver for the configured Neo4j, checked before any command uses it."""
    from app.cli_token import quiet_driver_logs
    from app.db import create_driver, translate_errors
    from app.settings import get_settings

    quiet_driver_logs()
    get_settings.cache_clear()
    settings = get_settings()
    driver = create_driver(settings)
    try:
        with translate_errors():
            driver.verify_connectivity()
        yield Connection(driver, settings.neo4j_database, settings.neo4j_uri)
    except Neo4jError as e:  # a write is one transaction: none of it was committed
        raise CliError(f"aborted, nothing was written: {e.message or e} "
                       f"({settings.neo4j_uri})", code=1) from e
    except (LoadLocked, DatasetChanged):  # the database answers; a load is in the way
        raise
    except DatabaseUnavailable as e:
        raise CliError(f"{e} at {settings.neo4j_uri}: start it with `oncoregio db start` or "
                       "point NEO4J_URI at a running server", code=EXIT_UNAVAILABLE) from e
    finally:
        driver.close()


def _validation_line(e: ValidationError) -> str:
    parts = []
    for problem in e.errors():
        where = ".".join(str(p) for p in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "invalid input: " + "; ".join(parts)


def error_line(e: BaseException) -> tuple[str, list[str], int]:
    """The one line (plus any detail lines) and exit code for a failed command."""
    if isinstance(e, CliError):
        return str(e), e.details, e.code
    if isinstance(e, TyperException):  # typer's usage errors: unknown option, bad value ...
        ctx = getattr(e, "ctx", None)
        if ctx is None:
            return e.format_message(), [], e.exit_code
        where = ctx.command_path
        message = e.format_message().replace("Value error, ", "")
        return f"{where}: {message} (see `{where} --help`)", [], e.exit_code
    if isinstance(e, LoadError):
        return (f"{len(e.problems)} problem(s) in the data; nothing was written",
                [str(p) for p in e.problems], EXIT_INVALID)
    if isinstance(e, DatabaseUnavailable | ComputeUnavailable):
        return str(e), [], EXIT_UNAVAILABLE
    if isinstance(e, ValidationError):
        return _validation_line(e), [], EXIT_INVALID
    if isinstance(e, InvalidInput | NotFound):
        return str(e), [], EXIT_INVALID
    if isinstance(e, LocalDbError):
        first, *rest = str(e).splitlines() or [""]
        return first, rest, 1
    if isinstance(e, OSError):
        return f"{e.strerror or e}{f': {e.filename}' if e.filename else ''}", [], 1
    return f"unexpected {type(e).__name__}: {e}", [], 1


def print_error(e: BaseException) -> int:
    """Print the error line (red ``error:``) and its details on stderr; return the exit code."""
    line, details, code = error_line(e)
    err.print(f"[bold red]error:[/] {escape(line)}", highlight=False)
    for detail in details:
        err.print(f"  {escape(detail)}", highlight=False, style="dim")
    return code


# --------------------------------------------------------------------------- request options
#: Request field -> the option that sets it, for the fields that ``oncoregio scenario`` and
#: ``oncoregio sweep`` both set with the same option (each command adds its own).
PLAN_OPTION_OF = {"care_type": "CARE_TYPE", "care_types": "CARE_TYPE", "weights": "--weight",
                  "method": "--method", "minutes": "--minutes",
                  "candidate_set": "--candidates", "solver": "--solver",
                  "time_limit": "--time-limit", "name": "--name", "regions": "--region",
                  "cross_border": "--cross-border", "allocation": "--allocation",
                  "choice_model": "--choice-model"}


def split_ids(values: list[str] | None) -> list[str]:
    """The ids of a repeatable option whose values may also be separated by commas."""
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def invalid_request(e: ValidationError, what: str, option_of: Mapping[str, str]) -> CliError:
    """The one line for a request model that refused the options: each problem under the
    option that sets its field (``option_of``: field -> option), e.g. ``invalid sweep:
    --k-max: ...``."""
    parts = []
    for problem in e.errors():
        message = problem["msg"].removeprefix("Value error, ")
        # a whole-model check has no location: the field it names comes first in its message
        field = (str(problem["loc"][0]) if problem["loc"] else
                 next((f for f in option_of if message.startswith((f"{f} ", f"{f}: "))), ""))
        message = message.removeprefix(f"{field}: ") if field else message
        parts.append(f"{option_of.get(field, field)}: {message}" if field else message)
    return CliError(f"invalid {what}: " + "; ".join(parts), code=EXIT_INVALID)


# --------------------------------------------------------------------------- output
def cell(x: float | None, fmt: str = ".1f") -> str:
    """``x`` in the format ``fmt``, or ``-`` when there is no figure."""
    return "-" if x is None else format(x, fmt)


def titled_table(title: str, labels: Sequence[str] = (), figures: Sequence[str] = ()) -> Table:
    """A table with its title on the left: the ``labels`` columns (left-aligned) first, then
    the ``figures`` columns (right-aligned)."""
    table = Table(title=title, title_justify="left")
    for column in labels:
        table.add_column(column)
    for column in figures:
        table.add_column(column, justify="right")
    return table
