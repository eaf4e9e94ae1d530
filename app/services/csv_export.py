"""CSV for spreadsheets, with formula injection neutralised.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula
by Excel, LibreOffice and Google Sheets (``=cmd|' /C calc'!A0``). Text cells that start so are
prefixed with a single quote, which spreadsheets show as text (the OWASP advice); numbers are
left as they are, so ``-3.5`` stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["FORMULA_LEADS", "neutralise_cell", "to_csv"]

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell.

    >>> neutralise_cell("=cmd|' /C calc'!A0"), neutralise_cell(-3.5), neutralise_cell("UMCG")
    ("'=cmd|' /C calc'!A0", -3.5, 'UMCG')
    """
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """The rows as CSV text with a header, every text cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise_cell(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise_cell(row.get(c)) for c in columns])
    return out.getvalue()
