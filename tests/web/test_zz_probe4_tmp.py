from fastapi.testclient import TestClient
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import csrf_of
USERS = ["admin", "bureau", "clerk", "reviewer", "office", "analyst", "auditor", "doctor"]
POSTS = ["/funds/payments/1/approve", "/funds/payments/1/release", "/funds/payments", "/review/callbacks",
 "/review/cases/1/lines/1", "/review/cases/1/finish", "/review/cases/1/bogus", "/review/open", "/review/sanctions/1/recover",
 "/review/sanctions", "/review/spot-checks/1/book", "/review/spot-checks/1/findings/1", "/review/spot-checks",
 "/review/suspensions", "/settlements/1/refund", "/warnings/rounds/1/approve", "/warnings/rounds/1/cancel",
 "/warnings/rounds/1/pay", "/warnings/rounds", "/warnings/1/step", "/window/preview", "/window/settle",
 "/worklist/1/record", "/worklist/1/send", "/design", "/logout", "/review/cases/4294967296/finish",
 "/settlements/99999999999/refund", "/worklist/99999999999/record"]
HOSTILE = {"year": "99999999999", "month": "13", "on": "9999-99-99", "amount": "1e999", "budget": "-1",
 "reason": "r" * 1000, "note": "n" * 1000, "claim_no": "%", "paid": "nan", "article": "99999999999", "months": "99999999999",
 "loss": "inf", "multiple": "1e999", "finding": "f", "resident_id": "%", "institution": "%", "found": "nan", "size": "99999999999",
 "seed": "99999999999999999999", "limit": "99999999999", "decision": "approved", "version": "99999999999999", "step": "visit_confirmed",
 "kind": "follow_up", "done_on": "2017-01-01", "start": "0001-01-01", "sample": "99999999999", "rate": "nan"}

def mk(app, u):
    c = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    page = c.get("/login")
    c.post("/login", data={"username": u, "password": DEMO_PASSWORD, "csrf_token": csrf_of(page.text), "next": "/"})
    c.get("/locale/en")
    return c

def test_probe4(app):
    bad = []
    for u in USERS:
        c = mk(app, u)
        import re
        tok = ""
        for pg in ("/", "/window", "/review", "/warnings", "/worklist", "/design", "/funds/payments", "/persons", "/review/sanctions"):
            m = re.search(r'name="csrf_token" value="([^"]+)"', c.get(pg).text)
            if m: tok = m.group(1); break
        print("TOK", u, bool(tok))
        for url in POSTS:
            if url == "/logout": continue
            for data in ({"csrf_token": tok}, {"csrf_token": tok, **HOSTILE}):
                r = c.post(url, data=data)
                if r.status_code >= 500:
                    bad.append((u, url, len(data), r.status_code))
    for b in bad: print("BAD", b)
    assert not bad
