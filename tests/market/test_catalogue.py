"""The catalogue on SQLite and PostgreSQL: offering workflows and their audit events,
validation naming the field, visibility of drafts, search filters, instant services and
the offerings a package line may use."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from opencmc.knowledge import Modality, Stage, load_knowledge
from opencmc.platform import accounts
from opencmc.platform.actor import Actor
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market import catalogue, qualification
from opencmc.platform.models import AuditEvent, Offering
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PASSWORD, actor_of

OFFERING: dict[str, Any] = {
    "title": "ICH stability study, biologics, 2-8 C / 25 C / 40 C",
    "category": "stability_study",
    "description": "Long-term and accelerated storage, pulls and testing per ICH Q5C.",
    "modalities": ["monoclonal_antibody", "therapeutic_protein"],
    "stages": ["non_clinical", "phase_1", "phase_2"],
    "compliance": "gmp",
    "capacity": "40 batches a year",
    "lead_time_weeks": 4,
    "price_min": 30_000_000,
    "price_max": 60_000_000,
    "deliverables": "Pull results per time point, stability report",
    "activity_ids": ["stability_drug_substance_clinical", "stability_drug_product_clinical"],
}
CELL_LINE: dict[str, Any] = {
    "title": "CHO cell line development and research cell bank",
    "category": "cell_line_development",
    "modalities": ["monoclonal_antibody"],
    "stages": ["candidate_optimisation", "process_development"],
    "compliance": "none",
    "lead_time_weeks": 20,
    "price_min": 150_000_000,
    "price_max": 250_000_000,
    "activity_ids": ["cell_line_development"],
}
LNP: dict[str, Any] = {
    "title": "LNP formulation development",
    "category": "formulation_development",
    "modalities": ["mrna"],
    "stages": ["process_development"],
    "compliance": "glp",
    "lead_time_weeks": 12,
    "price_min": 80_000_000,
    "price_max": 80_000_000,
    "activity_ids": ["lnp_formulation_development"],
}


def make_provider(factory, name: str = "Delta Labs", handle: str = "d.sci") -> Actor:  # type: ignore[no-untyped-def]
    """A second provider organisation with one scientist."""
    with UnitOfWork(factory, None, system=True) as uow:
        org = accounts.create_organisation(uow, name, "provider")
        accounts.create_user(
            uow,
            email=f"{handle}@example.org",
            full_name=handle,
            password=PASSWORD,
            organisation=org,
            role="scientist",
        )
        uow.commit()
    return actor_of(factory, handle)


def create(factory, data: dict[str, Any] | None = None, actor: Actor | None = None) -> Offering:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor or actor_of(factory, "p.sci")) as uow:
        offering = catalogue.create_offering(uow, dict(data or OFFERING))
        uow.commit()
        return offering


def publish(factory, offering_id: int, actor: Actor | None = None) -> Offering:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor or actor_of(factory, "p.sci")) as uow:
        offering = catalogue.publish_offering(uow, offering_id)
        uow.commit()
        return offering


def qualify(factory, organisation_id: int, days: int = 365) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        qualification.qualify(
            uow,
            organisation_id,
            qualified_until=date.today() + timedelta(days=days),
            audit_outcome="GMP audit passed, two minor findings closed",
            reason="on-site audit",
        )
        uow.commit()


def events(factory, offering_id: int) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, None, system=True) as uow:
        query = select(AuditEvent).where(
            AuditEvent.record_type == "offering", AuditEvent.record_id == offering_id
        )
        return list(uow.session.scalars(query.order_by(AuditEvent.seq)))


def count_offerings(factory) -> int:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, None, system=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(Offering)) or 0


def test_a_provider_drafts_an_offering_with_its_audit_event(factory) -> None:  # type: ignore[no-untyped-def]
    offering = create(factory)
    assert (offering.status, offering.version) == ("draft", 1)
    assert offering.modalities == ["monoclonal_antibody", "therapeutic_protein"]
    (event,) = events(factory, offering.id)
    assert event.action == "create"
    assert event.user_email == "p.sci@example.org"
    assert event.changes["status"] == {"old": None, "new": "draft"}
    assert event.changes["price_max"] == {"old": None, "new": 60_000_000}
    provider = actor_of(factory, "p.sci")
    with UnitOfWork(factory, provider) as uow:
        profile = qualification.get_profile(uow.session, provider.organisation_id)
    assert profile is not None and profile.status == "applied"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "  "}, "title"),
        ({"category": "catering"}, "category"),
        ({"modalities": ["vaccine"]}, "modalities"),
        ({"modalities": []}, "modalities"),
        ({"modalities": "monoclonal_antibody"}, "modalities"),
        ({"stages": ["phase_4"]}, "stages"),
        ({"stages": []}, "stages"),
        ({"compliance": "iso"}, "compliance"),
        ({"lead_time_weeks": 521}, "lead_time_weeks"),
        ({"lead_time_weeks": -1}, "lead_time_weeks"),
        ({"lead_time_weeks": 2.5}, "lead_time_weeks"),
        ({"lead_time_weeks": True}, "lead_time_weeks"),
        ({"price_min": -1}, "price_min"),
        ({"price_min": 70_000_000}, "price_max"),
        ({"currency": "KR"}, "currency"),
        ({"currency": "K1W"}, "currency"),
        ({"activity_ids": ["teleportation"]}, "activity_ids"),
        ({"activity_ids": ["lnp_formulation_development"]}, "activity_ids"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_invalid_offerings_are_refused_naming_the_field(factory, change, field) -> None:  # type: ignore[no-untyped-def]
    before = count_offerings(factory)
    with (
        UnitOfWork(factory, actor_of(factory, "p.sci")) as uow,
        pytest.raises(InvalidInput) as refused,
    ):
        catalogue.create_offering(uow, {**OFFERING, **change})
    assert refused.value.field == field
    assert refused.value.message.startswith(field)
    assert count_offerings(factory) == before


def test_an_activity_must_apply_to_one_of_the_modalities(factory) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "p.sci")) as uow:
        with pytest.raises(InvalidInput, match=r"LNP formulation.*monoclonal_antibody"):
            catalogue.create_offering(uow, {**LNP, "modalities": ["monoclonal_antibody"]})
        offering = catalogue.create_offering(uow, {**LNP, "modalities": ["mrna", "sirna"]})
    assert offering.activity_ids == ["lnp_formulation_development"]


def test_form_strings_are_read_as_numbers(factory) -> None:  # type: ignore[no-untyped-def]
    data = {**OFFERING, "lead_time_weeks": "6", "price_min": "1,000,000", "price_max": "2000000"}
    offering = create(factory, {**data, "currency": "usd"})
    assert (offering.lead_time_weeks, offering.price_min, offering.price_max) == (
        6,
        1_000_000,
        2_000_000,
    )
    assert offering.currency == "USD"


@pytest.mark.parametrize("handle", ["a.sci", "b.admin", "o.admin"])
def test_only_providers_offer_services(factory, handle) -> None:  # type: ignore[no-untyped-def]
    with (
        UnitOfWork(factory, actor_of(factory, handle)) as uow,
        pytest.raises(PermissionDenied, match="provider"),
    ):
        catalogue.create_offering(uow, OFFERING)


def test_lifecycle_publish_withdraw_republish_each_audited(factory) -> None:  # type: ignore[no-untyped-def]
    provider = actor_of(factory, "p.sci")
    offering = create(factory)
    published = publish(factory, offering.id)
    assert (published.status, published.version) == ("published", 2)
    with UnitOfWork(factory, provider) as uow:
        with pytest.raises(InvalidInput, match="reason"):
            catalogue.withdraw_offering(uow, offering.id, reason=" ")
        withdrawn = catalogue.withdraw_offering(
            uow, offering.id, reason="capacity full until June", version=2
        )
        uow.commit()
    assert withdrawn.status == "withdrawn"
    with UnitOfWork(factory, provider) as uow:
        again = catalogue.publish_offering(uow, offering.id, reason="capacity back")
        uow.commit()
    assert again.status == "published"
    trail = events(factory, offering.id)
    assert [e.action for e in trail] == [
        "create",
        "status:published",
        "status:withdrawn",
        "status:published",
    ]
    assert trail[2].changes["status"] == {"old": "published", "new": "withdrawn"}
    assert trail[2].reason == "capacity full until June"
    assert trail[3].reason == "capacity back"


def test_illegal_transitions_are_conflicts(factory) -> None:  # type: ignore[no-untyped-def]
    provider = actor_of(factory, "p.sci")
    offering = create(factory)
    with (
        UnitOfWork(factory, provider) as uow,
        pytest.raises(Conflict, match="draft: it cannot become withdrawn"),
    ):
        catalogue.withdraw_offering(uow, offering.id, reason="r")
    publish(factory, offering.id)
    with UnitOfWork(factory, provider) as uow:
        with pytest.raises(Conflict, match="published: it cannot become published"):
            catalogue.publish_offering(uow, offering.id)
        catalogue.withdraw_offering(uow, offering.id, reason="r")
        uow.commit()
    with (
        UnitOfWork(factory, provider) as uow,
        pytest.raises(Conflict, match="withdrawn: it cannot become withdrawn"),
    ):
        catalogue.withdraw_offering(uow, offering.id, reason="again")
    with (
        UnitOfWork(factory, provider) as uow,
        pytest.raises(Conflict, match=r"version 1.*version 3"),
    ):
        catalogue.publish_offering(uow, offering.id, version=1)
    assert len(events(factory, offering.id)) == 3


def test_edit_needs_the_current_version_and_a_reason(factory) -> None:  # type: ignore[no-untyped-def]
    provider = actor_of(factory, "p.sci")
    offering = create(factory)
    with UnitOfWork(factory, provider) as uow:
        with pytest.raises(InvalidInput, match="reason"):
            catalogue.update_offering(
                uow, offering.id, {"lead_time_weeks": 6}, version=1, reason=""
            )
        with pytest.raises(InvalidInput, match="version"):
            catalogue.update_offering(
                uow, offering.id, {"lead_time_weeks": 6}, version=None, reason="r"
            )
        with pytest.raises(InvalidInput, match="nothing to change"):
            catalogue.update_offering(
                uow, offering.id, {"lead_time_weeks": 4}, version=1, reason="r"
            )
        with pytest.raises(InvalidInput) as refused:
            catalogue.update_offering(uow, offering.id, {"price_max": 1}, version=1, reason="r")
        assert refused.value.field == "price_max"
        edited = catalogue.update_offering(
            uow,
            offering.id,
            {"lead_time_weeks": 6, "compliance": "glp"},
            version=1,
            reason="new site",
        )
        uow.commit()
    assert (edited.version, edited.lead_time_weeks) == (2, 6)
    with (
        UnitOfWork(factory, provider) as uow,
        pytest.raises(Conflict, match=r"version 1.*version 2"),
    ):
        catalogue.update_offering(uow, offering.id, {"lead_time_weeks": 8}, version=1, reason="r")
    update = events(factory, offering.id)[-1]
    assert update.action == "update"
    assert update.reason == "new site"
    assert update.changes == {
        "compliance": {"old": "gmp", "new": "glp"},
        "lead_time_weeks": {"old": 4, "new": 6},
    }


def test_a_draft_is_invisible_to_everyone_else(factory) -> None:  # type: ignore[no-untyped-def]
    offering = create(factory)
    other_provider = make_provider(factory)
    for actor in (actor_of(factory, "a.sci"), actor_of(factory, "o.admin"), other_provider):
        with UnitOfWork(factory, actor) as uow:
            with pytest.raises(NotFound):
                catalogue.get_offering(uow.session, offering.id)
            assert catalogue.offerings_of(uow.session, offering.organisation_id) == []
    publish(factory, offering.id)
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        assert catalogue.get_offering(uow.session, offering.id).title == OFFERING["title"]


def test_only_the_owning_provider_changes_a_published_offering(factory) -> None:  # type: ignore[no-untyped-def]
    offering = create(factory)
    publish(factory, offering.id)
    for actor in (actor_of(factory, "a.sci"), make_provider(factory)):
        with UnitOfWork(factory, actor) as uow:
            with pytest.raises(PermissionDenied):
                catalogue.update_offering(
                    uow, offering.id, {"title": "hijack"}, version=2, reason="r"
                )
            with pytest.raises(PermissionDenied):
                catalogue.withdraw_offering(uow, offering.id, reason="r")


def _titles(factory, handle: str = "a.sci", **filters) -> list[str]:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, handle)) as uow:
        entries = catalogue.search(uow.session, include_instant=False, **filters)
    return [e.title for e in entries]


def test_search_filters(factory) -> None:  # type: ignore[no-untyped-def]
    delta = make_provider(factory)
    stability = create(factory, OFFERING)
    cell_line = create(factory, CELL_LINE)
    lnp = create(factory, LNP, actor=delta)
    create(factory, {**OFFERING, "title": "Draft nobody sees"})
    for offering in (stability, cell_line):
        publish(factory, offering.id)
    publish(factory, lnp.id, actor=delta)

    assert sorted(_titles(factory)) == sorted(o.title for o in (stability, cell_line, lnp))
    assert _titles(factory, text="STABILITY") == [stability.title]
    assert _titles(factory, text="delta") == [lnp.title]  # the provider's name
    assert _titles(factory, text="fill-finish") == []
    assert _titles(factory, text="50%_") == []
    assert _titles(factory, modality="mrna") == [lnp.title]
    assert sorted(_titles(factory, modality="monoclonal_antibody")) == sorted(
        [stability.title, cell_line.title]
    )
    assert _titles(factory, stage="candidate_optimisation") == [cell_line.title]
    assert _titles(factory, category="formulation_development") == [lnp.title]
    assert _titles(factory, compliance="gmp") == [stability.title]
    assert _titles(factory, compliance="glp") == [lnp.title]
    assert _titles(factory, max_lead_time_weeks=12) == [stability.title, lnp.title]
    assert _titles(factory, max_lead_time_weeks=3) == []
    assert _titles(factory, orderable_only=True) == []
    qualify(factory, delta.organisation_id)
    assert _titles(factory, orderable_only=True) == [lnp.title]
    # qualified providers first, then by lead time
    assert _titles(factory) == [lnp.title, stability.title, cell_line.title]
    assert _titles(factory, limit=1, offset=1) == [stability.title]
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow:
        (entry,) = catalogue.search(uow.session, modality="mrna", include_instant=False)
    assert entry.provider_name == "Delta Labs"
    assert (entry.qualification, entry.orderable, entry.instant) == ("qualified", True, False)
    assert entry.to_dict()["category_label"] == "Formulation development"
    assert entry.link == f"/market/offerings/{lnp.id}"


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"modality": "vaccine"}, "modality"),
        ({"stage": "phase_4"}, "stage"),
        ({"category": "x"}, "category"),
        ({"compliance": "iso"}, "compliance"),
        ({"max_lead_time_weeks": -1}, "max_lead_time_weeks"),
        ({"limit": 0}, "limit"),
    ],
)
def test_search_names_a_bad_filter(factory, filters, field) -> None:  # type: ignore[no-untyped-def]
    with (
        UnitOfWork(factory, actor_of(factory, "a.sci")) as uow,
        pytest.raises(InvalidInput) as refused,
    ):
        catalogue.search(uow.session, **filters)
    assert refused.value.field == field


def test_instant_services_are_listed_first_and_filtered(factory) -> None:  # type: ignore[no-untyped-def]
    stability = create(factory)
    publish(factory, stability.id)
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        everything = catalogue.search(uow.session)
        shelf = catalogue.search(uow.session, text="shelf life")
        antibody = catalogue.search(uow.session, modality="monoclonal_antibody")
        mrna = catalogue.search(uow.session, modality="mrna", category="in_silico_assessment")
        gmp = catalogue.search(uow.session, compliance="gmp")
        page = catalogue.search(uow.session, limit=2, offset=len(catalogue.INSTANT_SERVICES) - 1)
    assert [e.instant for e in everything] == [True] * len(catalogue.INSTANT_SERVICES) + [False]
    assert [e.link for e in shelf] == ["/tools/stability"]
    assert shelf[0].to_dict()["lead_time_weeks"] is None
    assert (shelf[0].price_max, shelf[0].category) == (0, "in_silico_assessment")
    assert "/tools/antibody" in {e.link for e in antibody}
    assert "/tools/mrna" not in {e.link for e in antibody}
    assert {e.link for e in mrna} >= {"/tools/mrna", "/tools/stability"}
    assert all(e.instant for e in mrna)
    assert [e.title for e in gmp] == [stability.title]
    assert [e.link for e in page] == ["/tools/calculators", f"/market/offerings/{stability.id}"]


def test_instant_services_match_the_tools_index() -> None:
    from opencmc.web.pages.calculators import TOOLS

    assert {s.href for s in catalogue.INSTANT_SERVICES} == {t.href for t in TOOLS}
    activities = load_knowledge().activities
    for service in catalogue.INSTANT_SERVICES:
        assert set(service.modalities) <= {m.value for m in Modality}, service.href
        for activity_id in service.activity_ids:
            assert activity_id in activities, (service.href, activity_id)
    assert {s.value for s in Stage} == set(catalogue.instant_services()[0].stages)


def test_offerings_for_activity_only_from_qualified_providers(factory) -> None:  # type: ignore[no-untyped-def]
    delta = make_provider(factory)
    gamma_offering = create(factory)
    delta_offering = create(factory, {**OFFERING, "lead_time_weeks": 2}, actor=delta)
    create(factory, {**OFFERING, "title": "still a draft"}, actor=delta)
    publish(factory, gamma_offering.id)
    publish(factory, delta_offering.id, actor=delta)

    def found(modality: str = "monoclonal_antibody") -> list[int]:
        with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
            offerings = catalogue.offerings_for_activity(
                uow.session, "stability_drug_substance_clinical", modality
            )
        return [o.id for o in offerings]

    assert found() == []
    qualify(factory, delta.organisation_id)
    gamma = actor_of(factory, "p.sci").organisation_id
    qualify(factory, gamma)
    assert found() == [delta_offering.id, gamma_offering.id]  # quickest first
    assert found("mrna") == []
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        qualification.suspend(uow, gamma, reason="GMP certificate lapsed")
        uow.commit()
    assert found() == [delta_offering.id]
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        with pytest.raises(InvalidInput) as refused:
            catalogue.offerings_for_activity(uow.session, "nothing", "mrna")
        assert refused.value.field == "activity_id"
        with pytest.raises(InvalidInput) as refused:
            catalogue.offerings_for_activity(uow.session, "cell_line_development", "vaccine")
        assert refused.value.field == "modality"
        # a qualification past its end date no longer counts
        later = date.today() + timedelta(days=400)
        assert (
            catalogue.offerings_for_activity(
                uow.session, "stability_drug_substance_clinical", "monoclonal_antibody", today=later
            )
            == []
        )
