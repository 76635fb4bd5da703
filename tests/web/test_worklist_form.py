"""The worklist's two form routes — the page's ``/worklist/{id}/record`` and the phone's
``/worklist/{id}/send`` — take one form model (``ServiceFields``; the page's
``ServiceForm`` only makes the kind and the day required), so each field's bound is defined
once: a value one character over it is refused by both (422 naming the field: the page in
the user's language, the queue as JSON), nothing written; at the bound, neither refuses it
for its length. On both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from safetynet.web.bounds import QUERY_LENGTH, SHORT_NOTE_LENGTH
from safetynet.web.messages import FIELDS
from safetynet.web.routes import worklist
from safetynet.web.routes.worklist import ServiceFields, ServiceForm
from tests.web.conftest import doctors_form, follow_ups

Login = Callable[..., TestClient]
BOUNDS = {"kind": QUERY_LENGTH, "done_on": QUERY_LENGTH, "systolic": QUERY_LENGTH,
          "diastolic": QUERY_LENGTH, "glucose": QUERY_LENGTH, "drugs": SHORT_NOTE_LENGTH,
          "next_on": QUERY_LENGTH, "idempotency_key": QUERY_LENGTH}  # fmt: skip


def _max_length(info: Any) -> int | None:
    return next((m.max_length for m in info.metadata if hasattr(m, "max_length")), None)


def test_both_routes_take_the_one_form_model() -> None:
    models = {}
    for route in worklist.router.routes:
        path = getattr(route, "path", "")
        if path.endswith(("/record", "/send")):
            (model,) = [p.field_info.annotation for p in route.dependant.body_params  # type: ignore[attr-defined]
                        if p.name == "form"]  # fmt: skip
            models[path.rsplit("/", 1)[1]] = model
    assert models == {"record": ServiceForm, "send": ServiceFields}
    assert issubclass(ServiceForm, ServiceFields)
    for name, bound in BOUNDS.items():
        assert _max_length(ServiceFields.model_fields[name]) == bound, name
        assert _max_length(ServiceForm.model_fields[name]) == bound, name
    assert set(ServiceFields.model_fields) == set(BOUNDS)
    # the page's form needs a kind and a day; the phone's queue answers their absence itself
    required = {n for n, f in ServiceForm.model_fields.items() if f.is_required()}
    assert required == {"kind", "done_on"}
    assert not any(f.is_required() for f in ServiceFields.model_fields.values())


def test_both_routes_refuse_the_same_value_over_a_bound(web_engine: Engine, login: Login) -> None:
    client, contract, form = doctors_form(web_engine, login)
    before = follow_ups(web_engine)
    for name, bound in BOUNDS.items():
        over = {**form, "idempotency_key": "bound-key-0001", name: "7" * (bound + 1)}
        page = client.post(f"/worklist/{contract.id}/record", data=over)
        assert page.status_code == 422, (name, page.status_code)
        assert f"{FIELDS[name]} is too long" in page.text, name
        sent = client.post(f"/worklist/{contract.id}/send", data=over)
        assert sent.status_code == 422, (name, sent.text)
        assert (sent.json()["error"]["code"], sent.json()["error"]["field"]) == ("invalid", name)
        assert f"{FIELDS[name]} is too long" in sent.json()["error"]["message"]
    assert follow_ups(web_engine) == before
    for name, bound in BOUNDS.items():  # at the bound: refused for what it says, if at all
        at = {**form, "idempotency_key": "bound-key-0002", name: "7" * bound}
        page = client.post(f"/worklist/{contract.id}/record", data=at)
        assert "is too long" not in page.text, name
        sent = client.post(f"/worklist/{contract.id}/send", data=at)
        assert sent.status_code != 422 or sent.json()["error"]["field"] != name or (
            sent.json()["error"]["code"] != "invalid"
        ), (name, sent.text)  # fmt: skip
