"""Who sees what in a deal, over the REST API: a provider sees only the requests addressed
to it, only the shared records of its own orders and loses them when the order closes;
one provider never sees another's quote; a third sponsor sees nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from opencmc.platform import accounts
from opencmc.platform.market import catalogue, qualification
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PASSWORD, actor_of
from tests.market.world import LINES, OFFERING, World, build


@pytest.fixture
def world(factory) -> World:  # type: ignore[no-untyped-def]
    return build(factory)


@pytest.fixture
def second_provider(factory, world):  # type: ignore[no-untyped-def]
    """Delta Labs: another qualified provider with the same kind of offering."""
    with UnitOfWork(factory, None, system=True) as uow:
        org = accounts.create_organisation(uow, "Delta Labs", "provider")
        accounts.create_user(
            uow,
            email="d.sci@example.org",
            full_name="D Sci",
            password=PASSWORD,
            organisation=org,
            role="scientist",
        )
        uow.commit()
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        qualification.qualify(
            uow,
            org.id,
            qualified_until=date.today() + timedelta(days=200),
            audit_outcome="remote audit passed",
            reason="certificates checked",
        )
        uow.commit()
    with UnitOfWork(factory, actor_of(factory, "d.sci")) as uow:
        offering = catalogue.create_offering(uow, OFFERING)
        catalogue.publish_offering(uow, offering.id)
        uow.commit()
    return offering.id


def _quote_body() -> dict:  # type: ignore[type-arg]
    return {
        "line_items": LINES,
        "lead_time_weeks": 12,
        "valid_until": (date.today() + timedelta(days=20)).isoformat(),
    }


def test_deal_visibility_end_to_end(api, world, second_provider) -> None:  # type: ignore[no-untyped-def]
    mina, joon, dana, beta = api("a.sci"), api("p.sci"), api("d.sci"), api("b.sci")
    sent = mina.post(
        "/api/v1/market/requests",
        json={
            "program_id": world.program_id,
            "title": "DS stability",
            "scope": "secret scope: 3 DS batches",
            "category": "stability_study",
            "recipients": [{"offering_id": world.offering_id}, {"offering_id": second_provider}],
        },
    )
    assert sent.status_code == 201, sent.text
    request = sent.json()
    by_provider = {r["provider"]: r["id"] for r in request["recipients"]}
    joon_item, dana_item = by_provider["Gamma CDMO"], by_provider["Delta Labs"]

    # each provider sees only its own addressed copy, and only a summary before the terms
    assert [r["id"] for r in joon.get("/api/v1/market/inbox").json()] == [joon_item]
    assert joon.get(f"/api/v1/market/inbox/{dana_item}").status_code == 404
    before = joon.get(f"/api/v1/market/inbox/{joon_item}").json()
    assert "request" not in before and "secret scope" not in str(before)
    assert joon.get(f"/api/v1/market/requests/{request['id']}").status_code == 404
    assert beta.get(f"/api/v1/market/requests/{request['id']}").status_code == 404
    assert beta.get("/api/v1/market/inbox").json() == []

    for client, item in ((joon, joon_item), (dana, dana_item)):
        assert client.post(f"/api/v1/market/inbox/{item}/acknowledge").status_code == 200
        quoted = client.post(f"/api/v1/market/inbox/{item}/quotes", json=_quote_body())
        assert quoted.status_code == 201, quoted.text
    after = joon.get(f"/api/v1/market/inbox/{joon_item}").json()
    assert after["request"]["scope"] == "secret scope: 3 DS batches"
    # one provider never sees another's quote; the sponsor sees both
    assert len(after["request"]["quotes"]) == 1
    quotes = mina.get(f"/api/v1/market/requests/{request['id']}").json()["quotes"]
    assert len(quotes) == 2
    dana_quote = next(q for q in quotes if q["recipient_id"] == dana_item)
    joon_quote = next(q for q in quotes if q["recipient_id"] == joon_item)
    assert joon.get(f"/api/v1/market/quotes/{dana_quote['id']}").status_code == 404

    accepted = mina.post(
        f"/api/v1/market/quotes/{joon_quote['id']}/accept",
        json={
            "share": [{"kind": "stability-studies", "id": world.study_id}]
            + [{"kind": "batches", "id": b} for b in world.batch_ids],
            "voucher_id": world.voucher_id,
        },
    )
    assert accepted.status_code == 201, accepted.text
    order = accepted.json()
    assert order["voucher_amount"] == order["total"] // 2
    # the chosen records open to the chosen provider, and nothing else does
    assert joon.get(f"/api/v1/stability-studies/{world.study_id}").status_code == 200
    assert joon.get(f"/api/v1/batches/{world.batch_ids[0]}").status_code == 200
    assert joon.get(f"/api/v1/programs/{world.program_id}").status_code == 404
    assert dana.get(f"/api/v1/stability-studies/{world.study_id}").status_code == 404
    assert dana.get(f"/api/v1/market/orders/{order['id']}").status_code == 404
    assert beta.get(f"/api/v1/market/orders/{order['id']}").status_code == 404
    assert dana.get(f"/api/v1/market/inbox/{dana_item}").json()["status"] == "not_selected"

    # the provider completes the order; the sponsor closes it; access ends
    for milestone in joon.get(f"/api/v1/market/orders/{order['id']}").json()["milestones"]:
        done = joon.post(f"/api/v1/market/milestones/{milestone['id']}/complete", json={})
        assert done.status_code == 200, done.text
    closed = mina.post(f"/api/v1/market/orders/{order['id']}/close", json={"reason": "done"})
    assert closed.status_code == 200, closed.text
    assert all(not s["live"] for s in closed.json()["shares"])
    assert joon.get(f"/api/v1/stability-studies/{world.study_id}").status_code == 404
    assert joon.get(f"/api/v1/market/orders/{order['id']}").json()["status"] == "closed"


def test_illegal_calls_are_clear_errors(api, world) -> None:  # type: ignore[no-untyped-def]
    mina, joon = api("a.sci"), api("p.sci")
    request = mina.post(
        "/api/v1/market/requests",
        json={
            "program_id": world.program_id,
            "title": "DS stability",
            "scope": "scope",
            "category": "stability_study",
            "recipients": [{"offering_id": world.offering_id}],
        },
    ).json()
    item = request["recipients"][0]["id"]
    early = joon.post(f"/api/v1/market/inbox/{item}/quotes", json=_quote_body())
    assert early.status_code == 409
    assert "acknowledge the confidentiality terms" in early.json()["message"]
    assert mina.post(f"/api/v1/market/inbox/{item}/acknowledge").status_code == 403
    withdrawn = mina.post(
        f"/api/v1/market/requests/{request['id']}/withdraw", json={"reason": "not needed"}
    )
    assert withdrawn.json()["status"] == "withdrawn"
    again = mina.post(f"/api/v1/market/requests/{request['id']}/withdraw", json={"reason": "x"})
    assert again.status_code == 409
    assert again.json()["field"] == "status"
    proposal = mina.get(f"/api/v1/market/programs/{world.program_id}/package-proposal").json()
    line = next(
        x for x in proposal["lines"] if x["activity_id"] == "stability_drug_substance_clinical"
    )
    assert [o["id"] for o in line["offerings"]] == [world.offering_id]
    assert (
        api("b.sci").get(f"/api/v1/market/programs/{world.program_id}/package-proposal").status_code
        == 404
    )
