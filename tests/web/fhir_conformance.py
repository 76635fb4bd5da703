"""What every answer of the FHIR interface must be, checked with third-party tooling: the
official R4 JSON schema (``fhir_schema/``, validated with ``jsonschema``), ``fhirclient``'s
strict R4 models, and FHIR's JSON rules the schema leaves out (no empty arrays or objects).

:func:`checking_hook` is a ``requests`` response hook: given to ``fhirpy``'s client (and to
plain ``requests`` calls), it checks every response the tests receive.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import requests
from fhirclient.models.fhirelementfactory import FHIRElementFactory
from jsonschema import Draft6Validator

SCHEMA = Path(__file__).parent / "fhir_schema" / "fhir.schema.json"


@cache
def _schema() -> dict[str, Any]:
    """The R4 schema as published for 4.0.0, with 4.0.1 among its FHIR versions: the one
    change R4's technical correction 4.0.1 made to the schema's definitions (see the README
    beside the file)."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for kind in ("CapabilityStatement", "ImplementationGuide", "StructureDefinition"):
        element = schema["definitions"][kind]["properties"]["fhirVersion"]
        versions = element.get("items", element)["enum"]
        assert "4.0.0" in versions
        if "4.0.1" not in versions:
            versions.append("4.0.1")
    return schema


@cache
def _validator(resource_type: str) -> Draft6Validator:
    schema = {k: v for k, v in _schema().items() if k not in ("oneOf", "discriminator")}
    assert resource_type in schema["definitions"], f"{resource_type} is not an R4 resource"
    return Draft6Validator({**schema, "$ref": f"#/definitions/{resource_type}"})


def empty_parts(value: Any, path: str = "$") -> list[str]:
    """Where a JSON value holds an empty array, object or string (invalid FHIR JSON)."""
    if isinstance(value, dict):
        found = [] if value else [path]
        for k, v in value.items():
            found += empty_parts(v, f"{path}.{k}")
        return found
    if isinstance(value, list):
        found = [] if value else [path]
        for i, v in enumerate(value):
            found += empty_parts(v, f"{path}[{i}]")
        return found
    return [path] if value == "" or value is None else []


def check_resource(resource: Any) -> None:
    """The resource validates against the R4 schema and fhirclient's strict R4 models."""
    assert isinstance(resource, dict) and "resourceType" in resource, resource
    errors = sorted(_validator(resource["resourceType"]).iter_errors(resource), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    assert not empty_parts(resource), empty_parts(resource)
    FHIRElementFactory.instantiate(resource["resourceType"], resource)  # strict: raises


def check_response(response: requests.Response) -> None:
    """A FHIR answer: ``application/fhir+json`` and a valid R4 resource (errors too)."""
    assert response.headers["content-type"].startswith("application/fhir+json"), (
        response.status_code,
        response.headers.get("content-type"),
        response.text[:200],
    )
    body = response.json()
    check_resource(body)
    if response.status_code >= 400:
        assert body["resourceType"] == "OperationOutcome", body


checked: list[requests.Response] = []


def checking_hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    check_response(response)
    checked.append(response)
    return response
