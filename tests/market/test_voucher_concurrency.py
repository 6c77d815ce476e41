"""Many orders drawing at the same moment, each in its own transaction: the sum of the draws
never passes a voucher's cap or the programme's budget, nothing goes negative, and the
draws that did not fit were refused with a Conflict.

Runs on SQLite and PostgreSQL (the ``engine`` fixture): conftest skips PostgreSQL when it is
unreachable outside CI and fails the run in CI.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from opencmc.platform import accounts
from opencmc.platform.actor import Actor
from opencmc.platform.audit import verify_chain
from opencmc.platform.db import create_db_engine, make_session_factory
from opencmc.platform.errors import Conflict
from opencmc.platform.market import support_programmes, vouchers
from opencmc.platform.models import Order, SupportProgramme, User, Voucher, VoucherDraw
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PASSWORD, actor_of
from tests.market.test_vouchers import (
    APPLICATION,
    approved_voucher,
    make_order,
    open_programme,
)

CROWD = 24


@pytest.fixture
def crowd_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on a pool as wide as the crowd, so that every draw is in flight at once."""
    wide = create_db_engine(
        engine.url.render_as_string(hide_password=False), pool_size=CROWD + 2, max_overflow=0
    )
    yield make_session_factory(wide)
    wide.dispose()


def _draw_all_at_once(
    factory: sessionmaker[Session], draws: list[tuple[Actor, int, int]]
) -> list[int | None]:
    """Each (sponsor, voucher, order) draws in its own thread and transaction, released
    together; the amount drawn, or None for a Conflict (anything else fails the test)."""
    start = threading.Barrier(len(draws))

    def one(job: tuple[Actor, int, int]) -> int | None:
        sponsor, voucher_id, order_id = job
        start.wait()
        with UnitOfWork(factory, sponsor) as uow:
            order = uow.session.get(Order, order_id)
            assert order is not None
            try:
                made = vouchers.draw_for_order(uow, voucher_id, order, "mrna")
            except Conflict as refused:
                assert "left" in refused.message or "same time" in refused.message
                return None
            uow.commit()
            return made.amount

    with ThreadPoolExecutor(max_workers=len(draws)) as pool:
        return list(pool.map(one, draws))


def _ledger(factory: sessionmaker[Session], programme_id: int) -> dict[str, Any]:
    with UnitOfWork(factory, None, system=True) as uow:
        s = uow.session
        programme = s.get(SupportProgramme, programme_id)
        assert programme is not None
        held = {v.id: (v.drawn, v.cap) for v in s.scalars(select(Voucher))}
        per_voucher = dict(
            s.execute(
                select(VoucherDraw.voucher_id, func.sum(VoucherDraw.amount)).group_by(
                    VoucherDraw.voucher_id
                )
            ).all()
        )
        chain = verify_chain(s)
        return {
            "committed": programme.committed,
            "budget": programme.budget,
            "vouchers": held,
            "draws": {k: int(v) for k, v in per_voucher.items()},
            "chain_ok": chain.ok,
        }


def test_a_crowd_of_orders_on_one_voucher_never_passes_its_cap(
    factory: sessionmaker[Session], crowd_factory: sessionmaker[Session]
) -> None:
    programme_id = open_programme(factory)
    voucher_id = approved_voucher(factory, programme_id, cap=100_000_000)
    sponsor = actor_of(factory, "a.sci")
    orders = [make_order(factory, total=20_000_000) for _ in range(CROWD)]  # 14M each

    amounts = _draw_all_at_once(crowd_factory, [(sponsor, voucher_id, o) for o in orders])

    paid = [a for a in amounts if a is not None]
    assert sum(paid) == 100_000_000  # 7 draws of 14M and one of the 2M left
    assert all(0 < a <= 14_000_000 for a in paid)
    assert amounts.count(None) == CROWD - len(paid) >= CROWD - 8
    ledger = _ledger(factory, programme_id)
    assert ledger["vouchers"][voucher_id] == (100_000_000, 100_000_000)
    assert ledger["draws"] == {voucher_id: 100_000_000}
    assert ledger["committed"] == 100_000_000
    assert ledger["chain_ok"]
    with UnitOfWork(factory, sponsor) as uow:
        drawn = [uow.session.get(Order, o) for o in orders]
        assert sorted(o.voucher_amount for o in drawn if o and o.voucher_id) == sorted(paid)


def _sponsors(factory: sessionmaker[Session], count: int) -> list[Actor]:
    with UnitOfWork(factory, None, system=True) as uow:
        for n in range(count):
            org = accounts.create_organisation(uow, f"Crowd Bio {n}", "sponsor")
            accounts.create_user(
                uow,
                email=f"crowd{n}@example.org",
                full_name=f"Crowd {n}",
                password=PASSWORD,
                organisation=org,
                role="scientist",
            )
        uow.commit()
    with UnitOfWork(factory, None, system=True) as uow:
        users = uow.session.scalars(
            select(User).where(User.email.like("crowd%")).order_by(User.id)
        ).all()
        return [accounts.actor_for(uow.session, u) for u in users]


def test_a_crowd_of_companies_never_passes_the_programme_budget(
    factory: sessionmaker[Session], crowd_factory: sessionmaker[Session]
) -> None:
    programme_id = open_programme(factory, budget=100_000_000, per_company_cap=60_000_000)
    companies = _sponsors(factory, 4)
    jobs: list[tuple[Actor, int, int]] = []
    for company in companies:
        with UnitOfWork(factory, company) as uow:
            voucher = support_programmes.apply(uow, programme_id, APPLICATION).id
            uow.commit()
        with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
            vouchers.approve_voucher(uow, voucher)
            uow.commit()
        for _ in range(CROWD // len(companies)):
            order_id = make_order(factory, sponsor=company.email.split("@")[0], total=20_000_000)
            jobs.append((company, voucher, order_id))

    amounts = _draw_all_at_once(crowd_factory, jobs)

    paid = [a for a in amounts if a is not None]
    ledger = _ledger(factory, programme_id)
    assert sum(paid) == ledger["committed"] == 100_000_000  # the demand (336M) exceeds it
    assert all(a > 0 for a in paid)
    assert amounts.count(None) == len(jobs) - len(paid) > 0
    for voucher_id, (drawn, cap) in ledger["vouchers"].items():
        assert 0 <= drawn <= cap == 60_000_000
        assert ledger["draws"].get(voucher_id, 0) == drawn
    assert ledger["chain_ok"]
