"""The programme office's dashboard on SQLite and PostgreSQL: counts, lead times, on-time
milestones and voucher spend from rows written directly, and nothing of a sponsor's."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from opencmc.platform import accounts
from opencmc.platform.errors import PermissionDenied
from opencmc.platform.market import kpis, vouchers
from opencmc.platform.models import Milestone, Order, Quote, ServiceRequest
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PASSWORD, actor_of
from tests.market.test_vouchers import (
    SECRET_PROGRAM,
    SECRET_SCOPE,
    approved_voucher,
    draw,
    make_order,
    open_programme,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TODAY = date(2025, 9, 1)


def _day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def _add_provider(factory: sessionmaker[Session]) -> None:
    with UnitOfWork(factory, None, system=True) as uow:
        delta = accounts.create_organisation(uow, "Delta Labs", "provider")
        accounts.create_user(
            uow,
            email="d.sci@example.org",
            full_name="D Sci",
            password=PASSWORD,
            organisation=delta,
            role="scientist",
        )
        uow.commit()


def _settle(
    factory: sessionmaker[Session],
    order_id: int,
    *,
    quotes_after: list[float],
    milestones: list[tuple[date, datetime | None]] = (),  # type: ignore[assignment]
    **order_fields: Any,
) -> None:
    """Give an order's chain its history: quote times, order state, milestones."""
    with UnitOfWork(factory, None, system=True) as uow:
        s = uow.session
        order = s.get(Order, order_id)
        assert order is not None
        request = s.get(ServiceRequest, order.request_id)
        quote = s.get(Quote, order.quote_id)
        assert request is not None and quote is not None
        request.created_at = T0
        quote.created_at = _day(quotes_after[0])
        for later in quotes_after[1:]:  # a second provider's quote, after the first
            s.add(
                Quote(
                    organisation_id=quote.organisation_id,
                    request_id=request.id,
                    recipient_id=quote.recipient_id,
                    sponsor_organisation_id=quote.sponsor_organisation_id,
                    total=quote.total,
                    lead_time_weeks=4,
                    valid_until=TODAY,
                    created_by_id=quote.created_by_id,
                    created_at=_day(later),
                )
            )
        for key, value in order_fields.items():
            setattr(order, key, value)
        for position, (due_on, completed_at) in enumerate(milestones, start=1):
            s.add(
                Milestone(
                    organisation_id=order.organisation_id,
                    order_id=order.id,
                    provider_organisation_id=order.provider_organisation_id,
                    position=position,
                    title=f"step {position}",
                    due_on=due_on,
                    status="done" if completed_at else "pending",
                    completed_at=completed_at,
                )
            )
        uow.commit()


@pytest.fixture
def marketplace(factory: sessionmaker[Session]) -> dict[str, Any]:
    """Four orders with two providers, three voucher draws standing and one released."""
    _add_provider(factory)
    programme_id = open_programme(factory)
    alpha = approved_voucher(factory, programme_id)
    beta = approved_voucher(factory, programme_id, handle="b.sci")
    first = make_order(factory, total=100_000_000)
    second = make_order(factory, provider="d.sci", total=50_000_000, modality="sirna")
    third = make_order(factory, sponsor="b.sci", total=40_000_000)
    fourth = make_order(factory, sponsor="b.sci", provider="d.sci", total=20_000_000)
    for voucher, order, handle, modality in (
        (alpha, first, "a.sci", "mrna"),
        (alpha, second, "a.sci", "sirna"),
        (beta, third, "b.sci", "mrna"),
        (beta, fourth, "b.sci", "mrna"),
    ):
        draw(factory, voucher, order, handle=handle, modality=modality)
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow:
        cancelled = uow.session.get(Order, third)
        assert cancelled is not None
        cancelled.status = "cancelled"
        vouchers.release_for_order(uow, cancelled, "no longer needed")
        uow.commit()
    _settle(
        factory,
        first,
        quotes_after=[4, 9],
        status="delivered",
        accepted_at=_day(10),
        delivered_at=_day(40),
        milestones=[(date(2025, 3, 23), _day(19)), (date(2025, 4, 7), _day(38))],
    )
    _settle(
        factory,
        second,
        quotes_after=[2],
        accepted_at=_day(5),
        milestones=[(TODAY - timedelta(days=1), None), (TODAY + timedelta(days=30), None)],
    )
    _settle(factory, third, quotes_after=[6])
    _settle(
        factory,
        fourth,
        quotes_after=[3],
        status="delivered",
        accepted_at=_day(20),
        delivered_at=_day(30),
        milestones=[(date(2025, 3, 31), datetime(2025, 3, 31, 23, 0, tzinfo=UTC))],
    )
    with UnitOfWork(factory, None, system=True) as uow:  # a request no provider answered yet
        order = uow.session.get(Order, first)
        assert order is not None
        uow.session.add(
            ServiceRequest(
                organisation_id=order.organisation_id,
                program_id=order.program_id,
                category="stability",
                title="Stability",
                scope=SECRET_SCOPE,
                created_by_id=order.accepted_by_id,
            )
        )
        uow.commit()
    return {"programme_id": programme_id}


def test_the_dashboard_counts_times_and_spend(factory, marketplace) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        board = kpis.operator_dashboard(uow.session, uow.require_actor(), today=TODAY)
    assert board["requests_by_status"] == {"ordered": 4, "open": 1}
    assert board["orders_by_status"] == {"delivered": 2, "active": 1, "cancelled": 1}
    # first quotes after 4, 2, 6 and 3 days (the later second quote does not count)
    assert board["request_to_first_quote"] == {"median_days": 3.5, "count": 4}
    assert board["acceptance_to_delivery"] == {"median_days": 20.0, "count": 2}
    # on time: done on day 19 of 20, and at 23:00 on its due day; late: day 38 of 35;
    # overdue: pending since yesterday; the one due next month is not judged yet
    assert board["milestones"] == {"on_time": 2, "late": 1, "overdue": 1, "on_time_rate": 0.5}
    assert board["voucher_spend_by_modality"] == [
        {"modality": "mrna", "currency": "KRW", "amount": 84_000_000, "draws": 2},
        {"modality": "sirna", "currency": "KRW", "amount": 35_000_000, "draws": 1},
    ]
    assert board["voucher_spend_by_provider"] == [
        {"provider": "Gamma CDMO", "currency": "KRW", "amount": 70_000_000, "draws": 1},
        {"provider": "Delta Labs", "currency": "KRW", "amount": 49_000_000, "draws": 2},
    ]
    assert board["orders_by_provider"] == [
        {"provider": "Delta Labs", "currency": "KRW", "orders": 2, "value": 70_000_000},
        {"provider": "Gamma CDMO", "currency": "KRW", "orders": 2, "value": 140_000_000},
    ]
    (programme,) = board["programmes"]
    assert programme["id"] == marketplace["programme_id"]
    assert (programme["committed"], programme["remaining"]) == (119_000_000, 881_000_000)


def test_the_dashboard_carries_nothing_of_a_sponsor(factory, marketplace) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        text = json.dumps(kpis.operator_dashboard(uow.session, uow.require_actor()))
    for secret in (SECRET_SCOPE, "ALPHA-7", SECRET_PROGRAM, "Alpha Bio", "Beta Bio", "a.sci"):
        assert secret not in text


@pytest.mark.parametrize("handle", ["a.admin", "p.sci"])
def test_only_the_programme_office_reads_the_dashboard(factory, handle) -> None:  # type: ignore[no-untyped-def]
    actor = actor_of(factory, handle)
    with (
        UnitOfWork(factory, actor) as uow,
        pytest.raises(PermissionDenied, match="programme office"),
    ):
        kpis.operator_dashboard(uow.session, actor)


def test_an_empty_marketplace_has_no_rates(factory) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        board = kpis.operator_dashboard(uow.session, uow.require_actor())
    assert board["request_to_first_quote"] == {"median_days": None, "count": 0}
    assert board["milestones"]["on_time_rate"] is None
    assert board["voucher_spend_by_modality"] == board["orders_by_provider"] == []
