"""What the JSON API, FHIR and the window's pages share about a recorded settlement: its id
as a path parameter and its slip as a PDF answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from safetynet.settlement import service
from safetynet.store.models import Settlement
from safetynet.store.models.security import User
from safetynet.web.auditing import record_read
from safetynet.web.ids import MAX_ID
from safetynet.web.slip_data import slip_of
from safetynet.web.slip_pdf import slip_pdf
from safetynet.web.templating import locale_of

SettlementId = Annotated[int, Path(ge=1, le=MAX_ID, description="settlement (ledger entry) id")]


def slip_pdf_response(request: Request, db: Session, user: User, entry: Settlement) -> Response:
    """The slip as a PDF download in the request's language (audited as a read)."""
    locale = locale_of(request)
    pdf = slip_pdf(slip_of(db, entry, service.settlement_view(db, entry.id), locale), locale)
    record_read(
        request, db, user, target="settlement", target_id=str(entry.id), detail={"format": "pdf"}
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="slip-{entry.id}.pdf"'},
    )
