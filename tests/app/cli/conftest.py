"""Run the installed ``oncoregio`` command as a user does: a subprocess, its output, its code."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ONCOREGIO = Path(sys.executable).parent / "oncoregio"


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return self.stderr.strip().splitlines()


def _environment(env: dict[str, str]) -> dict[str, str]:
    assert ONCOREGIO.is_file(), f"the installed command is missing: {ONCOREGIO}"
    full = {**os.environ, "COLUMNS": "200", **env}
    full.pop("ONCOREGIO_DEBUG", None)
    return full


def database_env(neo4j_server) -> dict[str, str]:
    """The settings that point ``oncoregio`` at the test database."""
    return {"NEO4J_URI": neo4j_server.uri, "NEO4J_USER": neo4j_server.user,
            "NEO4J_PASSWORD": neo4j_server.password, "ENVIRONMENT": "local"}


def run_oncoregio(*args: str, env: dict[str, str], timeout: float = 300) -> Run:
    p = subprocess.run([str(ONCOREGIO), *args], env=_environment(env), capture_output=True,
                       text=True, timeout=timeout, check=False)
    return Run(p.returncode, p.stdout, p.stderr)


@contextmanager
def oncoregio_running(*args: str, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """``oncoregio`` started in the background (output piped) for a block that acts while it
    runs; killed and reaped at the end of the block if it still runs."""
    p = subprocess.Popen([str(ONCOREGIO), *args], env=_environment(env),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield p
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate(timeout=60)


def assert_one_error_line(run: Run, *expected: str) -> str:
    """Non-zero exit, no traceback, exactly one stderr line that names the problem."""
    assert run.code != 0, run
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    assert len(run.error_lines) == 1, run.stderr
    line = run.error_lines[0]
    assert line.startswith("error: "), line
    for text in expected:
        assert text in line, line
    return line


@pytest.fixture
def oncoregio_db(neo4j_server) -> Callable[..., Run]:
    """``oncoregio`` pointed at the test database."""
    env = database_env(neo4j_server)
    return lambda *args: run_oncoregio(*args, env=env)
