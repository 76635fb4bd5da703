"""The demo deployment ``make demo`` starts: a synthetic county in the embedded database,
its year settled into the ledger and posted to the fund journal, its early warnings recorded
(as on the year's last day), its three-batches programme and family-doctor contracts, and
one user per role.

Built only when the database holds no persons; an existing database is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from safetynet.codes import InstitutionLevel
from safetynet.early_warning.service import evaluate_year, record_year
from safetynet.funds.posting import post_year
from safetynet.programmes.synthetic import generate_programme
from safetynet.security.users import create_user, find_user
from safetynet.settlement.year_batch import settle_year
from safetynet.store.bulk import refresh_statistics
from safetynet.store.migrate import upgrade_to_head
from safetynet.store.models import Institution, Person
from safetynet.store.models.programmes import DoctorContract
from safetynet.store.models.security import Role
from safetynet.synth.county import DEFAULT_COUNTY, generate
from safetynet.synth.load import load_county

DEMO_PASSWORD = "safetynet-demo"  # printed by `safetynet demo`; a demo database only
DEMO_PERSONS = 20_000
DEMO_YEAR = 2017


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    display_name: str


DEMO_USERS = (
    DemoUser("admin", Role.ADMIN, "系统管理员"),
    DemoUser("bureau", Role.BUREAU, "县医保局"),
    DemoUser("clerk", Role.CLERK, "县医院一站式窗口"),
    DemoUser("reviewer", Role.REVIEWER, "审核员"),
    DemoUser("office", Role.REVIEWER, "县医院医保办"),  # the hospital's medical-insurance office
    DemoUser("analyst", Role.ANALYST, "政策分析"),
    DemoUser("auditor", Role.AUDITOR, "审计"),
    DemoUser("doctor", Role.VILLAGE_DOCTOR, "村医"),  # the first village with contracts
)


AT_HOSPITAL = ("clerk", "office")  # bound to the county hospital


def is_empty(engine: Engine) -> bool:
    with Session(engine) as session:
        return not session.scalar(select(func.count()).select_from(Person))


def ensure_demo_users(engine: Engine, county: str = DEFAULT_COUNTY) -> list[DemoUser]:
    """Create the demo users that are missing (the clerk works at the county hospital)."""
    created = []
    with Session(engine) as session, session.begin():
        hospital = session.scalar(
            select(Institution.code)
            .where(Institution.level == InstitutionLevel.COUNTY, Institution.in_county)
            .order_by(Institution.code)
        )
        # the village doctor works in the first village with family-doctor contracts
        village = (
            session.scalar(
                select(func.min(Person.region_code)).join(
                    DoctorContract, DoctorContract.person_id == Person.id
                )
            )
            or session.scalar(select(func.min(Person.region_code)))
            or county
        )
        for u in DEMO_USERS:
            if find_user(session, u.username) is not None:
                continue
            create_user(
                session,
                username=u.username,
                password=DEMO_PASSWORD,
                role=u.role,
                region_code=village if u.role == Role.VILLAGE_DOCTOR else county,
                display_name=u.display_name,
                institution_code=hospital if u.username in AT_HOSPITAL else None,
            )
            created.append(u)
    return created


BUILD_STEPS = 8  # the messages build_demo says while it builds a county


def build_demo(
    url: str,
    engine: Engine,
    *,
    persons: int = DEMO_PERSONS,
    seed: int = 1,
    say: Callable[[str], None] = print,
) -> bool:
    """Build the demo county if the database is empty; True when it was built. ``say`` hears
    the start of each of the :data:`BUILD_STEPS` steps (a progress display counts them)."""
    upgrade_to_head(url)
    if not is_empty(engine):
        ensure_demo_users(engine)
        return False
    say(f"generating a synthetic county of {persons:,} persons")
    county = generate(persons, seed=seed, year=DEMO_YEAR)
    say("loading it into the database")
    load_county(engine, county)
    say(f"settling the year's claims ({DEMO_YEAR})")
    settle_year(engine, DEMO_YEAR)  # and the online check's running totals of the year
    say(f"posting the year to the fund journal ({DEMO_YEAR})")  # the fund page shows it
    with Session(engine) as session, session.begin():
        post_year(session, DEMO_YEAR, user="demo")
    say(f"recording the year's early warnings ({DEMO_YEAR})")  # the monitoring list shows them
    with engine.begin() as conn:
        found = evaluate_year(conn, DEMO_YEAR)
    with Session(engine) as session, session.begin():
        record_year(session, DEMO_YEAR, found, date(DEMO_YEAR, 12, 31))
    say("generating the three batches and family-doctor contracts")
    with Session(engine) as session, session.begin():
        generate_programme(session, DEMO_YEAR, seed=seed)
    say("updating the database's statistics")
    refresh_statistics(engine)
    say("creating the demo users")
    ensure_demo_users(engine)
    return True
