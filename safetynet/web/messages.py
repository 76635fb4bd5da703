"""What a person reads of an error, in their language: the catalog's sentence for an error
code, naming the field by its translated name — never the code, the field's identifier or
the validator's English (those stay in the JSON API, for programs).

``error_text(code, message, field, gettext, role=...)`` is used by the error page and by
pages that show an error inline (the window); an error without a catalog sentence keeps its
message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from safetynet import labels
from safetynet.web.i18n import N_

Gettext = Callable[[str], str]

FIELDS = {
    "resident_id": N_("Resident ID"),
    "institution_code": N_("Institution"),
    "kind": N_("Kind"),
    "date": N_("Date (visit or admission)"),
    "discharge_date": N_("Discharge date"),
    "diagnosis": N_("Diagnosis (ICD-10)"),
    "items": N_("Items"),
    "code": N_("Item code"),
    "quantity": N_("Quantity"),
    "amount": N_("Amount (yuan)"),
    "item_code": N_("Item code"),
    "item_quantity": N_("Quantity"),
    "item_amount": N_("Amount (yuan)"),
    "deducted": N_("Deducted (yuan)"),
    "claim_no": N_("Claim number"),
    "client_key": N_("Submission key"),
    "reason": N_("Reason"),
    "duplicate_reason": N_("Reason for a second, identical bill"),
    "month": N_("Month"),
    "year": N_("Year"),
    "region": N_("Region"),
    # the newer rooms' forms (review, early warning, the worklist)
    "on": N_("Date"),
    "to": N_("Next step"),
    "done_on": N_("Date"),
    "next_on": N_("Next date"),
    "decision": N_("Decision"),
    "article": N_("Article"),
    "reviewer": N_("Reviewer"),
    "paid": N_("Paid at discharge (yuan)"),
    "deduct": N_("Deduct (yuan, adjustments)"),
    "note": N_("Note"),
    "rule": N_("Rule"),
    "measure": N_("Measure"),
    "finding": N_("Finding"),
    "department": N_("Department"),
    "seed": N_("Seed"),
    "drugs": N_("Drugs"),
    # every other field of a page's form or query (tests/web/test_route_table_inputs.py)
    "username": N_("Username"),
    "password": N_("Password"),
    "next": N_("Page after logging in"),
    "target_id": N_("Object"),
    "period": N_("Period"),
    "by": N_("Breakdown"),
    "by_category": N_("By category"),
    "q": N_("Search"),
    "page": N_("Page"),
    "show": N_("Show"),
    "mine": N_("Mine only"),
    "overdue": N_("Overdue only"),
    "start": N_("Start date"),
    "end": N_("End date"),
    "base": N_("Base policy"),
    "parameters": N_("Parameters"),
    "targets": N_("Targets"),
    "objective": N_("Objective"),
    "trials": N_("Candidates"),
    "care_received": N_("Care received"),
    "drugs_received": N_("Drugs received"),
    "version": N_("Version"),
    "step": N_("Step"),
    "limit": N_("Cases to open"),
    "loss": N_("Loss (yuan)"),
    "multiple": N_("Multiple"),
    "fine": N_("Fine (yuan)"),
    "institution": N_("Institution"),
    "found": N_("Finding"),
    "months": N_("Months"),
    "kinds": N_("Services suspended"),
    "budget": N_("Budget (yuan)"),
    "systolic": N_("Systolic pressure"),
    "diastolic": N_("Diastolic pressure"),
    "glucose": N_("Blood glucose"),
    "idempotency_key": N_("Form key"),
    "idempotency-key": N_("Idempotency key header"),
    "csrf_token": N_("Form's security token"),
    # the JSON API's fields and parameters besides (safetynet/web/api_text.py)
    "deduct_fen": N_("Deducted (fen)"),
    "rule_id": N_("Rule"),
    "settlement_id": N_("Settlement"),
    "case_id": N_("Review case"),
    "line_id": N_("Claim line"),
    "state": N_("State"),
    "referral": N_("Referral"),
}

# an HTTP status -> its title (the error page's heading; what an API message falls back on)
TITLES = {
    400: N_("The request is not valid"),
    401: N_("Please log in"),
    403: N_("You may not do this"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    422: N_("The request cannot be carried out"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
    503: N_("The service is briefly unavailable"),
}

# error code -> sentence; %(field)s is the field's name, %(role)s the user's role
CODES = {
    "login_unconfirmed": N_("Your log-in could not be confirmed just now. Please try again."),
    "forbidden": N_("Your role (%(role)s) may not do this."),
    "not_found": N_("There is no such page."),
    "method_not_allowed": N_("This address does not take this kind of request."),
    "form_too_many_fields": N_(
        "The form has too many fields (at most %(most)s); nothing was recorded. Reload the "
        "page and send it again."
    ),
    "form_too_many_files": N_(
        "The form has too many files attached (at most %(most)s); nothing was recorded."
    ),
    "form_part_too_large": N_(
        "A field or file of the form is too large (at most %(most)s KB); nothing was recorded."
    ),
    "form_unreadable": N_(
        "The form could not be read; nothing was recorded. Reload the page and send it again."
    ),
    "http_error": N_("The request cannot be carried out."),
    "csrf": N_("The form has expired or did not come from SafetyNet; reload it."),
    "internal": N_("An unexpected error; it has been logged."),
    "person_unknown": N_("Nobody with this resident ID lives in your region."),
    "person_deceased": N_("The person died before this date."),
    "person_not_born": N_("The person was not yet born on this date."),
    "not_enrolled": N_("The person is not enrolled on this date."),
    "institution_unknown": N_("There is no such institution."),
    "institution_not_designated": N_("The institution is not designated for this scheme."),
    "institution_not_yours": N_(
        "You settle, refund and read the claims of your own institution only."
    ),
    "institution_kind": N_("The institution does not treat this kind of claim."),
    "item_unknown": N_("Item code %(value)s is not in the catalog."),
    "item_invalid": N_("An item's amount or quantity is not a number."),
    "items_too_many": N_(
        "%(field)s: a claim has at most %(most)s item lines; remove the extra rows."
    ),
    "no_policy": N_("No policy applies on this date."),
    "policy_unknown": N_("The policy of this settlement is not installed."),
    "policy_ambiguous": N_("More than one policy applies on this date; ask the administrator."),
    "claim_exists": N_("This claim number has been settled already."),
    "duplicate_bill": N_(
        "The same bill (person, institution, kind, dates and item lines) was settled already "
        "as settlement %(earlier)s (claim %(claim)s): it is not paid twice. Refund that "
        "settlement to settle it again, or, if this is a second, genuine bill, give the reason "
        "and confirm."
    ),
    "client_key_reused": N_("This form was already sent with other content; open it again."),
    "key_invalid": N_("The form's key is not valid; open the form again."),
    "settlement_unknown": N_("There is no such settlement."),
    "already_refunded": N_("This settlement was already refunded."),
    "reason_missing": N_("A refund needs a reason."),
    "resident_id_invalid": N_("The resident ID is not valid."),
    "region_unknown": N_("There is no region %(value)s in your region."),
    "kind_unknown": N_("The scorecard ranks institutions or doctors."),
    "screening_blocked": N_(
        "Fund supervision refuses this claim: it breaks the rules listed below (Decree No. 735)."
    ),
    "person_suspended": N_(
        "Direct settlement of this person is suspended until %(until)s "
        "(Decree No. 735, article %(article)s): %(reason)s"
    ),
    "department_suspended": N_(
        "The institution's department %(department)s is suspended until %(until)s "
        "(Decree No. 735, article %(article)s): %(reason)s"
    ),
    "amount_invalid": N_("%(field)s is not an amount in yuan."),
    "case_unknown": N_("There is no such review case in your scope."),
    "contract_unknown": N_("There is no such family-doctor contract in your region."),
    "patient_unknown": N_("There is no such programme patient in your region."),
    "year_out_of_range": N_("The year is outside the years this page shows."),
    "coverage_unknown": N_("There is no such coverage in your region."),
    "credentials_malformed": N_("The login credentials are malformed."),
    "credentials_wrong": N_("Wrong username or password."),
    "date_invalid": N_("Write the date as YYYY-MM-DD."),
    "payments_county": N_(
        "Payment rounds are made at the county; a round of more than one county's money is "
        "worked above the county."
    ),
    "payments_region": N_(
        "This round also pays the money of counties outside your region: it is worked by a "
        "user whose region holds them all."
    ),
    "payment_round_unknown": N_("There is no such payment round."),
    "payment_round_unreleased": N_("The bank file exists once the round is released."),
    "rounds_county": N_(
        "Re-assistance rounds are the county's: only its own county computes, reads and pays them."
    ),
    "reassist_round_unknown": N_("There is no such re-assistance round in your region."),
    "budget_invalid": N_("Write the budget as an amount in yuan, such as 2700000.00."),
    "date_out_of_range": N_("The date is outside what the scheme covers."),
    "day_out_of_range": N_("%(field)s is outside the dates this form takes."),
    "day_in_past": N_("%(field)s is before today: a step of a case is not dated back."),
    "format_not_supported": N_("This format is not offered here."),
    "format_unknown": N_("This format is not offered here."),
    "indicator_query": N_("The indicator query is not valid (%(field)s)."),
    "line_unknown": N_("There is no such claim line in your scope."),
    "month_unknown": N_("The month must be between 1 and 12."),
    "no_data": N_("There are no figures for this year yet."),
    "no_reform": N_("The search has no such reform."),
    "no_result": N_("The search has no result yet."),
    "no_search": N_("There is no such search (searches are kept until a restart)."),
    "sampled_unknown": N_("There is no such sampled claim in this spot check."),
    "spot_check_unknown": N_("There is no such spot check in your region."),
    "warning_unknown": N_("There is no such warning in your region."),
}

# what a refusal's message carries besides the code (a suspension's end, article, reason)
DETAILS = {
    "until": re.compile(r"through (\d{4}-\d{2}-\d{2})"),
    "article": re.compile(r"art\. (\d+)"),
    "reason": re.compile(r"\): (.*)$", re.S),
    "department": re.compile(r"department (.*?) of institution"),
    "earlier": re.compile(r"as settlement (\S+) \(claim "),
    "claim": re.compile(r"as settlement \S+ \(claim ([^)]*)\)"),
    "most": re.compile(r"at most (\d+) item lines|[Mm]aximum (?:number of \w+ is|size of) (\d+)"),
}

# what a validator says -> sentence (checked in order, on the validator's message)
PROBLEMS = [
    ("before the admission date", N_("The discharge date is before the admission date.")),
    ("exceeds the item's amount", N_("An item's deduction exceeds its amount.")),
    ("field required", N_("%(field)s is required")),
    ("valid date", N_("%(field)s is not a date")),
    ("valid integer", N_("%(field)s is not a whole number")),
    ("valid decimal", N_("%(field)s is not a number")),
    ("valid number", N_("%(field)s is not a number")),
    ("decimal places", N_("%(field)s has more than two decimal places")),
    ("greater than", N_("%(field)s is too small")),
    ("less than", N_("%(field)s is too large")),
    ("at most", N_("%(field)s is too long")),
    ("at least", N_("%(field)s is missing or too short")),
    ("input should be", N_("%(field)s is not one of the allowed values")),
    ("yyyy-mm-dd", N_("%(field)s is not a date")),
    ("digits 0-9", N_("%(field)s is not a number")),
    ("invisible character", N_("%(field)s holds a control or invisible character; retype it")),
    ("is blank", N_("%(field)s is blank: fill it in or leave it out")),
    ("nothing to settle", N_("Every item line is 0.00 yuan: there is nothing to settle.")),
]
VALIDATION_CODES = {"claim_invalid", "invalid"}


def field_name(field: str | None, gettext: Gettext) -> str:
    """``items.0.quantity`` → "Items, line 1: Quantity" in the user's language."""
    if not field:
        return ""
    parts = [p for p in re.split(r"[.\[\]\s]", field) if p and p not in ("body", "query", "form")]
    names: list[str] = []
    for part in parts:
        if part.isdigit():
            if names:
                names[-1] += " " + gettext("line %(n)s") % {"n": int(part) + 1}
        elif part in FIELDS:
            names.append(gettext(FIELDS[part]))
    return ": ".join(names) or gettext(N_("The form"))


def validation_text(message: str, field: str | None, gettext: Gettext) -> str:
    """One validation problem (``where: what`` as pydantic says it) as a sentence."""
    where, _, what = message.partition(": ") if ": " in message else (field or "", "", message)
    name = field_name(field or where, gettext)
    lowered = what.lower()
    for needle, sentence in PROBLEMS:
        if needle in lowered:
            return gettext(sentence) % {"field": name}
    return gettext(N_("%(field)s is not valid")) % {"field": name}


def error_text(
    code: str, message: str, field: str | None, gettext: Gettext, role: str | None = None
) -> str:
    """The sentence a person reads for an error."""
    if code in VALIDATION_CODES:
        return "; ".join(
            validation_text(part, field if i == 0 else None, gettext)
            for i, part in enumerate(message.split("; "))
        )
    sentence = CODES.get(code)
    if sentence is None:
        return message
    role_name = gettext(labels.ROLE[role]) if role in labels.ROLE else ""
    # what the user typed, as the message quotes it (or the code of digits it names)
    typed = re.search(r"'([^']*)'", message) or re.search(r"\b(\d{4,})\b", message)
    details = {key: (next((g for g in m.groups() if g), "") if (m := rx.search(message)) else "")
               for key, rx in DETAILS.items()}  # fmt: skip
    return gettext(sentence) % {
        "role": role_name,
        "field": field_name(field, gettext),
        "value": typed.group(1) if typed else "",
        **details,
    }
