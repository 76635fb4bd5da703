"""Readable names of the domain's codes (roles, sexes, levels, claim kinds, statuses),
marked for translation; templates show ``_(labels.LEVEL[code])``."""

from __future__ import annotations

from safetynet.i18n import N_

ROLE = {
    "admin": N_("administrator"),
    "bureau": N_("medical security bureau"),
    "clerk": N_("window clerk"),
    "reviewer": N_("reviewer"),
    "analyst": N_("analyst"),
    "auditor": N_("auditor"),
    "village_doctor": N_("village doctor"),
}
SEX = {"M": N_("male"), "F": N_("female")}
LEVEL = {
    "village": N_("village clinic"),
    "township": N_("township health centre"),
    "county": N_("county hospital"),
    "city": N_("city hospital"),
    "province": N_("province hospital"),
    "out_of_province": N_("out of province"),
}
KIND = {
    "inpatient": N_("inpatient"),
    "outpatient": N_("outpatient"),
    "chronic_outpatient": N_("chronic disease outpatient"),
}
STATUS = {
    "registered_poor": N_("registered poor"),
    "low_income": N_("low income (dibao)"),
    "extremely_poor": N_("extremely poor"),
    "marginal": N_("marginal, prone to poverty"),
    "exited": N_("exited poverty"),
    "returned": N_("returned to poverty"),
    "ordinary": N_("ordinary resident"),
}
LAYER_TYPE = {
    "basic_insurance": N_("basic medical insurance"),
    "critical_illness": N_("critical illness insurance"),
    "medical_assistance": N_("medical assistance"),
    "government_backstop": N_("government backstop"),
    "supplementary": N_("supplementary insurance"),
    "re_assistance": N_("re-assistance"),
}
ENTRY = {"settlement": N_("settlement"), "reversal": N_("refund (reversal)")}
FACT = {
    "base": N_("base"),
    "deductible": N_("deductible"),
    "eligible": N_("eligible"),
    "ratio_bp": N_("ratio"),
    "gross": N_("before caps"),
    "capped": N_("after caps"),
    "running_before": N_("accumulated before"),
    "paid_before": N_("paid before this year"),
    "allowed": N_("room under the cap"),
    "bonus_bp": N_("bonus"),
}
POOL = {
    "base": N_("accumulated base"),
    "paid": N_("paid"),
    "cost": N_("cost"),
    "out_of_pocket": N_("out of pocket"),
    "highest_level": N_("highest level"),
}
AUDIT_ACTION = {
    "read": N_("read"),
    "search": N_("searched"),
    "export": N_("exported"),
    "settle": N_("settled"),
    "preview": N_("previewed a settlement"),
    "refund": N_("refunded"),
    "login": N_("logged in"),
    "login_failed": N_("failed login"),
    "login_throttled": N_("login refused: too many attempts"),
    "record": N_("recorded"),
    "logout": N_("logged out"),
    "create": N_("created"),
    "update": N_("changed"),
    "password": N_("changed the password"),
    "password_change": N_("changed the password"),
    "warning.visit_confirmed": N_("home visit: risk confirmed"),
    "warning.visit_dismissed": N_("home visit: no risk found"),
    "warning.hand_over": N_("handed over to civil affairs and the poverty office"),
    "warning.measure": N_("a measure taken"),
    "warning.follow_up_below": N_("follow-up: below the lines"),
    "warning.follow_up_above": N_("follow-up: still above a line"),
    "warning.close": N_("closed"),
    "reassistance.draft": N_("re-assistance round computed"),
    "reassistance.approve": N_("re-assistance round approved"),
    "reassistance.pay": N_("re-assistance round paid"),
    "reassistance.cancel": N_("re-assistance round cancelled"),
    "payment_batch.make": N_("payment round made"),
    "payment_batch.approve": N_("payment round approved"),
    "payment_batch.release": N_("payment round released"),
    "review.open": N_("review cases opened"),
    "review.self_check": N_("self-checked a claim"),
    "review.assign": N_("assigned a review case"),
    "review.decide": N_("decided a claim line"),
    "review.finish": N_("finished a review"),
    "review.appeal": N_("appealed a review"),
    "review.close": N_("closed a review case"),
    "review.callback": N_("recorded a call-back"),
    "spot_check.draw": N_("drew a spot check"),
    "spot_check.finding": N_("recorded a spot-check finding"),
    "spot_check.book": N_("booked a spot check's recovery"),
    "sanction.open": N_("opened a sanction case"),
    "sanction.recover": N_("recorded a recovery"),
    "sanction.cancel": N_("cancelled a sanction case"),
    "sanction.refund": N_("refunded a person's recoveries of a cancelled sanction case"),
    "sanction.suspend": N_("suspended"),
    "programme.advance": N_("moved a programme patient to the next step"),
}
AUDIT_TARGET = {
    "person": N_("person"),
    "settlement": N_("settlement"),
    "user": N_("user"),
    "notice": N_("public notice"),
    "indicators": N_("indicators"),
    "dashboard": N_("dashboard"),
    "summary": N_("annual summary"),
    "overview": N_("overview"),
    "audit": N_("audit log"),
    "persons": N_("persons"),
    "claim": N_("claim"),
    "early_warning": N_("early warning"),
    "reassistance_round": N_("re-assistance round"),
    "reassistance_rounds": N_("re-assistance rounds"),
    "payment_batch": N_("payment round"),
    "payment_batches": N_("payment rounds"),
    "review_case": N_("review case"),
    "review_line": N_("review line"),
    "daily_bill": N_("daily bill"),
    "spot_check": N_("spot check"),
    "spot_check_claim": N_("sampled claim"),
    "sanction_case": N_("sanction case"),
    "suspension": N_("suspension"),
    "review_export": N_("review export"),
    "design": N_("policy design"),
    "doctor_contract": N_("family-doctor contract"),
    "follow_up": N_("follow-up"),
    "fund_statements": N_("fund statements"),
    "funds": N_("fund accounts"),
    "supervision_scorecard": N_("supervision scorecard"),
    "worklist": N_("worklist"),
    "programme_patient": N_("programme patient"),
    "programme_patients": N_("programme patients"),
}


def named(names: dict[str, str], code: str, gettext) -> str:  # type: ignore[no-untyped-def]
    """A code's translated name, or the code itself when it has none (an older log entry)."""
    return gettext(names[code]) if code in names else code
