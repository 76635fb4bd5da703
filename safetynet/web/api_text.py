"""What a program reads of an error of the JSON API (``/api``) or of FHIR (``/fhir``), in the
request's language.

The ``code`` and the ``field`` (and a FHIR issue's ``expression`` and ``details.coding``) are
for programs and never change; the ``message`` (a FHIR issue's ``details.text`` and
``diagnostics``) is for the person reading it:

- the language is the session's choice (a browser's cookie: the account's language at log-in,
  or the one picked on a page), else the ``Accept-Language`` header (Chinese or English,
  whichever it names first), else **English** — a program that asks for nothing reads what
  it always read;
- in English the message is the service's own sentence, with its details;
- in any other language it is the catalog's sentence for the code (the one the pages show,
  :data:`safetynet.web.messages.CODES`, the review's :data:`safetynet.review.texts.ERRORS`,
  else the API's own, :data:`API_CODES`), a whole sentence with placeholders, naming a
  field by its translated name (a JSON field by :func:`safetynet.web.messages.field_name`,
  a FHIRPath by :func:`fhir_name`), never by its identifier. A code with no sentence (none
  should be: ``tests/web/test_api_language.py`` walks them) is said by its HTTP status's
  title, never in English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from safetynet import labels
from safetynet.review.texts import ERRORS as REVIEW_ERRORS
from safetynet.web.i18n import LOCALES, N_, asked_locale, translations
from safetynet.web.messages import (
    CODES,
    DETAILS,
    FIELDS,
    TITLES,
    VALIDATION_CODES,
    Gettext,
    field_name,
    validation_text,
)

FORM = "The form"  # what a page calls a form no field of which is named

ENGLISH = "en"

# the API's sentences: codes the pages never show, and codes whose page sentence speaks of a
# page or a form where a program sends a request (these come first)
API_CODES = {
    "not_found": N_("There is nothing at this address."),
    "client_key_reused": N_(
        "This Idempotency-Key was already sent with another request; send a new key for a new "
        "request."
    ),
    "login_required": N_("Log in, or send the user's name and password with the request."),
    "login_throttled": N_("Too many failed logins. Try again in %(seconds)s seconds."),
    "database_unavailable": N_(
        "The database cannot be reached at the moment; nothing was recorded. Try again in a few "
        "seconds."
    ),
    "input_refused": N_("The request holds a NUL character, which no text may hold."),
    "body_too_large": N_("The request body is larger than %(most)s MB."),
    "media_type": N_("The body is not of a type this address takes: send a JSON document."),
    "duplicate_key": N_("The key %(value)s appears twice in one object: send each key once."),
    "json_invalid": N_("The body is not a valid JSON document."),
    "json_at": N_("The body is not a valid JSON document (line %(line)s, column %(column)s)."),
    "screening_blocked": N_("Fund supervision refuses this claim (Decree No. 735)."),
    "screening_rules": N_(
        "Fund supervision refuses this claim (Decree No. 735): it breaks %(rules)s."
    ),
    "diagnosis_unknown": N_("The diagnosis %(value)s is not in the diagnosis catalog."),
    "unknown_type": N_(
        "This server has no such interaction; its capability statement lists what it offers."
    ),
    # FHIR's own problems of a resource (an OperationOutcome's issue)
    "resource_type": N_("The body is not a resource of the type this address takes."),
    "resource_required": N_("The body is empty: send a resource."),
    "required": N_("%(field)s is required."),
    "unknown_element": N_("%(field)s holds %(value)s, which is not an element of this resource."),
    "date_format": N_("%(field)s is not a valid date: give the day as year-month-day."),
    "bad_format": N_("%(field)s is not written in the right form."),
    "value": N_("%(field)s holds a value this server does not take."),
    "currency": N_("%(field)s: claims are settled in yuan (renminbi) only."),
    "quantity": N_("%(field)s: a catalog item is counted in whole units (1, 2, …)."),
    "net_mismatch": N_("%(field)s is not the unit price × the quantity × the factor."),
    "sequence_duplicate": N_("%(field)s: this sequence number is used by an earlier item."),
    "status_not_active": N_("%(field)s: only an active claim is settled."),
    "total_mismatch": N_("%(field)s is not the sum of the items' amounts."),
    "patient_mismatch": N_(
        "%(field)s names another patient than the identifier: a resource names one patient."
    ),
    "coverage_mismatch": N_("%(field)s is not the patient's coverage for the year of the claim."),
    "field_unknown": N_("The request has a field %(value)s, which it does not take."),
    "the_request": N_("The request"),
    "param_invalid": N_("The search parameter %(field)s is not valid."),
    "param_missing": N_("The search needs the patient (patient=Patient/<id>)."),
}

# a FHIRPath's element → its name (those of a form by :data:`FIELDS`)
FHIR_ELEMENTS = {
    "Claim": N_("Claim resource"),
    "CoverageEligibilityRequest": N_("Eligibility request"),
    "Patient": N_("Patient"),
    "Coverage": N_("Coverage"),
    "patient": N_("Patient"),
    "beneficiary": N_("Patient"),
    "identifier": N_("Identifier"),
    "reference": N_("Reference"),
    "system": N_("Code system"),
    "item": N_("Items"),
    "productOrService": N_("Item code"),
    "net": N_("Amount (yuan)"),
    "unitPrice": N_("Unit price"),
    "factor": N_("Factor"),
    "sequence": N_("Sequence number"),
    "billablePeriod": N_("Billing period"),
    "servicedPeriod": N_("Period of service"),
    "servicedDate": N_("Date of service"),
    "provider": N_("Institution"),
    "diagnosisCodeableConcept": N_("Diagnosis (ICD-10)"),
    "total": N_("Total"),
    "status": N_("Status of the resource"),
    "use": N_("Use"),
    "insurance": N_("Insurance"),
    "coverage": N_("Coverage"),
    "currency": N_("Currency"),
    "created": N_("Created"),
    "type": N_("Type"),
    "priority": N_("Priority"),
    "insurer": N_("Insurer"),
    "purpose": N_("Purpose"),
    "resourceType": N_("Resource type"),
    "_format": N_("Format"),
    "_id": N_("Identifier"),
    "id": N_("Identifier"),
}
_ROOTS = {"Claim", "CoverageEligibilityRequest", "Patient", "Coverage"}
_SKIPPED = {"value", "coding", "code", "valueQuantity"}  # parts that name nothing more
_FHIRPATH_PART = re.compile(r"([A-Za-z_][\w-]*)|\[(\d+)\]")
_LINE_COLUMN = re.compile(r"line (\d+), column (\d+)")
_NUMBER = re.compile(r"\b(\d+)\b")


def api_locale(scope: Mapping[str, Any]) -> str:
    """The language of an API or FHIR answer: the session's choice, else Accept-Language,
    else English (see the module's docstring)."""
    session = scope.get("session") if "session" in scope else None
    chosen = session.get("locale") if isinstance(session, Mapping) else None
    if chosen in LOCALES:
        return str(chosen)
    header = next((bytes(v).decode("latin-1") for k, v in scope.get("headers", ())
                   if k == b"accept-language"), None)  # fmt: skip
    return asked_locale(header) or ENGLISH


def fhir_name(expression: str | None, gettext: Gettext) -> str:
    """``Claim.item[1].productOrService`` → "Items, line 2: Item code" in the language (the
    resource's type only when the path names nothing inside it)."""
    names: list[str] = []
    parts = _FHIRPATH_PART.findall(expression or "")
    if len(parts) > 1 and parts[0][0] in _ROOTS:
        parts = parts[1:]
    for name, index in parts:
        if index:
            if names:
                names[-1] += " " + gettext("line %(n)s") % {"n": int(index) + 1}
        elif name in FHIR_ELEMENTS:
            names.append(gettext(FHIR_ELEMENTS[name]))
        elif name in FIELDS and name not in _SKIPPED:
            names.append(gettext(FIELDS[name]))
    return ": ".join(names) or gettext(N_("The resource"))


def sentence_of(code: str) -> str | None:
    """The catalog's sentence (message id) for an error code, if it has one."""
    return API_CODES.get(code) or CODES.get(code) or REVIEW_ERRORS.get(code)


def api_text(
    status: int,
    code: str,
    message: str,
    field: str | None,
    locale: str,
    *,
    role: str | None = None,
    fhir: bool = False,
    exc: Exception | None = None,
) -> str:
    """The message of an error in ``locale`` (English: ``message`` as it is); ``exc`` the
    error, when it carries more (a screening refusal's rules, by their Chinese names)."""
    if locale == ENGLISH:
        return message
    gettext = translations(locale).gettext
    hits = getattr(exc, "hits", None)
    if code == "screening_blocked" and hits:
        names = "；".join(h.name_zh for h in hits) if locale.startswith("zh") else ""
        names = names or "; ".join(h.name_en for h in hits)
        return gettext(API_CODES["screening_rules"]) % {"rules": names}
    if code in VALIDATION_CODES and not fhir:
        lines = _LINE_COLUMN.search(message)
        if message.startswith("the body is not valid JSON"):  # the body does not parse
            sentence = API_CODES["json_at"] if lines else API_CODES["json_invalid"]
            line, column = lines.groups() if lines else ("", "")
            return gettext(sentence) % {"line": line, "column": column}
        return "; ".join(
            _problem(part, field if i == 0 else None, gettext)
            for i, part in enumerate(message.split("; "))
        )
    if code == "forbidden" and role not in labels.ROLE:
        return gettext(TITLES[403])
    if code == "param_invalid" and fhir and "patient=" in message:
        code = "param_missing"
    if code == "input_refused" and status == 413:
        code = "body_too_large"
    sentence = sentence_of(code)
    if sentence is None:
        return gettext(TITLES.get(status, TITLES[422]))
    name = fhir_name(field, gettext) if fhir else None
    if code == "param_invalid":
        param = re.search(r"parameter (\S+):", message)
        name = fhir_name(param.group(1) if param else None, gettext)
    if code == "unknown_element" and field:
        # the element the resource does not have, as the client wrote it; named: its parent
        parent, _, element = field.rpartition(".")
        return gettext(sentence) % {"field": fhir_name(parent, gettext), "value": element}
    if name is None:
        return _filled(gettext, code, sentence, message, field, role)
    return _filled(gettext, code, sentence, message, field, role, name)


def _problem(part: str, field: str | None, gettext: Gettext) -> str:
    """One problem of a request's validation (``where: what``) as a sentence: a field the
    request may not have is quoted as the client wrote it, a request no field of which is
    named is "the request" (a page says "the form")."""
    where, _, what = part.partition(": ")
    if "extra inputs are not permitted" in what.lower():
        return gettext(API_CODES["field_unknown"]) % {"value": where.rpartition(".")[2]}
    return validation_text(part, field, _of_a_request(gettext))


def _of_a_request(gettext: Gettext) -> Gettext:
    """``gettext`` that calls a form no field of which is named "the request"."""

    def words(text: str) -> str:
        return gettext(API_CODES["the_request"] if text == FORM else text)

    return words


def _filled(gettext: Gettext, code: str, sentence: str, message: str, field: str | None,
            role: str | None, name: str | None = None) -> str:  # fmt: skip
    """``sentence`` translated with its placeholders: the field's name, the role, what the
    client sent (quoted in the message), the details of :data:`DETAILS`, a number."""
    if name is None:
        name = field_name(field, _of_a_request(gettext))
    typed = re.search(r"'([^']*)'", message) or re.search(r"\b(\d{4,})\b", message)
    details = {key: (next((g for g in m.groups() if g), "") if (m := rx.search(message)) else "")
               for key, rx in DETAILS.items()}  # fmt: skip
    number = _NUMBER.search(message)
    return gettext(sentence) % {
        "role": gettext(labels.ROLE[role]) if role in labels.ROLE else "",
        "field": name,
        "value": typed.group(1) if typed else "",
        **details,
        "most": details["most"] or (number.group(1) if number else ""),
        "seconds": number.group(1) if number else "",
    }
