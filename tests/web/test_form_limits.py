"""A form the web framework cannot read — more fields than it takes (a thousand), more files,
a field or file too large, a body that is no form — is the app's own error in the user's
language: the error page (HTML routes) or JSON with the code (``/api``), never the
framework's English sentence. Checked in Chinese mode on a page, the window and the API,
on both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from safetynet.store.db import session_scope
from safetynet.store.models import Region
from safetynet.synth.demo import DEMO_PASSWORD, ensure_demo_users
from safetynet.web.app import create_app
from tests.conftest import fresh_engine
from tests.web.conftest import basic_auth, csrf_of

COUNTY = "341821"
ENGLISH = re.compile(r"Too many|Maximum|exceeded|multipart|boundary|parsing the body", re.I)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def form_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[object]:
    engine: Engine = fresh_engine(request, tmp_path_factory, "forms")
    with session_scope(engine) as s:
        s.add(Region(code=COUNTY, name="县", level="county", parent_code=None))
    ensure_demo_users(engine, COUNTY)
    yield create_app(engine, secret_key="test-secret-key")
    engine.dispose()


def _client(app: object, locale: str) -> tuple[TestClient, str]:
    client = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    page = client.get("/login")
    done = client.post("/login", data={"username": "bureau", "password": DEMO_PASSWORD,
                                       "csrf_token": csrf_of(page.text), "next": "/"})  # fmt: skip
    assert done.status_code == 303, done.text
    client.get(f"/locale/{locale}")
    return client, csrf_of(client.get("/funds/payments").text)


def _visible(html: str) -> str:
    """The page's text a person reads (no markup, scripts or styles)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _hostile(csrf: str) -> dict[str, dict[str, object]]:
    many = [(f"f{i}", "x") for i in range(1_001)]
    return {
        "fields": {"content": urlencode([("csrf_token", csrf), *many]).encode(),
                   "headers": {"content-type": "application/x-www-form-urlencoded"}},
        "multipart fields": {"files": [("csrf_token", (None, csrf))]
                             + [(k, (None, v)) for k, v in many]},
        "files": {"files": [("csrf_token", (None, csrf))]
                  + [(f"u{i}", (f"a{i}.txt", b"x")) for i in range(1_001)]},
        "part": {"files": [("csrf_token", (None, csrf)), ("note", (None, "x" * 1_100_000))]},
        "unreadable": {"content": b"--x\r\nnonsense", "headers": {
            "content-type": "multipart/form-data; boundary=zzz"}},
    }  # fmt: skip


CODES = {"fields": "form_too_many_fields", "multipart fields": "form_too_many_fields",
         "files": "form_too_many_files", "part": "form_part_too_large",
         "unreadable": "form_unreadable"}  # fmt: skip


@pytest.mark.parametrize("kind", list(CODES))
def test_a_form_too_big_is_the_apps_page_in_chinese(form_app: object, kind: str) -> None:
    client, csrf = _client(form_app, "zh_Hans")
    # the window takes more fields (a claim's item rows; beyond, its own 422): its other limits
    window = [] if "fields" in kind else ["/window/settle"]
    for url in ["/funds/payments", *window]:
        answer = client.post(url, **_hostile(csrf)[kind])  # type: ignore[arg-type]
        assert answer.status_code == 400, (url, answer.status_code, answer.text[:300])
        assert answer.headers["content-type"].startswith("text/html"), answer.headers
        text = _visible(answer.text)
        assert not ENGLISH.search(text), (url, kind, text[:500])
        assert "表单" in text, text[:500]
    english, csrf = _client(form_app, "en")
    shown = _visible(english.post("/funds/payments", **_hostile(csrf)[kind]).text)  # type: ignore[arg-type]
    assert "form" in shown and "nothing was recorded" in shown


@pytest.mark.parametrize("kind", list(CODES))
def test_a_form_too_big_sent_by_a_script_is_json_in_chinese(form_app: object, kind: str) -> None:
    """The phone's queue posts a form and reads JSON: the code, the sentence in Chinese."""
    client, csrf = _client(form_app, "zh_Hans")
    answer = client.post("/worklist/1/send", **_hostile(csrf)[kind])  # type: ignore[arg-type]
    assert answer.status_code == 400, answer.text[:300]
    error = answer.json()["error"]
    assert error["code"] == CODES[kind], error
    assert "表单" in error["message"] and not ENGLISH.search(error["message"]), error
    # the API takes JSON only: a form, however big, is refused unread as another media type
    # (415 ``media_type``), in JSON with the code (its own sentences are English)
    api = TestClient(form_app, headers=basic_auth("bureau"))  # type: ignore[arg-type]
    answer = api.post("/api/claims", **_hostile(csrf)[kind])  # type: ignore[arg-type]
    assert answer.status_code == 415, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]["code"] == "media_type"
