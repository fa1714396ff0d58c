"""CSV exports never hand a spreadsheet a formula: text starting with = + - @ tab or CR is kept as text."""
import csv
import io

import pytest

from engine.store.pilot_models import Milestone
from web.csv_export import spreadsheet_safe
from web.extensions import db

FORMULA = '=HYPERLINK("https://evil.example","Click")'


def rows(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize("text", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"])
def test_formula_starts_are_neutralised(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["Lead", "a=b", "", None, 5, -3, 2.5, "'quoted"])
def test_other_cells_are_unchanged(value):
    assert spreadsheet_safe(value) == value


def test_every_export_neutralises_what_people_typed(act, org):
    instance = act.start_path("ada")
    org["ada"].name, org["ada"].department = FORMULA, "+cmd|' /C calc'!A0"
    db.session.add(Milestone(instance_id=instance.id, number=1, kind="-training", title=FORMULA,
                             measure="@SUM(1+1)", status="done", recognition_note="\t=1+1"))
    db.session.commit()
    hana = act.as_("hana")

    [_, path] = rows(hana.get("/pilot/exports/paths.csv"))
    assert path[0] == str(instance.id) and path[2] == "'" + FORMULA and path[3] == "'+cmd|' /C calc'!A0"
    [_, milestone] = rows(hana.get("/pilot/exports/milestones.csv"))
    assert milestone[3:6] == ["'-training", "'" + FORMULA, "'@SUM(1+1)"] and milestone[10] == "'\t=1+1"
    tasks = rows(hana.get("/pilot/exports/tasks.csv"))
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in tasks for cell in row)
