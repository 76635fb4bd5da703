"""Finding a person and the person's page: household, status history, enrollment,
accumulators per layer, claims. Reading a person's page is written to the audit log.

The search results (``/persons.xlsx``) and a person's claims (``/persons/{id}/claims.xlsx``)
download as Excel workbooks with the page's permission, region and masking; downloads are
audited."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.exports.table import Table, display
from safetynet.policy.in_force import policy_by_id
from safetynet.policy.labels import pool_name
from safetynet.registry.lookup import describe, find_persons, person_record, typed_query
from safetynet.registry.masked_search import find_persons_masked
from safetynet.registry.resident_id import ResidentIdError, parse_resident_id
from safetynet.reports.person_tables import claims_table, persons_table
from safetynet.security.roles import Permission, allows
from safetynet.settlement import accumulators as accs
from safetynet.settlement.compiled import compiled
from safetynet.store.models import Person
from safetynet.store.models.security import User
from safetynet.web.access import person_in_region
from safetynet.web.auditing import record_read
from safetynet.web.bounds import text_query
from safetynet.web.db import get_db
from safetynet.web.downloads import xlsx_download
from safetynet.web.i18n import N_, translations
from safetynet.web.security import require
from safetynet.web.templating import locale_of, render

router = APIRouter()


def accumulator_tables(db: Session, person: Person, keys: list[tuple[int, str, str]]) -> list:  # type: ignore[type-arg]
    """Per (year, policy): the pools and their running amounts, person and household."""
    out = []
    for year, policy_id in sorted({(y, p) for y, p, _ in keys}, reverse=True):
        policy = policy_by_id(policy_id)
        if policy is None:
            continue
        cp = compiled(policy)
        acc = accs.load(db, cp, person.id, person.household_id, year)
        names = {layer.id: (layer.name_en, layer.name_zh) for layer in cp.policy.layers}
        rows = []
        for pool, values in acc.as_dict(cp).items():
            layer_id = pool.split("/", 1)[0]
            if any(values.values()):
                rows.append((pool, names.get(layer_id, (layer_id, layer_id)), values))
        out.append((year, policy_id, rows))
    return out


def named_accumulator_tables(tables: list, locale: str) -> list:  # type: ignore[type-arg]
    """The page's view of :func:`accumulator_tables`: the policy by its title and every pool
    by its name in the user's language, never by id."""
    out = []
    for year, policy_id, rows in tables:
        policy = policy_by_id(policy_id)
        assert policy is not None  # accumulator_tables kept only known policies
        cp = compiled(policy)
        title = policy.title_zh if locale == "zh_Hans" else policy.title_en
        out.append((year, title, [(pool_name(cp, pool, locale), v) for pool, _, v in rows]))
    return out


def sees_masked(user: User) -> bool:
    """Users without the unmasked person permission (analysts) see names and IDs masked."""
    return not allows(user.role, Permission.PERSON_READ)


_ID_QUERY = re.compile(r"\d{4,17}[\dXx]?")  # as registry.lookup reads an ID prefix
_WHOLE_ID = re.compile(r"[0-9]{17}[0-9Xx]")
ID_PROBLEM = N_("The resident ID %(id)s cannot be right: %(problem)s.")


def id_problem(q: str, locale: str) -> str | None:
    """What is wrong with a whole resident ID typed in the search (its check character, its
    birth date), in the reader's language; None for anything else."""
    number = typed_query(q)
    if not _WHOLE_ID.fullmatch(number):
        return None
    try:
        parse_resident_id(number)
    except ResidentIdError as exc:
        _ = translations(locale).gettext
        problem = _(exc.template) % exc.params if exc.params else _(exc.template)
        return _(ID_PROBLEM) % {"id": number.upper(), "problem": problem}
    return None


def find_for(db: Session, user: User, q: str) -> list[Person]:
    """The persons of the user's region matching ``q``. A masked user finds nobody by
    resident ID: a prefix search would tell an ID digit by digit, and a whole-ID search would
    confirm a guess built from what the notice and the masked lists show; and finds by name
    only what the masked name shows (:mod:`safetynet.registry.masked_search`)."""
    q = typed_query(q)
    if not q or (sees_masked(user) and _ID_QUERY.fullmatch(q)):
        return []
    if sees_masked(user):  # nor a name prefix (the masked characters one by one): by the mask
        return find_persons_masked(db, q, user.region_code)
    return find_persons(db, q, user.region_code)


def search_table(db: Session, user: User, q: str, locale: str) -> tuple[list[Person], Table]:
    """The persons of the user's region matching ``q`` and the table the page and the
    workbook show of them (masked for masked users; their query is not repeated)."""
    found = describe(db, find_for(db, user, q), local_today())
    masked = sees_masked(user)
    note = None if masked else translations(locale).gettext("Search: %(q)s") % {"q": q}
    return [f.person for f in found], persons_table(found, masked, locale, note)


@router.get("/persons", include_in_schema=False)
def persons(
    request: Request,
    q: str = text_query(),
    user: User = Depends(require(Permission.PERSON_READ_MASKED)),
    db: Session = Depends(get_db),
) -> Response:
    found, table = search_table(db, user, q, locale_of(request))
    masked = sees_masked(user)
    if found and not masked:
        record_read(
            request,
            db,
            user,
            target="person",
            detail={"query": q, "results": len(found)},
            action="search",
        )
    cells = [[display(v, c.kind) for c, v in zip(table.columns, row, strict=True)]
             for row in table.rows]  # fmt: skip
    return render(
        request, "persons.html",
        {"q": q, "found": found, "masked": masked, "table": table,
         "rows": list(zip(found, cells, strict=True)),
         "id_problem": None if found else id_problem(q, locale_of(request))},
    )  # fmt: skip


@router.get("/persons.xlsx", include_in_schema=False)
def persons_xlsx(
    request: Request,
    q: str = text_query(),
    user: User = Depends(require(Permission.PERSON_READ_MASKED)),
    db: Session = Depends(get_db),
) -> Response:
    """The search results as the page shows them, as a workbook."""
    found, table = search_table(db, user, q, locale_of(request))
    return xlsx_download(
        request, db, user, [table], stem="persons", target="person",
        detail={"query": q, "results": len(found), "masked": sees_masked(user)},
    )  # fmt: skip


@router.get("/persons/{resident_id}", include_in_schema=False)
def person_page(
    request: Request,
    resident_id: str,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> Response:
    person = person_in_region(db, user, resident_id)
    record = person_record(db, person, local_today(), institution_code=user.institution_code)
    record_read(request, db, user, target="person", target_id=person.resident_id)
    return render(
        request,
        "person.html",
        {
            "r": record,
            "acc_tables": named_accumulator_tables(
                accumulator_tables(db, person, record.accumulators), locale_of(request)
            ),
            "can_settle": allows(user.role, Permission.CLAIM_SETTLE),
        },
    )


@router.get("/persons/{resident_id}/claims.xlsx", include_in_schema=False)
def person_claims_xlsx(
    request: Request,
    resident_id: str,
    user: User = Depends(require(Permission.PERSON_READ)),
    db: Session = Depends(get_db),
) -> Response:
    """The person page's claims table as a workbook."""
    person = person_in_region(db, user, resident_id)
    record = person_record(db, person, local_today(), institution_code=user.institution_code)
    return xlsx_download(
        request, db, user, [claims_table(record, locale_of(request))],
        stem=f"claims-{person.resident_id}", target="person", target_id=person.resident_id,
    )  # fmt: skip
