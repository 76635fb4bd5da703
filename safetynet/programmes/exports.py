"""Contracts and follow-ups of a region as files: CSV with the import's headers (a file the
import reads back unchanged) and Excel workbooks through :mod:`safetynet.exports`."""

from __future__ import annotations

import csv
import datetime as dt
import io

import polars as pl
from sqlalchemy.orm import Session

from safetynet.exports.csv_file import inert
from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import xlsx_bytes
from safetynet.i18n import N_, gettext_for
from safetynet.programmes import load
from safetynet.programmes.imports import contracts as contract_import
from safetynet.programmes.imports import follow_ups as follow_import
from safetynet.programmes.imports import teams as team_import
from safetynet.programmes.tables import SERVICE_NAMES
from safetynet.regions import descendants

KIND_NAMES = {"follow_up": "随访", "health_check": "健康体检", "drug_delivery": "送药上门"}
CONTRACT_FIELDS = ["resident_id", "name", "team", "package", "signed_on", "valid_from",
                   "valid_to", "disease_code", "health_record_no"]  # fmt: skip
FOLLOW_FIELDS = ["resident_id", "name", "kind", "done_on", "disease_code", "systolic",
                 "diastolic", "glucose", "drugs", "next_on"]  # fmt: skip


def _in_region(session: Session, frame: pl.DataFrame, region_code: str) -> pl.DataFrame:
    people = load.persons(session).filter(
        pl.col("region_code").is_in(descendants(session, region_code))
    )
    return frame.join(people.select("person_id", "resident_id", "name"), on="person_id")


def contracts_frame(session: Session, region_code: str, start: dt.date, end: dt.date
                    ) -> pl.DataFrame:  # fmt: skip
    """The contracts in force at some time in ``[start, end)`` of persons in the region."""
    teams = team_import.existing(session).select(pl.col("id").alias("team_id"),
                                                 pl.col("code").alias("team"))  # fmt: skip
    frame = _in_region(session, load.contracts(session, start, end), region_code)
    return frame.join(teams, on="team_id", how="left").sort("resident_id", "valid_from")


def follow_ups_frame(session: Session, region_code: str, start: dt.date, end: dt.date
                     ) -> pl.DataFrame:  # fmt: skip
    """The services done in ``[start, end)`` for persons in the region."""
    frame = _in_region(session, load.follow_ups(session, start, end), region_code)
    glucose = (pl.col("glucose_tenths").cast(pl.Float64) / 10).round(1)
    return frame.with_columns(glucose.alias("glucose")).sort("resident_id", "done_on", "kind")


def _header(columns: tuple[contract_import.Column, ...], field: str) -> str:
    spec = next(c for c in columns if c.field == field)
    return spec.aliases[0]


def to_csv(frame: pl.DataFrame, fields: list[str], columns: tuple) -> bytes:  # type: ignore[type-arg]
    """UTF-8 with BOM under the import's Chinese headers; kinds in Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_header(columns, f) for f in fields])
    shown = frame.with_columns(
        pl.col("kind").replace(KIND_NAMES) if "kind" in frame.columns else pl.lit(None)
    ).select(fields)
    for row in shown.iter_rows():
        writer.writerow([inert("" if v is None else str(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def contracts_csv(session: Session, region_code: str, start: dt.date, end: dt.date) -> bytes:
    frame = contracts_frame(session, region_code, start, end)
    return to_csv(frame, CONTRACT_FIELDS, contract_import.COLUMNS)


def follow_ups_csv(session: Session, region_code: str, start: dt.date, end: dt.date) -> bytes:
    frame = follow_ups_frame(session, region_code, start, end)
    return to_csv(frame, FOLLOW_FIELDS, follow_import.COLUMNS)


CONTRACT_COLUMNS = [
    Column("resident_id", N_("Resident ID"), "text", 20), Column("name", N_("Name")),
    Column("team", N_("Team")), Column("package", N_("Package")),
    Column("signed_on", N_("Signed on"), "date"), Column("valid_from", N_("From"), "date"),
    Column("valid_to", N_("To"), "date"), Column("disease_code", N_("Disease")),
    Column("health_record_no", N_("Health record")), Column("fee_fen", N_("Fee"), "money"),
]  # fmt: skip
FOLLOW_COLUMNS = [
    Column("resident_id", N_("Resident ID"), "text", 20), Column("name", N_("Name")),
    Column("kind", N_("Service")), Column("done_on", N_("Done on"), "date"),
    Column("disease_code", N_("Disease")), Column("systolic", N_("Systolic"), "count"),
    Column("diastolic", N_("Diastolic"), "count"), Column("glucose", N_("Glucose"), "number"),
    Column("drugs", N_("Drugs")), Column("next_on", N_("Next date"), "date"),
]  # fmt: skip


def workbook(session: Session, region_code: str, start: dt.date, end: dt.date,
             locale: str = "zh_Hans") -> bytes:  # fmt: skip
    """Contracts and follow-ups as two sheets, labelled in ``locale``."""
    _ = gettext_for(locale)
    names = {k: _(v) for k, v in SERVICE_NAMES.items()}
    contracts = contracts_frame(session, region_code, start, end)
    follow = follow_ups_frame(session, region_code, start, end).with_columns(
        pl.col("kind").replace(names)
    )
    tables = [
        Table.from_frame(_("Family-doctor contracts"), contracts,
                         [Column(c.key, _(c.label), c.kind, c.width) for c in CONTRACT_COLUMNS]),
        Table.from_frame(_("Services done"), follow,
                         [Column(c.key, _(c.label), c.kind, c.width) for c in FOLLOW_COLUMNS]),
    ]  # fmt: skip
    return xlsx_bytes(tables)
