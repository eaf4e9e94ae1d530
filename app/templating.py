"""The Jinja2 environment of the workbench page and the scenario report (templates/)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

__all__ = ["STATIC_DIR", "TEMPLATE_DIR", "environment"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


@cache
def environment() -> jinja2.Environment:
    """One environment per process: HTML autoescaped, undefined names are errors."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
                              autoescape=jinja2.select_autoescape(["html"]),
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)
