"""Serving a page's tables as an Excel download, the same way on every page: the workbook from
the shared writer (:mod:`safetynet.exports.xlsx`), an attachment with a plain ASCII file name,
and an ``export`` entry in the audit log committed before the file leaves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from safetynet.exports.table import Table
from safetynet.exports.xlsx import xlsx_bytes
from safetynet.security import audit
from safetynet.store.models.security import User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(stem: str, ext: str = "xlsx") -> str:
    """``stem.ext`` with anything but ASCII letters, digits, ``.``, ``_`` and ``-`` replaced."""
    return f"{_UNSAFE.sub('-', stem).strip('-') or 'export'}.{ext}"


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
    body = xlsx_bytes(tables)
    audit.record_read(
        db, username=user.username, action="export", target=target, target_id=target_id,
        detail={"format": "xlsx", "rows": sum(len(t.rows) for t in tables), **(detail or {})},
        client=request.client.host if request.client else None,
    )  # fmt: skip
    db.commit()
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{safe_filename(stem)}"'},
    )
