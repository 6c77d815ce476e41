"""Support programmes and vouchers on SQLite and PostgreSQL: every transition and every
illegal one, eligibility at application, caps, draws and their release."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from opencmc.platform import accounts
from opencmc.platform.audit import trail
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market import support_programmes as rounds
from opencmc.platform.market import vouchers
from opencmc.platform.models import (
    Notification,
    Order,
    Program,
    Quote,
    RequestRecipient,
    ServiceRequest,
    SupportProgramme,
    Voucher,
    VoucherDraw,
)
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PASSWORD, actor_of

TODAY = date.today()
PROGRAMME: dict[str, Any] = {
    "title": "RNA and cell/gene therapy vouchers 2026",
    "description": "CMC services for small RNA and ATMP companies",
    "budget": 1_000_000_000,
    "coverage_percent": 70,
    "per_company_cap": 300_000_000,
    "eligible_modalities": ["mrna", "sirna", "cell_therapy", "aav_gene_therapy"],
    "max_employees": 300,
    "opens_on": TODAY - timedelta(days=1),
    "closes_on": TODAY + timedelta(days=90),
}
APPLICATION = {"employees": 40, "modalities": ["mrna"], "statement": "LNP-mRNA vaccine"}
SECRET_SCOPE = "Alpha-secret-scope: release testing of lot ALPHA-7"
SECRET_PROGRAM = "Alpha-secret-mRNA-program"


# --- helpers other test modules share -------------------------------------------------------


def open_programme(factory: sessionmaker[Session], **overrides: Any) -> int:
    """An open programme run by the seeded operator; its id."""
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        programme = rounds.create_programme(uow, {**PROGRAMME, **overrides})
        rounds.open_programme(uow, programme.id)
        uow.commit()
        return programme.id


def approved_voucher(
    factory: sessionmaker[Session], programme_id: int, handle: str = "a.sci", cap: Any = None
) -> int:
    with UnitOfWork(factory, actor_of(factory, handle)) as uow:
        voucher = rounds.apply(uow, programme_id, APPLICATION)
        uow.commit()
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        vouchers.approve_voucher(uow, voucher.id, cap=cap)
        uow.commit()
    return voucher.id


def make_order(
    factory: sessionmaker[Session],
    *,
    sponsor: str = "a.sci",
    provider: str = "p.sci",
    total: int = 100_000_000,
    modality: str = "mrna",
    currency: str = "KRW",
    **order_fields: Any,
) -> int:
    """The minimal chain behind an order (program, request, recipient, quote, order),
    written directly, as the order workflow would leave it; the order's id."""
    owner, maker = actor_of(factory, sponsor), actor_of(factory, provider)
    with UnitOfWork(factory, None, system=True) as uow:
        s = uow.session
        program = Program(
            organisation_id=owner.organisation_id,
            name=SECRET_PROGRAM,
            modality=modality,
            current_stage="process_development",
            target_milestone="phase_1",
            created_by_id=owner.user_id,
        )
        s.add(program)
        s.flush()
        request = ServiceRequest(
            organisation_id=owner.organisation_id,
            program_id=program.id,
            category="release_testing",
            title="Release testing",
            scope=SECRET_SCOPE,
            status="ordered",
            created_by_id=owner.user_id,
        )
        s.add(request)
        s.flush()
        recipient = RequestRecipient(
            organisation_id=owner.organisation_id,
            request_id=request.id,
            provider_organisation_id=maker.organisation_id,
            status="accepted",
        )
        s.add(recipient)
        s.flush()
        quote = Quote(
            organisation_id=maker.organisation_id,
            request_id=request.id,
            recipient_id=recipient.id,
            sponsor_organisation_id=owner.organisation_id,
            total=total,
            currency=currency,
            lead_time_weeks=8,
            valid_until=TODAY + timedelta(days=30),
            status="accepted",
            created_by_id=maker.user_id,
        )
        s.add(quote)
        s.flush()
        order = Order(
            organisation_id=owner.organisation_id,
            request_id=request.id,
            quote_id=quote.id,
            provider_organisation_id=maker.organisation_id,
            program_id=program.id,
            title="Release testing",
            total=total,
            currency=currency,
            accepted_by_id=owner.user_id,
            **order_fields,
        )
        s.add(order)
        uow.commit()
        return order.id


def draw(factory: sessionmaker[Session], voucher_id: int, order_id: int, **kw: Any) -> Any:
    modality = kw.pop("modality", "mrna")
    with UnitOfWork(factory, actor_of(factory, kw.pop("handle", "a.sci"))) as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        made = vouchers.draw_for_order(uow, voucher_id, order, modality)
        uow.commit()
        return made


def figures(factory: sessionmaker[Session], voucher_id: int) -> tuple[int, int]:
    """(voucher drawn, programme committed), read past every scope."""
    with UnitOfWork(factory, None, system=True) as uow:
        voucher = uow.session.get(Voucher, voucher_id)
        assert voucher is not None
        programme = uow.session.get(SupportProgramme, voucher.programme_id)
        assert programme is not None
        return voucher.drawn, programme.committed


# --- programmes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"coverage_percent": 0}, "coverage_percent"),
        ({"coverage_percent": 101}, "coverage_percent"),
        ({"per_company_cap": 2_000_000_000}, "per_company_cap"),
        ({"budget": -5}, "budget"),
        ({"budget": "a lot"}, "budget"),
        ({"closes_on": TODAY - timedelta(days=1)}, "closes_on"),
        ({"opens_on": "next week"}, "opens_on"),
        ({"eligible_modalities": ["rna"]}, "eligible_modalities"),
        ({"max_employees": 0}, "max_employees"),
        ({"title": " "}, "title"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_programme_terms_are_checked_field_by_field(factory, overrides, field) -> None:  # type: ignore[no-untyped-def]
    with (
        UnitOfWork(factory, actor_of(factory, "o.admin")) as uow,
        pytest.raises(InvalidInput) as refused,
    ):
        rounds.create_programme(uow, {**PROGRAMME, **overrides})
    assert refused.value.field == field
    assert field in refused.value.message


@pytest.mark.parametrize("handle", ["a.admin", "p.sci"])
def test_only_the_operator_creates_programmes(factory, handle) -> None:  # type: ignore[no-untyped-def]
    with (
        UnitOfWork(factory, actor_of(factory, handle)) as uow,
        pytest.raises(PermissionDenied, match="programme office"),
    ):
        rounds.create_programme(uow, PROGRAMME)


def test_a_draft_is_the_operators_alone_until_it_opens(factory) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        programme = rounds.create_programme(uow, PROGRAMME)
        uow.commit()
    assert (programme.status, programme.committed, programme.remaining) == (
        "draft",
        0,
        1_000_000_000,
    )
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow:
        assert rounds.list_programmes(uow.session) == []
        with pytest.raises(NotFound):
            rounds.get_programme(uow.session, programme.id)
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        rounds.open_programme(uow, programme.id)
        uow.commit()
    for handle in ("b.sci", "p.sci"):
        with UnitOfWork(factory, actor_of(factory, handle)) as uow:
            assert [p.id for p in rounds.list_programmes(uow.session)] == [programme.id]


def test_programme_lifecycle_and_its_illegal_moves(factory) -> None:  # type: ignore[no-untyped-def]
    officer = actor_of(factory, "o.admin")
    with UnitOfWork(factory, officer) as uow:
        programme = rounds.create_programme(uow, PROGRAMME)
        with pytest.raises(Conflict, match="draft: it cannot become closed"):
            rounds.close_programme(uow, programme.id)
        edited = rounds.update_programme(
            uow, programme.id, {"coverage_percent": 50}, reason="board decision"
        )
        assert edited.coverage_percent == 50
        with pytest.raises(InvalidInput, match="nothing to change"):
            rounds.update_programme(uow, programme.id, {"coverage_percent": 50})
        with pytest.raises(InvalidInput, match="per_company_cap"):
            rounds.update_programme(uow, programme.id, {"budget": 1000})
        rounds.open_programme(uow, programme.id)
        with pytest.raises(Conflict, match="open: it cannot become open"):
            rounds.open_programme(uow, programme.id)
        with pytest.raises(Conflict, match="only a draft is edited"):
            rounds.update_programme(uow, programme.id, {"title": "late change"})
        rounds.close_programme(uow, programme.id, "budget spent")
        with pytest.raises(Conflict, match="closed: it cannot become open"):
            rounds.open_programme(uow, programme.id)
        with pytest.raises(Conflict, match="closed: it cannot become closed"):
            rounds.close_programme(uow, programme.id)
        uow.commit()
        events = trail(uow.session, "support_programme", programme.id)
    assert [e.action for e in events] == ["create", "update", "status:open", "status:closed"]
    assert events[1].changes == {"coverage_percent": {"old": 70, "new": 50}}
    assert events[1].reason == "board decision"
    assert events[0].changes["opens_on"]["new"] == PROGRAMME["opens_on"].isoformat()
    assert events[3].reason == "budget spent"


def test_a_programme_past_its_closing_date_does_not_open(factory) -> None:  # type: ignore[no-untyped-def]
    past = {"opens_on": TODAY - timedelta(days=60), "closes_on": TODAY - timedelta(days=1)}
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        programme = rounds.create_programme(uow, {**PROGRAMME, **past})
        with pytest.raises(Conflict, match="closed for applications") as refused:
            rounds.open_programme(uow, programme.id)
    assert refused.value.field == "closes_on"


def test_another_operator_sees_an_open_programme_but_does_not_run_it(factory) -> None:  # type: ignore[no-untyped-def]
    programme_id = open_programme(factory)
    with UnitOfWork(factory, None, system=True) as uow:
        office = accounts.create_organisation(uow, "Second Office", "operator")
        accounts.create_user(
            uow,
            email="second@example.org",
            full_name="Second",
            password=PASSWORD,
            organisation=office,
            role="admin",
        )
        uow.commit()
    with UnitOfWork(factory, None, system=True) as uow:
        from opencmc.platform.models import User

        user = uow.session.scalars(select(User).where(User.email == "second@example.org")).one()
        other = accounts.actor_for(uow.session, user)
    with UnitOfWork(factory, other) as uow:
        assert rounds.get_programme(uow.session, programme_id).status == "open"
        with pytest.raises(PermissionDenied, match="only the operator running"):
            rounds.close_programme(uow, programme_id)
        with pytest.raises(PermissionDenied):
            rounds.list_applications(uow.session, other, programme_id)


# --- applications ---------------------------------------------------------------------------


def test_a_sponsor_applies_once_and_the_office_hears_of_it(factory) -> None:  # type: ignore[no-untyped-def]
    programme_id = open_programme(factory)
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        voucher = rounds.apply(uow, programme_id, APPLICATION)
        uow.commit()
    assert (voucher.status, voucher.cap, voucher.drawn) == ("applied", 0, 0)
    with (
        UnitOfWork(factory, actor_of(factory, "a.admin")) as uow,
        pytest.raises(Conflict, match=r"applied to support programme \d+ already"),
    ):
        rounds.apply(uow, programme_id, APPLICATION)
    officer = actor_of(factory, "o.admin")
    with UnitOfWork(factory, officer) as uow:
        ((seen, name),) = rounds.list_applications(uow.session, officer, programme_id)
        inbox = uow.session.scalars(select(Notification)).all()
    assert (seen.id, name, seen.statement) == (voucher.id, "Alpha Bio", "LNP-mRNA vaccine")
    assert [n.kind for n in inbox] == ["voucher_application"]
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow, pytest.raises(NotFound):
        vouchers.get_voucher(uow.session, voucher.id)
    with (
        UnitOfWork(factory, actor_of(factory, "a.sci")) as uow,
        pytest.raises(PermissionDenied, match="programme office"),
    ):
        rounds.list_applications(uow.session, actor_of(factory, "a.sci"), programme_id)


@pytest.mark.parametrize(
    ("application", "field", "words"),
    [
        ({**APPLICATION, "employees": 301}, "employees", "301 is over this programme's limit"),
        ({**APPLICATION, "modalities": ["small_molecule"]}, "modalities", "none of"),
        ({**APPLICATION, "modalities": []}, "modalities", "name the modalities"),
        ({**APPLICATION, "employees": 0}, "employees", "at least 1"),
        ({**APPLICATION, "turnover": 5}, "turnover", "not a field"),
    ],
)
def test_eligibility_is_checked_at_application_with_the_reason(
    factory, application, field, words
) -> None:  # type: ignore[no-untyped-def]
    programme_id = open_programme(factory)
    with (
        UnitOfWork(factory, actor_of(factory, "a.sci")) as uow,
        pytest.raises(InvalidInput, match=words) as refused,
    ):
        rounds.apply(uow, programme_id, application)
    assert refused.value.field == field


def test_applications_only_while_open_and_within_the_dates(factory) -> None:  # type: ignore[no-untyped-def]
    officer, sponsor = actor_of(factory, "o.admin"), actor_of(factory, "a.sci")
    later = {"opens_on": TODAY + timedelta(days=7), "closes_on": TODAY + timedelta(days=60)}
    with UnitOfWork(factory, officer) as uow:
        draft = rounds.create_programme(uow, PROGRAMME)
        upcoming = rounds.create_programme(uow, {**PROGRAMME, **later})
        rounds.open_programme(uow, upcoming.id)
        uow.commit()
    with UnitOfWork(factory, sponsor) as uow:
        with pytest.raises(NotFound):
            rounds.apply(uow, draft.id, APPLICATION)  # a draft is not there for sponsors
        with pytest.raises(Conflict, match=f"from {later['opens_on'].isoformat()}"):
            rounds.apply(uow, upcoming.id, APPLICATION)
    programme_id = open_programme(factory)
    with UnitOfWork(factory, officer) as uow:
        rounds.close_programme(uow, programme_id)
        uow.commit()
    with UnitOfWork(factory, sponsor) as uow, pytest.raises(Conflict, match="it is closed"):
        rounds.apply(uow, programme_id, APPLICATION)


@pytest.mark.parametrize("handle", ["p.sci", "a.view", "o.admin"])
def test_only_a_sponsor_with_write_applies(factory, handle) -> None:  # type: ignore[no-untyped-def]
    programme_id = open_programme(factory)
    with UnitOfWork(factory, actor_of(factory, handle)) as uow, pytest.raises(PermissionDenied):
        rounds.apply(uow, programme_id, APPLICATION)


# --- decisions ------------------------------------------------------------------------------


def test_approval_sets_the_cap_and_decisions_are_final(factory) -> None:  # type: ignore[no-untyped-def]
    programme_id = open_programme(factory)
    officer = actor_of(factory, "o.admin")
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        alpha = rounds.apply(uow, programme_id, APPLICATION)
        uow.commit()
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow:
        beta = rounds.apply(uow, programme_id, {**APPLICATION, "modalities": ["sirna"]})
        uow.commit()
    with (
        UnitOfWork(factory, actor_of(factory, "a.admin")) as uow,
        pytest.raises(PermissionDenied, match="programme office"),
    ):
        vouchers.approve_voucher(uow, alpha.id)
    with UnitOfWork(factory, officer) as uow:
        with pytest.raises(InvalidInput, match="per-company cap") as refused:
            vouchers.approve_voucher(uow, alpha.id, cap=300_000_001)
        assert refused.value.field == "cap"
        approved = vouchers.approve_voucher(uow, alpha.id, reason="eligible")
        assert (approved.status, approved.cap, approved.remaining) == (
            "approved",
            300_000_000,
            300_000_000,
        )
        with pytest.raises(Conflict, match="approved: it cannot become approved"):
            vouchers.approve_voucher(uow, alpha.id)
        with pytest.raises(Conflict, match="approved: it cannot become rejected"):
            vouchers.reject_voucher(uow, alpha.id, reason="changed my mind")
        with pytest.raises(InvalidInput, match="reason"):
            vouchers.reject_voucher(uow, beta.id, reason=" ")
        rejected = vouchers.reject_voucher(uow, beta.id, reason="no GMP-ready process yet")
        with pytest.raises(Conflict, match="rejected: it cannot become approved"):
            vouchers.approve_voucher(uow, beta.id, cap=1)
        uow.commit()
    assert (rejected.status, rejected.status_reason) == ("rejected", "no GMP-ready process yet")
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        ((mine, programme),) = vouchers.list_vouchers(uow.session)
        (usable, _p), *_ = vouchers.list_vouchers(uow.session, usable=True)
        events = trail(uow.session, "voucher", alpha.id)
        inbox = [n.kind for n in uow.session.scalars(select(Notification))]
    assert (mine.id, programme.id, usable.id) == (alpha.id, programme_id, alpha.id)
    assert [e.action for e in events] == ["apply", "status:approved"]
    assert events[1].changes["cap"] == {"old": 0, "new": 300_000_000}
    assert inbox == ["voucher_decision"]


def test_a_smaller_cap_and_no_decision_after_closing(factory) -> None:  # type: ignore[no-untyped-def]
    programme_id = open_programme(factory)
    voucher_id = approved_voucher(factory, programme_id, cap="50,000,000")
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow:
        late = rounds.apply(uow, programme_id, APPLICATION)
        uow.commit()
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        assert vouchers.get_voucher(uow.session, voucher_id).cap == 50_000_000
        rounds.close_programme(uow, programme_id)
        with pytest.raises(Conflict, match="decided while it is open"):
            vouchers.approve_voucher(uow, late.id)


# --- draws ----------------------------------------------------------------------------------


def test_an_order_draws_its_coverage_and_the_sponsor_copays(factory) -> None:  # type: ignore[no-untyped-def]
    voucher_id = approved_voucher(factory, open_programme(factory))
    order_id = make_order(factory, total=123_456_789)
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        split = vouchers.split_for(
            uow.session, voucher_id, total=123_456_789, currency="KRW", modality="mrna"
        )
    assert (split.voucher_amount, split.copay) == (86_419_752, 37_037_037)  # floor of 70%
    made = draw(factory, voucher_id, order_id)
    assert made.amount == 86_419_752
    assert figures(factory, voucher_id) == (86_419_752, 86_419_752)
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        assert (order.voucher_id, order.voucher_amount, order.copay_amount) == (
            voucher_id,
            86_419_752,
            37_037_037,
        )
        assert [e.action for e in trail(uow.session, "voucher", voucher_id)][-1] == "voucher_draw"
        assert trail(uow.session, "order", order_id)[-1].changes["voucher_amount"]["new"] == (
            86_419_752
        )
        with pytest.raises(Conflict, match=r"draws on voucher \d+ already"):
            vouchers.draw_for_order(uow, voucher_id, order, "mrna")
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        (seen,) = vouchers.list_draws(uow.session, vouchers.get_voucher(uow.session, voucher_id))
    assert (seen.order_id, seen.amount, seen.released_at) == (order_id, 86_419_752, None)


def test_draws_stop_at_the_voucher_cap_and_at_the_budget(factory) -> None:  # type: ignore[no-untyped-def]
    programme_id = open_programme(factory, budget=150_000_000, per_company_cap=100_000_000)
    alpha = approved_voucher(factory, programme_id)
    assert draw(factory, alpha, make_order(factory)).amount == 70_000_000
    assert draw(factory, alpha, make_order(factory)).amount == 30_000_000  # what the cap leaves
    with pytest.raises(Conflict, match="the voucher has 0 KRW left, the programme 50000000 KRW"):
        draw(factory, alpha, make_order(factory))
    beta = approved_voucher(factory, programme_id, handle="b.sci")
    assert draw(factory, beta, make_order(factory, sponsor="b.sci"), handle="b.sci").amount == (
        50_000_000  # what the budget leaves
    )
    with pytest.raises(Conflict, match="the programme 0 KRW"):
        draw(factory, beta, make_order(factory, sponsor="b.sci"), handle="b.sci")
    assert figures(factory, alpha) == (100_000_000, 150_000_000)
    assert figures(factory, beta) == (50_000_000, 150_000_000)


def test_a_draw_refused_writes_nothing(factory) -> None:  # type: ignore[no-untyped-def]
    programme_id = open_programme(factory)
    voucher_id = approved_voucher(factory, programme_id)
    with pytest.raises(Conflict, match="not covered") as refused:
        draw(
            factory,
            voucher_id,
            make_order(factory, modality="small_molecule"),
            modality="small_molecule",
        )
    assert refused.value.field == "modality"
    with pytest.raises(Conflict, match="the order is in USD") as refused:
        draw(factory, voucher_id, make_order(factory, currency="USD"))
    assert refused.value.field == "currency"
    with pytest.raises(Conflict, match="cancelled"):
        draw(factory, voucher_id, make_order(factory, status="cancelled"))
    with pytest.raises(NotFound):  # Beta cannot see Alpha's voucher at all
        draw(factory, voucher_id, make_order(factory, sponsor="b.sci"), handle="b.sci")
    with UnitOfWork(factory, None, system=True) as uow:
        foreign = uow.session.get(Order, make_order(factory))
    with (
        UnitOfWork(factory, actor_of(factory, "o.admin")) as uow,
        pytest.raises(PermissionDenied, match="only the sponsor"),
    ):
        vouchers.draw_for_order(uow, voucher_id, foreign, "mrna")  # type: ignore[arg-type]
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow:
        pending = rounds.apply(uow, programme_id, APPLICATION)
        uow.commit()
    with pytest.raises(Conflict, match="applied, not approved"):
        draw(factory, pending.id, make_order(factory, sponsor="b.sci"), handle="b.sci")
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        rounds.close_programme(uow, programme_id)
        uow.commit()
    with pytest.raises(Conflict, match="only while it is open"):
        draw(factory, voucher_id, make_order(factory))
    assert figures(factory, voucher_id) == (0, 0)
    with UnitOfWork(factory, None, system=True) as uow:
        assert uow.session.scalars(select(VoucherDraw)).all() == []


def test_a_cancelled_order_gives_its_draw_back_once(factory) -> None:  # type: ignore[no-untyped-def]
    programme_id = open_programme(factory)
    voucher_id = approved_voucher(factory, programme_id)
    kept, cancelled = make_order(factory), make_order(factory, total=10_000_000)
    draw(factory, voucher_id, kept)
    draw(factory, voucher_id, cancelled)
    assert figures(factory, voucher_id) == (77_000_000, 77_000_000)
    sponsor = actor_of(factory, "a.sci")
    with UnitOfWork(factory, sponsor) as uow:
        order = uow.session.get(Order, cancelled)
        assert order is not None
        with pytest.raises(Conflict, match="only a cancelled order"):
            vouchers.release_for_order(uow, order, "not cancelled yet")
        order.status = "cancelled"  # as the order workflow's cancel leaves it
        with pytest.raises(InvalidInput, match="reason"):
            vouchers.release_for_order(uow, order, "")
        released = vouchers.release_for_order(uow, order, "study no longer needed")
        uow.commit()
    assert released.released_at is not None
    assert figures(factory, voucher_id) == (70_000_000, 70_000_000)
    with UnitOfWork(factory, sponsor) as uow:
        order = uow.session.get(Order, cancelled)
        assert order is not None
        with pytest.raises(Conflict, match="released already"):
            vouchers.release_for_order(uow, order, "again")
        (event,) = [e for e in trail(uow.session, "voucher", voucher_id) if "release" in e.action]
    assert event.changes["released"]["new"] == {"order": cancelled, "amount": 7_000_000}
    assert event.reason == "study no longer needed"
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow:
        order = uow.session.get(Order, kept)
        assert order is None  # not Beta's: invisible
    with UnitOfWork(factory, None, system=True) as uow:
        order = uow.session.get(Order, kept)
        assert order is not None
        uow.session.expunge(order)
    order.status = "cancelled"
    with (
        UnitOfWork(factory, actor_of(factory, "b.sci")) as uow,
        pytest.raises(PermissionDenied, match="only a party"),
    ):
        vouchers.release_for_order(uow, order, "not mine")
    # after closing, a release still returns the money to the programme
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        rounds.close_programme(uow, programme_id)
        uow.commit()
    with UnitOfWork(factory, sponsor) as uow:
        mine = uow.session.get(Order, kept)
        assert mine is not None
        mine.status = "cancelled"
        vouchers.release_for_order(uow, mine, "programme closed, order cancelled")
        uow.commit()
    assert figures(factory, voucher_id) == (0, 0)
