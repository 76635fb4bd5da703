"""Serving a file download the same way on every page: an attachment with a plain ASCII file
name and an ``export`` entry in the audit log committed before the file leaves; a page's
tables as an Excel workbook from the shared writer (:mod:`safetynet.exports.xlsx`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from safetynet.exports.table import Table
from safetynet.exports.xlsx import xlsx_bytes
from safetynet.store.models.security import User
from safetynet.web.auditing import record_read

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"xlsx": XLSX, "pdf": "application/pdf"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(stem: str, ext: str = "xlsx") -> str:
    """``stem.ext`` with anything but ASCII letters, digits, ``.``, ``_`` and ``-`` replaced."""
    return f"{_UNSAFE.sub('-', stem).strip('-') or 'export'}.{ext}"


def file_download(
    request: Request,
    db: Session,
    user: User,
    body: bytes,
    *,
    ext: str,
    stem: str,
    target: str,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Response:
    """``body`` as an attachment ``stem.ext`` (xlsx or pdf); the export is audited."""
    record_read(
        request,
        db,
        user,
        target=target,
        target_id=target_id,
        detail={"format": ext, **(detail or {})},
        action="export",
    )
    return Response(
        body,
        media_type=MEDIA_TYPES[ext],
        headers={"Content-Disposition": f'attachment; filename="{safe_filename(stem, ext)}"'},
    )


def xlsx_download(
    request: Request,
    db: Session,
    user: User,
    tables: Sequence[Table],
    *,
    stem: str,
    target: str,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Response:
    """The tables as a workbook attachment ``stem.xlsx``; the export is audited."""
    rows = sum(len(t.rows) for t in tables)
    return file_download(request, db, user, xlsx_bytes(tables), ext="xlsx", stem=stem,
                         target=target, target_id=target_id,
                         detail={"rows": rows, **(detail or {})})  # fmt: skip
