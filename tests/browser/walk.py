"""One walk of every page, for every role that sees it, in both languages and at every width
the pages must work at: for each visit the response's headers, a screenshot, the layout
problems measured in the page, the Content-Security-Policy violations Chromium reported and
the Latin-letter words a Chinese reader would see. The layout, CSP and Chinese-text tests
assert on the same walk, so Chromium renders each page once per width and language."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import Claim, DoctorContract, Person, Region, Settlement, User
from safetynet.synth.demo import DEMO_PASSWORD

DESKTOP = (1024, 1366)
WIDE = 1920  # a bureau's big screen: the bureau's pages once more
SHOT_HEIGHT = 2400  # the top of a long page (the notice runs to thousands of lines)
PHONE = 390  # township and village staff: person search, person page, public notice

# Measured in the page: sideways scrolling, elements sticking out of their card, text wider
# than its box, buttons and navigation links wrapped over several lines, chart labels
# running into their bars.
LAYOUT_JS = r"""
() => {
  const out = [];
  const name = (el) => {
    const cls = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    const text = (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' "' + text + '"';
  };
  const clips = (el) => getComputedStyle(el).overflowX !== 'visible';
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const se = document.scrollingElement;
  if (se.scrollWidth > se.clientWidth + 1) {
    out.push('the page scrolls sideways: ' + se.scrollWidth + ' > ' + se.clientWidth);
  }
  // nothing sticks out of its card, figure tile, header or main column (a scrolling box
  // in between, e.g. a wide table's, keeps its content in)
  for (const box of document.querySelectorAll('.card, .tile, header.top, main')) {
    const b = box.getBoundingClientRect();
    const reported = new Set();
    for (const el of box.querySelectorAll('*')) {
      if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
      if (el.closest('datalist, option, script, template')) continue;
      let clipped = false;
      for (let p = el.parentElement; p && p !== box; p = p.parentElement) {
        if (clips(p) || reported.has(p)) { clipped = true; break; }
      }
      if (clipped || !shown(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right > b.right + 1 || r.left < b.left - 1) {
        reported.add(el);
        out.push(name(el) + ' sticks out of ' + name(box) + ' by ' +
                 Math.round(Math.max(r.right - b.right, b.left - r.left)) + 'px');
      }
    }
  }
  // text wider than its own box (a big number in a figure tile, a long word in a cell)
  for (const el of document.querySelectorAll('main *, header.top *')) {
    const tag = el.tagName.toLowerCase();
    if (el.closest('svg') || ['select', 'input', 'textarea', 'option'].includes(tag)) continue;
    if (clips(el) || !shown(el)) continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      out.push(name(el) + ' is too narrow for its text: ' + el.scrollWidth + ' > ' +
               el.clientWidth);
    }
  }
  // buttons and navigation links on one line each
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set();
    for (const r of range.getClientRects()) { if (r.width > 0) tops.add(Math.round(r.top / 4)); }
    return tops.size;
  };
  for (const el of document.querySelectorAll('button, a.button, header.top a, header.top .who')) {
    if (!shown(el)) continue;
    const n = lines(el);
    if (n > 1) out.push(name(el) + ' wraps over ' + n + ' lines');
  }
  // no table column squeezed to a letter or two per line
  for (const el of document.querySelectorAll('main td, main th')) {
    if (!shown(el) || (el.innerText || '').trim().length < 3) continue;
    const em = parseFloat(getComputedStyle(el).fontSize);
    const n = lines(el);
    if (n >= 3 && el.clientWidth < 3.5 * em) {
      out.push(name(el) + ' is squeezed into ' + n + ' lines of ' + el.clientWidth + 'px');
    }
  }
  // a bar chart's label keeps clear of its bar and its value; the value stays in the chart
  const meets = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
                          a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  for (const svg of document.querySelectorAll('svg.bars')) {
    const s = svg.getBoundingClientRect();
    const labels = svg.querySelectorAll('text.lbl'), bars = svg.querySelectorAll('rect.bar'),
          values = svg.querySelectorAll('text.val');
    labels.forEach((lbl, i) => {
      const l = lbl.getBoundingClientRect(), b = bars[i].getBoundingClientRect(),
            v = values[i].getBoundingClientRect();
      if (meets(l, b) || meets(l, v)) {
        out.push('chart label "' + lbl.textContent + '" runs into its bar or value');
      }
      if (l.right > s.right + 0.5 || v.right > s.right + 0.5) {
        out.push('chart row "' + lbl.textContent + '" is cut off');
      }
    });
  }
  return out;
}
"""

# What a reader sees: the visible text, the chart labels, placeholders, the tab's title and
# the choices a field offers when opened (a datalist's options: the window's item catalog,
# whose names are not in the page's text until the picker opens).
TEXT_JS = r"""
() => [document.title, document.body.innerText,
       ...[...document.querySelectorAll('svg text')].map((t) => t.textContent),
       ...[...document.querySelectorAll('datalist option')].map((o) => o.textContent),
       ...[...document.querySelectorAll('[placeholder]')].map((e) => e.placeholder),
       ...[...document.querySelectorAll('[title]')].map((e) => e.title)].join('\n')
"""

# Chromium tells the page of every blocked script, style or handler.
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
                    (e.sourceFile || '') + ':' + e.lineNumber + ' ' + (e.sample || ''));
});
"""

# Words a Chinese page may hold: names of standards, formats and the product, the language
# switch, and what users type (login names, codes of one letter and digits never match).
ALLOWED_LATIN = {"ICD-10", "ICD", "FHIR", "Excel", "PDF", "SafetyNet", "English", "UTC", "ID"}
LATIN_WORD = re.compile(r"[A-Za-z0-9_.\-]*[A-Za-z]{2,}[A-Za-z0-9_.\-]*")
CODE = re.compile(r"[A-Z]{1,3}\d{3,}")  # claim numbers and the like: typed, not read


# a Latin letter written into a Chinese word (B超, X线, 第k次, 稳健z值): English too
HAN = r"\u3400-\u9fff"
LETTER_IN_CHINESE = re.compile(
    rf"(?<=[{HAN}])[A-Za-z](?![A-Za-z0-9])|(?<![A-Za-z0-9])[A-Za-z](?=[{HAN}])"
)


def latin_words(text: str, allowed: set[str]) -> set[str]:
    """The words of two or more Latin letters in ``text`` that are not allowed, and each
    single Latin letter written against a Chinese character."""
    words = {w.strip(".-_") for w in LATIN_WORD.findall(text)}
    return {
        w
        for w in words
        if w and w not in allowed and w not in ALLOWED_LATIN and not CODE.fullmatch(w)
    } | set(LETTER_IN_CHINESE.findall(text))


@dataclass
class Visit:
    role: str
    locale: str
    width: int
    url: str
    status: int | None
    csp: str | None
    screenshot: Path
    layout: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    text: str = ""

    def where(self) -> str:
        return f"{self.role} {self.locale} {self.width}px {self.url}"


@dataclass(frozen=True)
class Sample:
    """The records the walk's addresses point at."""

    resident_id: str
    name: str
    settlement_id: int
    township: str
    village: str
    month: str
    review_case: int = 0  # a review case of the office's institution (record_reviews)
    spot_check: int = 0
    open_case: int = 0  # a case still open (its line ``open_line`` shows the decision form)
    open_line: int = 0
    contract: int = 0  # a family-doctor contract of the village doctor's village
    payment_round: int = 0  # the county's payment round of institutions (post_funds)
    reassist_round: int = 0  # an approved re-assistance round of households (reassist_round)


WORK_DAY = "2017-10-01"  # the synthetic county's contracts run through 2017


def sample(engine: Engine) -> Sample:
    """A living person of the first township with a settlement (the township user sees them)."""
    with session_scope(engine) as s:
        township = s.scalar(select(func.min(Region.code)).where(Region.level == "township"))
        villages = select(Region.code).where(Region.parent_code == township)
        # at the clerk's hospital when one is there: the clerk reads that institution's slips
        hospital = s.scalar(select(User.institution_code).where(User.username == "clerk"))
        row = s.execute(
            select(Settlement.id, Person.resident_id, Person.name, Person.region_code)
            .join(Person, Person.id == Settlement.person_id)
            .join(Claim, Claim.id == Settlement.claim_id)
            .where(Person.deceased_on.is_(None), Person.region_code.in_(villages))
            .order_by((Claim.institution_code == hospital).desc(), Settlement.id.desc())
            .limit(1)
        ).one()
        doctor = s.scalar(select(User.region_code).where(User.username == "doctor"))
        contract = s.scalar(
            select(func.min(DoctorContract.id))
            .join(Person, Person.id == DoctorContract.person_id)
            .where(Person.region_code == doctor)
        )
        return Sample(
            row[1], row[2], row[0], str(township), row[3], "2017-12", contract=contract or 0
        )


def post_funds(engine: Engine) -> dict[str, int]:
    """The county's 2017 posted to the fund journal (the year batch runs no hooks) and a
    payment round of June made (once), for the payment-round pages."""
    from safetynet.funds.payments import make_round
    from safetynet.funds.posting import post_year
    from safetynet.funds.rules import default_rules
    from safetynet.store.models import PaymentBatch

    with session_scope(engine) as s:
        post_year(s, 2017, user="walk")
        # the county's own round (a round of every county's is the city's: 403 to the bureau)
        bureau = s.scalar(select(User.region_code).where(User.username == "bureau"))
        county = str(bureau)[:6]
        found = s.scalar(
            select(PaymentBatch.id).where(
                PaymentBatch.year == 2017, PaymentBatch.month == 6,
                PaymentBatch.payer_region == county,
            )
        )  # fmt: skip
        if found is None:
            found = make_round(s, default_rules(), 2017, 6, user="bureau", payer_region=county).id
    return {"payment_round": int(found)}


def record_warnings(engine: Engine) -> None:
    """The county's early warnings of 2017, recorded once."""
    from datetime import date

    from safetynet.early_warning.service import evaluate_year, record
    from safetynet.store.models import EarlyWarning

    with engine.begin() as conn:
        found = evaluate_year(conn, 2017)
    with session_scope(engine) as s:
        if not s.scalar(select(func.count(EarlyWarning.id))):
            record(s, 2017, found.rules, found.warnings, date(2017, 12, 31))


def reassist_round(engine: Engine) -> dict[str, int]:
    """The county's re-assistance round of 2017, drafted by the bureau and approved by the
    admin once (its page shows the pay and cancel forms)."""
    from datetime import date

    from safetynet.early_warning.rounds import approve_round, draft_round
    from safetynet.store.models import ReassistanceRound

    with session_scope(engine) as s:
        found = s.scalar(select(func.max(ReassistanceRound.id)).where(
            ReassistanceRound.year == 2017, ReassistanceRound.state == "approved"))  # fmt: skip
        if found is None:
            county = s.scalar(select(User.region_code).where(User.username == "bureau"))
            found = draft_round(s, 2017, str(county), user="bureau").id
            approve_round(s, found, user="admin", on=date(2018, 1, 5))
    return {"reassist_round": int(found)}


def record_reviews(engine: Engine) -> dict[str, int]:
    """Review cases of the office's first three stays (the first decided, the second flagged
    by a call-back), a spot check with a finding, a sanction case with a recovery and a
    department's suspension: recorded once, whatever other tests recorded meanwhile."""
    from datetime import date

    from safetynet.codes import CaseState
    from safetynet.review import callbacks, cases, sanctions, spot_checks
    from safetynet.store.models import Callback, Claim, SanctionCase, SpotCheck, User

    with session_scope(engine) as s:
        code = s.scalar(select(User.institution_code).where(User.username == "office"))
        claim_ids = s.scalars(
            select(Claim.id).where(Claim.institution_code == code, Claim.kind == "inpatient")
            .order_by(Claim.id).limit(3)
        ).all()  # fmt: skip
        opened = [cases.open_case(s, cid, risk_score=float(n)) for n, cid in enumerate(claim_ids)]
        first = opened[0]
        if first.state == CaseState.SUBMITTED:
            for n, line in enumerate(cases.lines(s, first.id)):
                cases.decide_line(s, line.id, decision="adjusted" if n == 0 else "approved",
                                  deduct_fen=100 if n == 0 else None, by="reviewer", version=0,
                                  reason="超标准收费" if n == 0 else None, article=38)  # fmt: skip
            cases.finish(s, first.id, by="reviewer", today=date(2017, 12, 31))
        if not s.scalar(select(Callback.id).where(Callback.claim_id == claim_ids[1])):
            callbacks.record(s, claim_ids[1], care_received=True, drugs_received=False,
                             paid_fen=0, by="reviewer", on=date(2017, 12, 20))  # fmt: skip
        check_id = s.scalar(select(SpotCheck.id).where(SpotCheck.seed == 1))
        if check_id is None:
            county = s.scalar(select(func.min(Region.code)).where(Region.level == "county"))
            year = (date(2017, 1, 1), date(2017, 12, 31))
            check = spot_checks.draw_spot_check(s, region=str(county), start=year[0],
                                                end=year[1], seed=1, by="bureau")  # fmt: skip
            sampled = spot_checks.sample(s, check.id)[0]
            spot_checks.record_finding(s, sampled.id, found_fen=min(100, sampled.amount_fen),
                                       by="bureau")  # fmt: skip
            check_id = check.id
        if not s.scalar(select(SanctionCase.id).where(SanctionCase.finding == "重复收费")):
            case = sanctions.open_case(s, article=38, finding="重复收费", loss_fen=100_00,
                                       fine_multiple="1.5", by="bureau", today=date(2017, 12, 31),
                                       institution_code=code)  # fmt: skip
            sanctions.record_recovery(s, case.id, amount_fen=50_00, by="bureau",
                                      received_on=date(2017, 12, 31))  # fmt: skip
            sanctions.suspend_department(s, institution_code=str(code), department="骨科",
                                         claim_kinds=["inpatient"], article=38, months=6,
                                         valid_from=date(2030, 1, 1), reason="挂床住院",
                                         by="bureau")  # fmt: skip
        return {
            "review_case": first.id,
            "spot_check": check_id,
            "open_case": opened[1].id,
            "open_line": cases.lines(s, opened[1].id)[0].id,
        }


def review_pages(x: Sample) -> list[str]:
    case = f"/review/cases/{x.review_case}"
    return ["/review", case, f"/review/cases/{x.open_case}?line={x.open_line}",
            f"{case}/daily-bill"]  # fmt: skip


def pages(role: str, x: Sample) -> list[str]:
    """The pages a role works with (error pages included: they are pages too)."""
    person = [
        "/persons",
        f"/persons?q={x.name}",
        f"/persons/{x.resident_id}",
        f"/settlements/{x.settlement_id}",
    ]
    reports = [
        "/",
        "/dashboard",
        f"/dashboard?region={x.township}",
        "/indicators",
        "/indicators?period=quarter&by=township&by_category=true",
        "/indicators?period=week",
        "/reports/notice",
        f"/reports/notice?region={x.village}&month={x.month}",
        "/warnings?year=2017",
        "/funds?year=2017&month=6",
    ]
    payments = ["/funds/payments?year=2017", f"/funds/payments/{x.payment_round}"]
    rounds = ["/warnings/rounds?year=2017", f"/warnings/rounds/{x.reassist_round}"]
    return {
        "anonymous": ["/login"],
        "bureau": [
            *reports,
            *person,
            f"/window?resident_id={x.resident_id}",
            "/audit",
            "/nowhere",
            *review_pages(x),
            "/review/spot-checks",
            f"/review/spot-checks/{x.spot_check}",
            "/review/sanctions",
            *payments,
            *rounds,
        ],
        "office": review_pages(x),
        "clerk": [*person, f"/window?resident_id={x.resident_id}"],
        "analyst": ["/", "/persons", f"/persons?q={x.name}", "/audit"],
        "auditor": ["/audit", f"/audit?username=bureau&target_id={x.resident_id}"],
        "township": [
            "/",
            "/persons",
            f"/persons/{x.resident_id}",
            "/reports/notice",
            "/warnings?year=2017",
            "/review",
            "/funds?year=2017&month=6",
            *rounds,
        ],
        "doctor": [
            "/",
            f"/worklist?on={WORK_DAY}",
            f"/worklist?on={WORK_DAY}&overdue=true",
            f"/worklist/{x.contract}?on={WORK_DAY}",
            f"/worklist/{x.contract}?on={WORK_DAY}&error=range_systolic",
            f"/worklist/{x.contract}?on={WORK_DAY}&error=drugs_formula",  # the longest refusal
            "/programme/patients?year=2017",
        ],
    }[role]


PHONE_PAGES = (
    "/persons",
    "/reports/notice",
    "/warnings?year=2017",
    "/review",
    "/warnings/rounds?year=2017",
)  # and a search, a person and a re-assistance round: see the walk


def log_in(page: Any, username: str, locale: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"/locale/{locale}?next=/login")


def visit(page: Any, role: str, locale: str, width: int, url: str, shots: Path) -> Visit:
    page.set_viewport_size({"width": width, "height": 800})
    response = page.goto(url)
    page.wait_for_load_state("load")
    if page.locator(".chart").count():
        page.wait_for_selector(".chart[data-ready='1'] svg", timeout=15_000)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-") or "home"
    shot = shots / f"{role}-{locale}-{width}-{slug[:60]}.png"
    height = min(page.evaluate("document.scrollingElement.scrollHeight"), SHOT_HEIGHT)
    page.screenshot(
        path=str(shot), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}
    )
    return Visit(
        role=role,
        locale=locale,
        width=width,
        url=url,
        status=response.status if response else None,
        csp=response.headers.get("content-security-policy") if response else None,
        screenshot=shot,
        layout=page.evaluate(LAYOUT_JS),
        violations=page.evaluate("window.__csp || []"),
        text=page.evaluate(TEXT_JS),
    )
