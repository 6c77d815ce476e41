"""Tokens, sessions, throttling, signatures and files over HTTP."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, PROGRAM, email


def test_tokens_are_shown_once_listed_and_revoked(api) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    created = mina.post("/api/v1/tokens", json={"name": "LIMS export"})
    assert created.status_code == 201
    plain = created.json()["token"]
    assert plain.startswith("ocm_")
    listed = mina.get("/api/v1/tokens").json()
    assert {t["name"] for t in listed} == {"tests", "LIMS export"}
    assert all("token" not in t for t in listed)  # never shown again
    other = {"authorization": f"Bearer {plain}"}
    assert mina.client.get("/api/v1/me", headers=other).json()["email"] == email("a.sci")
    revoked = mina.delete(f"/api/v1/tokens/{created.json()['id']}")
    assert revoked.json()["revoked_at"] is not None
    refused = mina.client.get("/api/v1/me", headers=other)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["message"]


def test_unauthenticated_and_bogus_tokens(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    response = client.get("/api/v1/programs")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    bogus = client.get("/api/v1/programs", headers={"authorization": "Bearer ocm_nope"})
    assert bogus.status_code == 401


def test_login_throttling(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    page = client.get("/login").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"email": email("a.qa"), "password": "wrong password", "csrf_token": csrf}
    for _ in range(3):  # the test settings allow 3 failures
        assert client.post("/login", data=form).status_code == 401
    blocked = client.post("/login", data={**form, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "too many failed logins" in blocked.text


def test_cookie_session_needs_csrf_for_api_changes(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    assert client.get("/api/v1/me").status_code == 200
    refused = client.post("/api/v1/programs", json=PROGRAM)
    assert refused.status_code == 403
    accepted = client.post("/api/v1/programs", json=PROGRAM, headers={"x-csrf-token": csrf})
    assert accepted.status_code == 201


def test_bearer_calls_carry_no_session_and_browsers_keep_theirs(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    token_call = api("a.sci").get("/api/v1/programs")
    assert token_call.status_code == 200
    assert "set-cookie" not in token_call.headers  # nothing to load or sign for a token
    client, _csrf = browser_session("a.sci")
    assert client.get("/api/v1/programs").status_code == 200  # the cookie session works
    assert client.get("/programs").status_code == 200


def test_signature_lifecycle(api) -> None:  # type: ignore[no-untyped-def]
    mina, sora = api("a.sci"), api("a.qa")
    program = mina.post("/api/v1/programs", json=PROGRAM).json()
    url = f"/api/v1/programs/{program['id']}"
    wrong = sora.post(f"{url}/signatures", json={"meaning": "approved", "password": "nope"})
    assert wrong.status_code == 401
    not_allowed = mina.post(f"{url}/signatures", json={"meaning": "approved", "password": PASSWORD})
    assert not_allowed.status_code == 403
    signed = sora.post(f"{url}/signatures", json={"meaning": "approved", "password": PASSWORD})
    assert signed.status_code == 201, signed.text
    assert signed.json()["valid"] is True
    assert mina.get(f"{url}/signatures").json()[0]["valid"] is True
    mina.patch(url, json={"version": 1, "reason": "after signing", "description": "changed"})
    (after,) = mina.get(f"{url}/signatures").json()
    assert after["valid"] is False
    assert after["meaning"] == "approved"
    assert after["user_name"] == "A Qa"
    actions = [e["action"] for e in mina.get(f"{url}/audit").json()]
    assert actions == ["create", "sign:approved", "update"]


def test_attachments_are_content_addressed(api) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    program = mina.post("/api/v1/programs", json=PROGRAM).json()
    url = f"/api/v1/programs/{program['id']}/attachments"
    pdf = b"%PDF-1.4\n% a minimal test document\n"
    uploaded = mina.post(url, files={"file": ("coa.pdf", io.BytesIO(pdf), "text/plain")})
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["media_type"] == "application/pdf"  # sniffed, not what the client claimed
    import hashlib

    assert body["sha256"] == hashlib.sha256(pdf).hexdigest()
    downloaded = mina.get(f"{url}/{body['id']}")
    assert downloaded.content == pdf
    binary = mina.post(url, files={"file": ("x.bin", io.BytesIO(b"\x00\x01\x02" * 10))})
    assert binary.status_code == 422
    too_big = mina.post(url, files={"file": ("big.csv", io.BytesIO(b"a," * 200_000))})
    assert too_big.status_code in (413, 422)
    assert len(mina.get(url).json()) == 1
