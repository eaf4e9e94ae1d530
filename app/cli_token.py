"""``oncoregio token create|list|revoke``: API bearer tokens (typer commands).

The token is printed once by ``create``; Neo4j keeps only its SHA-256 (see :mod:`app.auth`).
``oncoregio up`` calls :func:`ensure_local_admin_token` so a local user has an admin token in
the git-ignored ``.env``.
"""

from __future__ import annotations

import getpass
import logging
import re
import secrets
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from neo4j import Driver

from app import auth
from app.db import DatabaseUnavailable
from app.localdb import PROJECT_ROOT
from app.repository import tokens as repo

__all__ = ["ADMIN_TOKEN_KEY", "ensure_local_admin_token", "token_app"]

ADMIN_TOKEN_KEY = "ONCOREGIO_ADMIN_TOKEN"

token_app = typer.Typer(help="API bearer tokens: create (shown once), list, revoke.",
                        no_args_is_help=True, add_completion=False)


class RoleChoice(StrEnum):
    reader = "reader"
    planner = "planner"
    admin = "admin"


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _connect() -> tuple[Driver, str]:
    from app.db import create_driver
    from app.settings import get_settings

    quiet_driver_logs()
    get_settings.cache_clear()
    settings = get_settings()
    return create_driver(settings), settings.neo4j_database


def quiet_driver_logs() -> None:
    """The driver logs each retry as a warning, and a connection lost in a transaction as an
    error; a command says in one line what failed."""
    logging.getLogger("neo4j").setLevel(logging.CRITICAL)


@token_app.command("create")
def create(name: Annotated[str, typer.Option("--name", help="who or what uses the token")],
           role: Annotated[RoleChoice, typer.Option("--role", help="reader, planner or admin")]
           ) -> None:
    """Create a token and print it once (only its hash is stored)."""
    driver, db = _connect()
    with driver:
        try:
            token = auth.create_token(driver, db, name=name, role=role.value)
        except (ValueError, DatabaseUnavailable) as e:
            raise _fail(str(e), 2 if isinstance(e, ValueError) else 1) from None
    typer.echo(token)
    typer.echo(f"token '{name}' ({role.value}) created; it is shown only this once: "
               "send it as 'Authorization: Bearer <token>'", err=True)


@token_app.command("list")
def list_() -> None:
    """List the tokens' names, roles and creation times (never the tokens)."""
    driver, db = _connect()
    with driver:
        try:
            rows = repo.list_tokens(driver, db)
        except DatabaseUnavailable as e:
            raise _fail(str(e)) from None
    if not rows:
        typer.echo("no tokens")
        return
    typer.echo(f"{'name':<32}{'role':<10}created")
    for r in rows:
        typer.echo(f"{r['name']:<32}{r['role']:<10}{r['created_at']}")


@token_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="the token's name")]) -> None:
    """Revoke (delete) the token NAME; the API refuses it within a second."""
    driver, db = _connect()
    with driver:
        try:
            found = repo.delete_token(driver, db, name)
        except DatabaseUnavailable as e:
            raise _fail(str(e)) from None
    if not found:
        raise _fail(f"no token named '{name}'", 2)
    typer.echo(f"token '{name}' revoked")


def run_token_command(argv: list[str]) -> int:
    """Run ``token ...`` from the argparse CLI (until the CLI itself is typer)."""
    import click

    command = typer.main.get_command(token_app)
    try:
        # without standalone mode click returns an Exit's code instead of exiting
        rc = command.main(args=argv, prog_name="oncoregio token", standalone_mode=False)
    except click.ClickException as e:  # usage errors
        e.show()
        return e.exit_code
    return rc if isinstance(rc, int) else 0


# ----------------------------------------------------------------------------- oncoregio up
def _env_values(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and not key.startswith("#"):
                values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _set_env_value(path: Path, key: str, value: str, comment: str) -> None:
    lines = path.read_text().splitlines() if path.exists() else []
    lines = [line for line in lines if line.partition("=")[0].strip() != key]
    lines += [f"# {comment}", f"{key}={value}"]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def ensure_local_admin_token(driver: Driver, db: str, env_file: Path | None = None) -> str:
    """Make sure ``.env`` holds a working admin token for the local user; say what was done.

    Returns the message printed. A token in ``.env`` that the database no longer knows (a
    fresh database) is replaced.
    """
    env_file = env_file or PROJECT_ROOT / ".env"
    current = _env_values(env_file).get(ADMIN_TOKEN_KEY)
    if current:
        principal = auth.TokenCache(lambda: repo.token_hashes(driver, db), ttl=0).principal(
            current)
        if principal is not None and principal.role == "admin":
            message = (f"admin token '{principal.name}' is in {env_file} ({ADMIN_TOKEN_KEY}); "
                       "send it as 'Authorization: Bearer <token>'")
            print(message)
            return message
    user = re.sub(r"[^a-z0-9._-]", "-", getpass.getuser().lower()).strip("-._") or "user"
    name = f"local-{user}"[:64]
    taken = {r["name"] for r in repo.list_tokens(driver, db)}
    while name in taken:
        name = f"local-{user}"[:59] + "-" + secrets.token_hex(2)
    token = auth.create_token(driver, db, name=name, role="admin")
    _set_env_value(env_file, ADMIN_TOKEN_KEY, token,
                   f"Generated by `oncoregio up`: admin API token '{name}' (only its hash is "
                   "in Neo4j).")
    message = (f"created admin token '{name}' for you and saved it in {env_file} "
               f"({ADMIN_TOKEN_KEY}); send it as 'Authorization: Bearer <token>'")
    print(message, file=sys.stderr)
    return message
