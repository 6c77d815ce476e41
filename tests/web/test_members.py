"""Managing members: admins add, change roles and revoke; access ends at once; all audited."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, email

NEW = {"email": "newhire@example.org", "full_name": "New Hire", "role": "scientist",
       "password": "first passphrase 1"}  # fmt: skip


def test_admin_adds_changes_and_revokes(api, app) -> None:  # type: ignore[no-untyped-def]
    admin = api("a.admin")
    added = admin.post("/api/v1/members", json=NEW)
    assert added.status_code == 201, added.text
    user_id = added.json()["user_id"]
    again = admin.post("/api/v1/members", json=NEW)
    assert again.status_code == 409
    changed = admin.patch(
        f"/api/v1/members/{user_id}", json={"role": "qa", "reason": "moved to QA"}
    )
    assert changed.json()["role"] == "qa"
    # the new member signs in and works until access is revoked
    newcomer = TestClient(app)
    page = newcomer.get("/login").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    login = {"email": NEW["email"], "password": NEW["password"], "csrf_token": csrf}
    assert newcomer.post("/login", data=login, follow_redirects=False).status_code == 303
    assert newcomer.get("/api/v1/me").json()["role"] == "qa"
    revoked = admin.post(f"/api/v1/members/{user_id}/revoke", json={"reason": "left the company"})
    assert revoked.json()["active"] is False
    assert newcomer.get("/api/v1/me").status_code == 401
    listed = {m["email"]: m for m in admin.get("/api/v1/members").json()}
    assert listed[NEW["email"]]["revoked_at"] is not None
    actions = [e["action"] for e in admin.get("/api/v1/audit?entity_type=user").json()]
    assert actions[:3] == ["revoke_member", "change_role", "create"]


def test_rules_for_members(api) -> None:  # type: ignore[no-untyped-def]
    admin, scientist = api("a.admin"), api("a.sci")
    assert scientist.post("/api/v1/members", json=NEW).status_code == 403
    me = admin.get("/api/v1/me").json()["user_id"]
    own = admin.post(f"/api/v1/members/{me}/revoke", json={"reason": "r"})
    assert own.status_code == 409
    last_admin = admin.patch(f"/api/v1/members/{me}", json={"role": "viewer", "reason": "r"})
    assert last_admin.status_code == 409
    assert "at least one admin" in last_admin.json()["message"]
    weak = admin.post("/api/v1/members", json={**NEW, "password": "short"})
    assert weak.status_code == 422
    assert "at least 10 characters" in weak.json()["message"]


def test_password_change(api, app) -> None:  # type: ignore[no-untyped-def]
    viewer = api("a.view")
    url = "/api/v1/me/password"
    wrong = viewer.post(url, json={"current_password": "nope", "new_password": "another phrase"})
    assert wrong.status_code == 401
    done = viewer.post(url, json={"current_password": PASSWORD, "new_password": "another phrase"})
    assert done.status_code == 204
    client = TestClient(app)
    page = client.get("/login").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    old = {"email": email("a.view"), "password": PASSWORD, "csrf_token": csrf}
    assert client.post("/login", data=old).status_code == 401
    new = {**old, "password": "another phrase"}
    assert client.post("/login", data=new, follow_redirects=False).status_code == 303
