"""The programs API end to end, and bad input: a clear 4xx and nothing written."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from opencmc.platform.models import AuditEvent, Program
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PROGRAM


def _counts(factory) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, None, system=True) as uow:
        programs = uow.session.scalar(select(func.count()).select_from(Program))
        events = uow.session.scalar(select(func.count()).select_from(AuditEvent))
        return programs or 0, events or 0


def test_create_read_edit_archive(api) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    created = mina.post("/api/v1/programs", json=PROGRAM)
    assert created.status_code == 201, created.text
    program = created.json()
    assert program["version"] == 1
    url = f"/api/v1/programs/{program['id']}"
    assert mina.get(url).json()["name"] == PROGRAM["name"]
    edited = mina.patch(url, json={"version": 1, "reason": "scope", "description": "new"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2
    stale = mina.patch(url, json={"version": 1, "reason": "late", "name": "x"})
    assert stale.status_code == 409
    assert "version 1" in stale.json()["message"]
    listing = mina.get("/api/v1/programs").json()
    assert listing["total"] == 1
    archived = mina.post(f"{url}/archive", json={"version": 2, "reason": "stopped"})
    assert archived.json()["archived_at"] is not None
    trail = mina.get(f"{url}/audit").json()
    assert [e["action"] for e in trail] == ["create", "update", "archive"]
    assert trail[1]["reason"] == "scope"


def test_candidates_over_the_api(api) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    program = mina.post("/api/v1/programs", json=PROGRAM).json()
    response = mina.post(
        f"/api/v1/programs/{program['id']}/candidates",
        json={"name": "Lead A", "heavy_chain": "EVQLVESGG", "light_chain": "DIQMTQSP"},
    )
    assert response.status_code == 201, response.text
    candidate = response.json()
    assert candidate["definition_kind"] == "antibody_chains"
    bad = mina.post(
        f"/api/v1/programs/{program['id']}/candidates",
        json={"name": "Lead B", "heavy_chain": "EVQLVESGG1"},
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "heavy_chain"
    assert "position 10" in bad.json()["message"]
    listed = mina.get(f"/api/v1/programs/{program['id']}/candidates").json()
    assert [c["name"] for c in listed] == ["Lead A"]


BAD_BODIES = [
    ("malformed JSON", b'{"name": "x", ', 400, "malformed JSON"),
    ("unknown field", {**PROGRAM, "colour": "red"}, 422, "colour: unknown field"),
    ("wrong type", {**PROGRAM, "name": 42}, 422, "name"),
    ("unknown modality", {**PROGRAM, "modality": "antibody"}, 422, "modality: expected one of"),
    ("missing field", {k: v for k, v in PROGRAM.items() if k != "modality"}, 422, "modality"),
    ("over the size limit", {**PROGRAM, "description": "x" * 70_000}, 413, "larger than"),
]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [case[1:] for case in BAD_BODIES],
    ids=[case[0] for case in BAD_BODIES],
)
def test_bad_input_is_refused_and_writes_nothing(api, factory, body, status, message) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    before = _counts(factory)
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = mina.post(
        "/api/v1/programs", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert message in response.json()["message"]
    assert _counts(factory) == before


def test_stale_version_writes_nothing(api, factory) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    program = mina.post("/api/v1/programs", json=PROGRAM).json()
    url = f"/api/v1/programs/{program['id']}"
    mina.patch(url, json={"version": 1, "reason": "r1", "name": "v2"})
    before = _counts(factory)
    response = mina.patch(url, json={"version": 1, "reason": "r2", "name": "lost update"})
    assert response.status_code == 409
    assert response.json()["field"] == "version"
    assert _counts(factory) == before
    assert mina.get(url).json()["name"] == "v2"


def test_edit_with_wrong_types_and_no_reason(api) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    program = mina.post("/api/v1/programs", json=PROGRAM).json()
    url = f"/api/v1/programs/{program['id']}"
    assert mina.patch(url, json={"version": "1", "reason": "r", "name": "n"}).status_code == 422
    no_reason = mina.patch(url, json={"version": 1, "name": "n"})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["message"]


def test_roles_are_enforced(api) -> None:  # type: ignore[no-untyped-def]
    response = api("a.view").post("/api/v1/programs", json=PROGRAM)
    assert response.status_code == 403
    assert "viewer" in response.json()["message"]
