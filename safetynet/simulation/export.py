"""Write a simulation comparison to an Excel workbook with proper number formats."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter

from safetynet.simulation.compare import Comparison


def write_xlsx(cmp: Comparison, path: str | Path, *, title: str) -> None:
    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1})
    money = wb.add_format({"num_format": "#,##0.00"})
    pct = wb.add_format({"num_format": "0.00%"})
    pts = wb.add_format({"num_format": "+0.00%;-0.00%;0.00%"})
    count = wb.add_format({"num_format": "#,##0"})

    def sheet(name: str, df: pl.DataFrame, formats: dict[str, object], note: str) -> None:
        ws = wb.add_worksheet(name)
        ws.write(0, 0, title, bold)
        ws.write(1, 0, note)
        for j, col in enumerate(df.columns):
            ws.write(3, j, col.replace("_fen", "_yuan"), head)
            ws.set_column(j, j, 22)
            fmt = formats.get(col)
            for i, value in enumerate(df.get_column(col).to_list()):
                if col.endswith("_fen"):
                    ws.write_number(4 + i, j, value / 100, fmt)
                elif isinstance(value, int | float):
                    ws.write_number(4 + i, j, value, fmt)
                else:
                    ws.write(4 + i, j, value)

    m = {c: money for c in ("base_fen", "reform_fen", "change_fen")}
    sheet("Spending by layer", cmp.layers, m, "Yuan paid by each layer, and what patients pay.")
    sheet(
        "Ratios",
        cmp.ratios,
        {"base": pct, "reform": pct, "change": pts},
        "Actual compensation ratio = reimbursed / total cost; policy-range = compliant / total.",
    )
    sheet(
        "Out-of-pocket",
        cmp.oop_bands,
        {"base_persons": count, "reform_persons": count},
        "Persons by annual out-of-pocket (yuan).",
    )
    sheet("OOP percentiles", cmp.oop_percentiles, m, "Annual out-of-pocket per person.")
    sheet(
        "Catastrophic",
        cmp.catastrophic,
        {"base_persons": count, "reform_persons": count},
        f"Persons whose annual out-of-pocket exceeds {cmp.threshold_fen / 100:,.0f} yuan.",
    )
    wb.close()
