"""Request -> quote -> order -> milestones -> deliverables, on SQLite and PostgreSQL: every
transition, every illegal one, the shares an order opens and closes, the voucher draw,
structured deliveries checked against shared records, and the roadmap evidence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from opencmc.platform import programs
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market import deliverables, inbox, orders
from opencmc.platform.market import requests as deals
from opencmc.platform.models import Share
from opencmc.platform.programs import get_program
from opencmc.platform.quality import stability as studies
from opencmc.platform.quality.results import ImportRefused
from opencmc.platform.readiness import status_records
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PROGRAM, actor_of
from tests.market.world import LINES, World, build, stability_rows


@pytest.fixture
def world(factory) -> World:  # type: ignore[no-untyped-def]
    return build(factory)


def _send(factory, world: World, **extra):  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        request = deals.send_request(
            uow,
            program_id=world.program_id,
            title="DS stability, 5 C",
            scope="Three DS batches, 5 C, 0-9 months, SEC purity",
            category="stability_study",
            recipients=[{"offering_id": world.offering_id}],
            materials="3 x 20 vials",
            **extra,
        )
        uow.commit()
    return request


def _recipient_id(factory, request_id: int) -> int:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        return deals.recipients_of(uow.session, deals.get_request(uow.session, request_id))[0].id


def _quote(factory, recipient_id: int, **extra):  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "p.sci")) as uow:
        deals.acknowledge_terms(uow, recipient_id)
        quote = deals.submit_quote(
            uow,
            recipient_id,
            line_items=LINES,
            lead_time_weeks=12,
            valid_until=date.today() + timedelta(days=30),
            **extra,
        )
        uow.commit()
    return quote


def _ordered(factory, world: World, voucher: bool = True):  # type: ignore[no-untyped-def]
    request = _send(factory, world)
    quote = _quote(factory, _recipient_id(factory, request.id))
    shared = [("stability-studies", world.study_id), ("specifications", world.spec_id)]
    shared += [("batches", b) for b in world.batch_ids]
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        order = orders.accept_quote(
            uow, quote.id, share=shared, voucher_id=world.voucher_id if voucher else None
        )
        uow.commit()
    return order


def test_the_provider_sees_a_summary_until_it_acknowledges_the_terms(factory, world) -> None:  # type: ignore[no-untyped-def]
    request = _send(factory, world)
    recipient_id = _recipient_id(factory, request.id)
    joon = actor_of(factory, "p.sci")
    with UnitOfWork(factory, joon) as uow:
        recipient = deals.get_recipient(uow.session, recipient_id)
        assert recipient.summary["title"] == "DS stability, 5 C"
        assert "program" not in recipient.summary
        with pytest.raises(NotFound):
            deals.get_request(uow.session, request.id)
        with pytest.raises(Conflict, match="acknowledge the confidentiality terms"):
            deals.submit_quote(
                uow, recipient_id, line_items=LINES, lead_time_weeks=4, valid_until=date.today()
            )
    with UnitOfWork(factory, joon) as uow:
        deals.acknowledge_terms(uow, recipient_id)
        uow.commit()
    with UnitOfWork(factory, joon) as uow:
        detail = deals.get_request(uow.session, request.id)
        assert detail.program_summary["program"] == "AB-1 anti-IL6 IgG1"
        # the program itself is not shared: only the request's summary of it
        with pytest.raises(NotFound):
            get_program(uow.session, world.program_id)
        with pytest.raises(Conflict, match="acknowledged: it cannot become acknowledged"):
            deals.acknowledge_terms(uow, recipient_id)
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow, pytest.raises(NotFound):
        deals.get_recipient(uow.session, recipient_id)


def test_request_rules(factory, world) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        other = programs.create_program(uow, {**PROGRAM, "name": "AB-2"})
        stranger = programs.create_candidate(uow, other.id, {"name": "B", "smiles": "CCO"})
        with pytest.raises(InvalidInput, match=r"candidate_id: candidate .* is not in program"):
            deals.send_request(
                uow,
                program_id=world.program_id,
                candidate_id=stranger.id,
                title="t",
                scope="s",
                category="stability_study",
                recipients=[{"offering_id": world.offering_id}],
            )
        with pytest.raises(InvalidInput, match="providers: choose at least one"):
            deals.send_request(
                uow,
                program_id=world.program_id,
                title="t",
                scope="s",
                category="stability_study",
                recipients=[],
            )
        with pytest.raises(InvalidInput, match="category"):
            deals.send_request(
                uow,
                program_id=world.program_id,
                title="t",
                scope="s",
                category="astrology",
                recipients=[{"offering_id": world.offering_id}],
            )
        beta = actor_of(factory, "b.sci").organisation_id
        with pytest.raises(InvalidInput, match="is not a provider"):
            deals.send_request(
                uow,
                program_id=world.program_id,
                title="t",
                scope="s",
                category="stability_study",
                recipients=[{"provider_organisation_id": beta}],
            )
    with (
        UnitOfWork(factory, actor_of(factory, "p.sci")) as uow,
        pytest.raises(PermissionDenied, match="only a sponsor"),
    ):
        deals.send_request(
            uow,
            program_id=world.program_id,
            title="t",
            scope="s",
            category="stability_study",
            recipients=[{"offering_id": world.offering_id}],
        )


def test_quote_validation_and_revision(factory, world) -> None:  # type: ignore[no-untyped-def]
    request = _send(factory, world)
    recipient_id = _recipient_id(factory, request.id)
    joon = actor_of(factory, "p.sci")
    with UnitOfWork(factory, joon) as uow:
        deals.acknowledge_terms(uow, recipient_id)
        uow.commit()
    with UnitOfWork(factory, joon) as uow:
        bad = [{"description": "x", "quantity": 0, "unit_price": 1}]
        with pytest.raises(InvalidInput, match=r"line_items\[1\].quantity"):
            deals.submit_quote(
                uow, recipient_id, line_items=bad, lead_time_weeks=4, valid_until=date.today()
            )
        with pytest.raises(InvalidInput, match="valid_until"):
            deals.submit_quote(
                uow,
                recipient_id,
                line_items=LINES,
                lead_time_weeks=4,
                valid_until=date.today() - timedelta(days=1),
            )
        with pytest.raises(InvalidInput, match=r"milestones\[1\].weeks"):
            deals.submit_quote(
                uow,
                recipient_id,
                line_items=LINES,
                lead_time_weeks=4,
                valid_until=date.today(),
                milestones=[{"title": "late", "weeks": 9}],
            )
    first = _quote_again(factory, recipient_id)
    assert first.total == 5_000_000 + 8 * 4_000_000
    assert [m["title"] for m in first.milestones][-1] == "Report delivered"
    second = _quote_again(factory, recipient_id)
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        states = {q.id: q.status for q in deals.quotes_of(uow.session, request)}
    assert states == {first.id: "withdrawn", second.id: "submitted"}


def _quote_again(factory, recipient_id: int):  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "p.sci")) as uow:
        quote = deals.submit_quote(
            uow,
            recipient_id,
            line_items=LINES,
            lead_time_weeks=12,
            valid_until=date.today() + timedelta(days=10),
        )
        uow.commit()
    return quote


def test_reject_withdraw_and_illegal_quote_transitions(factory, world) -> None:  # type: ignore[no-untyped-def]
    request = _send(factory, world)
    recipient_id = _recipient_id(factory, request.id)
    quote = _quote(factory, recipient_id)
    mina = actor_of(factory, "a.sci")
    with UnitOfWork(factory, actor_of(factory, "p.sci")) as uow, pytest.raises(PermissionDenied):
        deals.reject_quote(uow, quote.id, "not mine to reject")
    with UnitOfWork(factory, mina) as uow:
        with pytest.raises(PermissionDenied):
            deals.withdraw_quote(uow, quote.id, "not mine to withdraw")
        deals.reject_quote(uow, quote.id, "too expensive")
        uow.commit()
    with UnitOfWork(factory, mina) as uow:
        with pytest.raises(Conflict, match="rejected: it cannot become accepted"):
            orders.accept_quote(uow, quote.id)
        with pytest.raises(Conflict, match="rejected: it cannot become rejected"):
            deals.reject_quote(uow, quote.id, "again")
    second = _quote_again(factory, recipient_id)  # back to acknowledged: may quote again
    with UnitOfWork(factory, actor_of(factory, "p.sci")) as uow:
        deals.withdraw_quote(uow, second.id, "capacity gone")
        uow.commit()
    with UnitOfWork(factory, mina) as uow:
        deals.withdraw_request(uow, request.id, "budget moved")
        uow.commit()
    with (
        UnitOfWork(factory, mina) as uow,
        pytest.raises(Conflict, match="withdrawn: it cannot become withdrawn"),
    ):
        deals.withdraw_request(uow, request.id, "twice")
    with UnitOfWork(factory, actor_of(factory, "p.sci")) as uow:
        recipient = deals.get_recipient(uow.session, recipient_id)
        assert recipient.status == "withdrawn"
        with pytest.raises(Conflict, match="withdrawn: it cannot become declined"):
            deals.decline_request(uow, recipient_id, "late")


def test_an_expired_quote_cannot_be_accepted(factory, world) -> None:  # type: ignore[no-untyped-def]
    request = _send(factory, world)
    quote = _quote(factory, _recipient_id(factory, request.id))
    with (
        UnitOfWork(factory, actor_of(factory, "a.sci")) as uow,
        pytest.raises(Conflict, match="expired on"),
    ):
        orders.accept_quote(uow, quote.id, today=date.today() + timedelta(days=31))


def test_accepting_makes_the_order_shares_and_voucher_draw(factory, world) -> None:  # type: ignore[no-untyped-def]
    order = _ordered(factory, world)
    assert order.total == 37_000_000
    assert order.voucher_amount == 18_500_000  # 50 % coverage, under the 20 M cap
    assert order.copay_amount == 18_500_000
    joon = actor_of(factory, "p.sci")
    with UnitOfWork(factory, joon) as uow:
        seen = orders.get_order(uow.session, order.id)
        assert next(m.title for m in orders.milestones_of(uow.session, seen)) == "Protocol approved"
        study = studies.get_study(uow.session, world.study_id)  # shared for the order
        assert len(studies.pull_calendar(uow.session, study)) == 3 * 4  # its pulls come along
        with pytest.raises(NotFound):
            get_program(uow.session, world.program_id)  # not chosen: not shared
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow, pytest.raises(NotFound):
        orders.get_order(uow.session, order.id)
    with (
        UnitOfWork(factory, actor_of(factory, "a.sci")) as uow,
        pytest.raises(Conflict, match="ordered: it cannot become withdrawn"),
    ):
        deals.withdraw_request(uow, order.request_id, "too late")


def test_structured_delivery_is_checked_then_recorded_with_evidence(factory, world) -> None:  # type: ignore[no-untyped-def]
    order = _ordered(factory, world, voucher=False)
    joon, mina = actor_of(factory, "p.sci"), actor_of(factory, "a.sci")
    with UnitOfWork(factory, joon) as uow, pytest.raises(ImportRefused) as refused:
        deliverables.submit_deliverable(
            uow,
            order.id,
            title="T0-T6",
            kind="stability_results",
            payload={"study_id": world.study_id, "rows": stability_rows(unit="mg/mL")},
        )
    assert (2, "unit") in {(p.row, p.column) for p in refused.value.problems}
    with UnitOfWork(factory, joon) as uow:
        delivered = deliverables.submit_deliverable(
            uow,
            order.id,
            title="T0-T6",
            kind="stability_results",
            payload={"study_id": world.study_id, "rows": stability_rows()},
        )
        uow.commit()
    with UnitOfWork(factory, joon) as uow, pytest.raises(PermissionDenied):
        deliverables.review_deliverable(uow, delivered.id, accept=True)
    with UnitOfWork(factory, mina) as uow:
        with pytest.raises(InvalidInput, match="reason"):
            deliverables.review_deliverable(uow, delivered.id, accept=False)
        accepted = deliverables.review_deliverable(uow, delivered.id, accept=True)
        uow.commit()
    assert len(accepted.outcome["stability_result_ids"]) == 6
    assert accepted.outcome["roadmap"] == ["stability_drug_substance_clinical"]
    with UnitOfWork(factory, mina) as uow:
        program = get_program(uow.session, world.program_id)
        record = status_records(uow.session, program)["stability_drug_substance_clinical"]
        assert record.status == "in_progress"
        assert record.evidence_link == f"/market/orders/{order.id}#deliverable-{delivered.id}"
        with pytest.raises(Conflict, match="accepted: it cannot become accepted"):
            deliverables.review_deliverable(uow, delivered.id, accept=True)


def test_milestones_deliver_then_close_ends_access(factory, world) -> None:  # type: ignore[no-untyped-def]
    order = _ordered(factory, world)
    joon, mina = actor_of(factory, "p.sci"), actor_of(factory, "a.sci")
    with UnitOfWork(factory, mina) as uow:
        with pytest.raises(Conflict, match="active: it cannot become closed"):
            orders.close_order(uow, order.id, "early")
        ids = [
            m.id for m in orders.milestones_of(uow.session, orders.get_order(uow.session, order.id))
        ]
        with pytest.raises(PermissionDenied):
            orders.complete_milestone(uow, ids[0])
    for milestone_id in ids:
        with UnitOfWork(factory, joon) as uow:
            orders.complete_milestone(uow, milestone_id, note="ok")
            uow.commit()
    with UnitOfWork(factory, joon) as uow:
        assert orders.get_order(uow.session, order.id).status == "delivered"
        with pytest.raises(Conflict, match="delivered: its milestones are settled"):
            orders.complete_milestone(uow, ids[0])
    with UnitOfWork(factory, mina) as uow:
        orders.close_order(uow, order.id, "all delivered")
        uow.commit()
    with UnitOfWork(factory, joon) as uow:
        assert orders.get_order(uow.session, order.id).status == "closed"
        with pytest.raises(NotFound):
            studies.get_study(uow.session, world.study_id)  # access ended with the order
        with pytest.raises(Conflict, match="closed and takes no deliverable"):
            deliverables.submit_deliverable(
                uow, order.id, title="late", kind="results", payload={"rows": [{"a": 1}]}
            )
    with UnitOfWork(factory, mina) as uow:
        live = [s for s in uow.session.query(Share).filter(Share.order_id == order.id)]
        assert live and all(s.revoked_at is not None for s in live)


def test_cancelling_releases_the_voucher(factory, world) -> None:  # type: ignore[no-untyped-def]
    order = _ordered(factory, world)
    mina = actor_of(factory, "a.sci")
    with UnitOfWork(factory, mina) as uow:
        orders.cancel_order(uow, order.id, "programme paused")
        uow.commit()
    from opencmc.platform.market import vouchers

    with UnitOfWork(factory, mina) as uow:
        assert vouchers.get_voucher(uow.session, world.voucher_id).drawn == 0
        with pytest.raises(Conflict, match="cancelled: it cannot become cancelled"):
            orders.cancel_order(uow, order.id, "again")


def test_notifications_reach_the_party_that_must_act(factory, world) -> None:  # type: ignore[no-untyped-def]
    request = _send(factory, world)
    joon, mina = actor_of(factory, "p.sci"), actor_of(factory, "a.sci")
    with UnitOfWork(factory, joon) as uow:
        kinds = [n.kind for n in inbox.notifications(uow.session, joon)]
        assert "request" in kinds
        assert inbox.unread_count(uow.session, joon) >= 1
        assert inbox.mark_read(uow) >= 1
        uow.commit()
    with UnitOfWork(factory, joon) as uow:
        assert inbox.unread_count(uow.session, joon) == 0
    _quote(factory, _recipient_id(factory, request.id))
    with UnitOfWork(factory, mina) as uow:
        assert "quote" in [n.kind for n in inbox.notifications(uow.session, mina)]
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow:
        assert inbox.notifications(uow.session, actor_of(factory, "b.sci")) == []


def test_sweep_reminds_once_of_due_and_overdue_milestones(factory, world) -> None:  # type: ignore[no-untyped-def]
    order = _ordered(factory, world)
    later = date.today() + timedelta(weeks=2)  # the first milestone (week 1) is overdue
    with UnitOfWork(factory, None, system=True) as uow:
        first = inbox.sweep(uow, today=later)
        again = inbox.sweep(uow, today=later)
        uow.commit()
    assert first["overdue"] == 2 and again["overdue"] == 0  # provider and sponsor, once
    mina = actor_of(factory, "a.sci")
    with UnitOfWork(factory, mina) as uow:
        titles = [n.title for n in inbox.notifications(uow.session, mina)]
    assert any(t.startswith(f"Order {order.id}: Protocol approved was due") for t in titles)


def test_an_out_of_trend_point_reaches_sponsor_and_provider(factory, world) -> None:  # type: ignore[no-untyped-def]
    order = _ordered(factory, world, voucher=False)
    joon, mina = actor_of(factory, "p.sci"), actor_of(factory, "a.sci")
    rows = stability_rows(months=(0, 3, 6))
    late = [{**rows[0], "months": 9, "value": 90.0}]  # DS-1 drops far below its trend
    for title, batch in (("T0-T6", rows), ("T9", late)):
        with UnitOfWork(factory, joon) as uow:
            delivered = deliverables.submit_deliverable(
                uow,
                order.id,
                title=title,
                kind="stability_results",
                payload={"study_id": world.study_id, "rows": batch},
            )
            uow.commit()
        with UnitOfWork(factory, mina) as uow:
            accepted = deliverables.review_deliverable(uow, delivered.id, accept=True)
            uow.commit()
    assert [f["attribute"] for f in accepted.outcome["out_of_trend"]] == ["SEC purity"]
    for person in (joon, mina):
        with UnitOfWork(factory, person) as uow:
            kinds = [n.kind for n in inbox.notifications(uow.session, person)]
        assert kinds.count("out_of_trend") == 1, (person.email, kinds)
