"""Xero and Sage files carry one line per project, with its codes, for someone paid across several projects."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from payments.factory import approve, migrated_factory, participant, project, set_organisation
from private_pg import private_postgres_factory
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.errors import Invalid
from ledger.exports.finance import get_exporter
from ledger.payments.batches import build_batch
from ledger.reports.batch_data import BatchExport, BatchExportLine, ProjectAmount
from ledger.reports.batch_export import batch_export_data
from ledger.reports.batch_projects import project_amounts
from ledger.security.actor import Actor

D = Decimal
CLI = Actor.system("cli")


def split_line(**changes: object) -> BatchExportLine:
    line = BatchExportLine(
        line_id=1, participant_reference="P-0001", payee_name="Siân Ødegård", amount=D("160.40"),
        fees=D("150.00"), expenses=D("10.40"), payment_reference="NHC PAY B0007",
        project_codes=("BD", "YCV"), cost_codes=("CC-1", "CC-2"), description="Involvement, 3 activities",
        projects=(ProjectAmount("BD", "CC-1", D("100.00"), D("6.40")), ProjectAmount("YCV", "CC-2", D("50.00"),
                                                                                      D("4.00"))),
    )
    return replace(line, **changes)  # type: ignore[arg-type]


def batch_of(line: BatchExportLine) -> BatchExport:
    return BatchExport(reference="B-0007", method="bank_transfer", currency="GBP", created_on=date(2026, 11, 2),
                       paid_on=None, organisation_name="NORTHSHIRE HC", project_code=None, lines=[line],
                       line_count=1, total=line.amount)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_xero_writes_a_fees_and_an_expenses_row_per_project_with_its_tracking() -> None:
    rows = csv_rows(b"".join(get_exporter("xero").iter_chunks(batch_of(split_line()))))[1:]
    got = [(row[7], row[8], row[10], row[11]) for row in rows]
    assert got == [("100.00", "6100", "Project", "BD"), ("6.40", "6110", "Project", "BD"),
                   ("50.00", "6100", "Project", "YCV"), ("4.00", "6110", "Project", "YCV")]
    assert {row[1] for row in rows} == {"B-0007-P-0001"}  # still one bill per payee
    assert sum(D(row[7]) for row in rows) == D("160.40")
    assert "(project YCV)" in rows[2][5]


def test_sage_writes_a_row_per_project_with_project_and_cost_code() -> None:
    rows = csv_rows(b"".join(get_exporter("sage").iter_chunks(batch_of(split_line()))))[1:]
    got = [(row[2], row[7], row[13], row[14]) for row in rows]
    assert got == [("6100", "100.00", "BD", "CC-1"), ("6110", "6.40", "BD", "CC-1"),
                   ("6100", "50.00", "YCV", "CC-2"), ("6110", "4.00", "YCV", "CC-2")]
    assert sum(D(row[7]) for row in rows) == D("160.40")


def test_parts_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(Invalid, match="do not add up"):
        split_line(projects=(ProjectAmount("BD", None, D("100.00"), D("10.40")),))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        yield migrated_factory(tmp_path)
        return
    with private_postgres_factory("ledger_projects") as pg:
        set_organisation(pg)
        yield pg


def test_project_amounts_split_a_payment_by_project_from_its_postings(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        first, second = project(s, "BD"), project(s, "YCV")
        ann = participant(s, "Ann Example")
        approve(s, ann, first, date(2025, 5, 1), 5000, 640)
        approve(s, ann, first, date(2025, 5, 8), 2500, 0)
        approve(s, ann, second, date(2025, 5, 9), 4125, 300)
        batch = build_batch(s, CLI, "bank_transfer").batch
        line_ids = [line.id for line in batch.lines]
        parts = project_amounts(s, line_ids, "GBP")
        codes = [(first.code, first.cost_code), (second.code, second.cost_code)]
    assert len(line_ids) == 1
    assert parts[line_ids[0]] == (
        ProjectAmount(codes[0][0], codes[0][1], D("75.00"), D("6.40"), activities=2),
        ProjectAmount(codes[1][0], codes[1][1], D("41.25"), D("3.00"), activities=1),
    )


def test_xero_rows_count_each_projects_own_activities(factory: sessionmaker[Session]) -> None:
    """Two activities in each of two projects: each project's rows say 2, not the payment's 4."""
    with transaction(factory) as s:
        first, second = project(s, "EASY-INFO"), project(s, "MH-REDESIGN")
        dan = participant(s, "Daniel Okafor")
        approve(s, dan, first, date(2025, 5, 1), 5000, 640)
        approve(s, dan, second, date(2025, 5, 2), 2500, 0)
        approve(s, dan, first, date(2025, 5, 8), 2500, 0)
        approve(s, dan, second, date(2025, 5, 9), 4125, 300)
        batch = build_batch(s, CLI, "bank_transfer").batch
        data = batch_export_data(s, batch)
        rows = csv_rows(b"".join(get_exporter("xero").iter_chunks(data)))[1:]
    descriptions = [row[5] for row in rows]
    assert descriptions == [
        f"Fees: Involvement fees and expenses, 2 activities (project {first.code})",
        f"Expenses: Involvement fees and expenses, 2 activities (project {first.code})",
        f"Fees: Involvement fees and expenses, 2 activities (project {second.code})",
        f"Expenses: Involvement fees and expenses, 2 activities (project {second.code})",
    ]


def test_xero_project_rows_name_each_projects_count_not_the_whole_payments() -> None:
    line = split_line(projects=(ProjectAmount("BD", "CC-1", D("100.00"), D("6.40"), activities=1),
                                ProjectAmount("YCV", "CC-2", D("50.00"), D("4.00"), activities=2)))
    rows = csv_rows(b"".join(get_exporter("xero").iter_chunks(batch_of(line))))[1:]
    assert [row[5] for row in rows] == [
        "Fees: Involvement fees and expenses, 1 activity (project BD)",
        "Expenses: Involvement fees and expenses, 1 activity (project BD)",
        "Fees: Involvement fees and expenses, 2 activities (project YCV)",
        "Expenses: Involvement fees and expenses, 2 activities (project YCV)",
    ]
    # Count unknown: a project row does not borrow the whole payment's "3 activities".
    rows = csv_rows(b"".join(get_exporter("xero").iter_chunks(batch_of(split_line()))))[1:]
    assert [row[5] for row in rows] == ["Fees (project BD)", "Expenses (project BD)", "Fees (project YCV)",
                                        "Expenses (project YCV)"]
    # One project only: the line's own description, as before.
    one = split_line(project_codes=("BD",), cost_codes=("CC-1",),
                     projects=(ProjectAmount("BD", "CC-1", D("150.00"), D("10.40"), activities=3),))
    rows = csv_rows(b"".join(get_exporter("xero").iter_chunks(batch_of(one))))[1:]
    assert [row[5] for row in rows] == ["Fees: Involvement, 3 activities", "Expenses: Involvement, 3 activities"]
