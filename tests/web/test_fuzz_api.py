"""Schemathesis generates requests from the OpenAPI description (valid and invalid ones) and
sends them to the real app, authenticated: no request may end in a 5xx."""

from __future__ import annotations

import base64

from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from safetynet.synth.demo import DEMO_PASSWORD

AUTH = {"authorization": "Basic " + base64.b64encode(f"bureau:{DEMO_PASSWORD}".encode()).decode()}
EXAMPLES = 20  # per operation and generation mode


def test_no_request_ends_in_a_server_error(app) -> None:  # type: ignore[no-untyped-def]
    schema = openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15  # the API and FHIR routes are all described
    sent: list[int] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def run(case) -> None:  # type: ignore[no-untyped-def]
                response = case.call_and_validate(headers=AUTH, checks=[not_a_server_error])
                sent.append(response.status_code)

            try:
                run()
            except Unsatisfiable:
                # nothing to make invalid (no parameters, no body): negative mode has no case
                assert mode == GenerationMode.NEGATIVE
    assert len(sent) > 10 * len(operations)
    assert any(400 <= s < 500 for s in sent) and any(s < 300 for s in sent)
