"""The conformance checks themselves refuse what issue 22 found: an empty array, an element
R4 does not have, a required element missing, a wrong value type, a status code FHIR does
not define (so a passing conformance suite means something)."""

from __future__ import annotations

from typing import Any

import pytest
from fhirclient.models.fhirabstractbase import FHIRValidationError

from tests.web.fhir_conformance import check_resource

GOOD: dict[str, Any] = {
    "resourceType": "Bundle",
    "type": "searchset",
    "total": 0,
    "link": [{"relation": "self", "url": "http://x/fhir/Coverage?patient=Patient%2F9"}],
}


def test_a_good_bundle_passes() -> None:
    check_resource(GOOD)


@pytest.mark.parametrize(
    "bad",
    [
        {**GOOD, "entry": []},  # empty array: invalid FHIR JSON
        {**GOOD, "entries": [{}]},  # no such element
        {**GOOD, "total": "0"},  # wrong type
        {**GOOD, "type": "list"},  # not a Bundle type
        {"resourceType": "ClaimResponse", "status": "active"},  # patient, insurer, type missing
        {"resourceType": "OperationOutcome", "issue": [{"severity": "error"}]},  # code missing
    ],
)
def test_the_checks_refuse_invalid_resources(bad: dict[str, Any]) -> None:
    with pytest.raises((AssertionError, FHIRValidationError)):  # the schema's, fhirclient's
        check_resource(bad)
