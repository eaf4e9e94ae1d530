"""CSV exports neutralise formula-leading text cells (hand-written expectations)."""

from __future__ import annotations

import csv
import io

import pytest

from app.services.csv_export import FORMULA_LEADS, neutralise_cell, to_csv


@pytest.mark.parametrize("lead", FORMULA_LEADS)
def test_formula_leading_text_is_quoted(lead):
    assert neutralise_cell(f"{lead}cmd|' /C calc'!A0") == f"'{lead}cmd|' /C calc'!A0"


def test_numbers_and_plain_text_are_left_alone():
    assert neutralise_cell(-3.5) == -3.5 and neutralise_cell(7) == 7
    assert neutralise_cell("UMCG Groningen") == "UMCG Groningen"
    assert neutralise_cell("a=b") == "a=b" and neutralise_cell(None) is None


def test_to_csv_round_trips_with_neutralised_cells():
    rows = [{"name": "=HYPERLINK(\"http://x\")", "patients": -2.0},
            {"name": "@SUM(A1)", "patients": 40}]
    back = list(csv.DictReader(io.StringIO(to_csv(rows, ["name", "patients"]))))
    assert back == [{"name": "'=HYPERLINK(\"http://x\")", "patients": "-2.0"},
                    {"name": "'@SUM(A1)", "patients": "40"}]
