"""Provider qualification on SQLite and PostgreSQL: profiles, evidence and who sees it,
the operator's decisions and their audit trail, orderability, expiry flags."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from opencmc.platform import files
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market import catalogue, evidence, qualification
from opencmc.platform.models import AuditEvent, Notification, Organisation
from opencmc.platform.uow import UnitOfWork
from tests.conftest import actor_of
from tests.market.test_catalogue import create, make_provider, publish

TODAY = date.today()
NEXT_YEAR = TODAY + timedelta(days=365)
GMP = {
    "title": "KGMP certificate, biologics DS",
    "kind": "gmp_certificate",
    "issuer": "MFDS",
    "issued_on": "2024-11-01",
    "expires_on": "2026-11-01",
}


def gamma(factory) -> int:  # type: ignore[no-untyped-def]
    return actor_of(factory, "p.sci").organisation_id


def decide(factory, action: str, organisation_id: int, **kw):  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        if action == "qualify":
            kw = {
                "qualified_until": NEXT_YEAR,
                "audit_outcome": "audit passed",
                "reason": "audit",
                **kw,
            }
        profile = getattr(qualification, action)(uow, organisation_id, **kw)
        uow.commit()
        return profile


def add_document(factory, handle: str = "p.sci", **changes):  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, handle)) as uow:
        document = evidence.add_document(uow, {**GMP, **changes})
        uow.commit()
        return document


def profile_events(factory, organisation_id: int) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, None, system=True) as uow:
        profile = qualification.get_profile(uow.session, organisation_id)
        assert profile is not None
        query = select(AuditEvent).where(
            AuditEvent.record_type == "provider_profile", AuditEvent.record_id == profile.id
        )
        return list(uow.session.scalars(query.order_by(AuditEvent.seq)))


def test_profile_is_created_on_first_use_and_only_for_providers(factory) -> None:  # type: ignore[no-untyped-def]
    provider = actor_of(factory, "p.sci")
    with UnitOfWork(factory, provider) as uow:
        assert qualification.get_profile(uow.session, provider.organisation_id) is None
        assert qualification.standing(None) == "applied"
        assert not qualification.is_orderable(uow.session, provider.organisation_id)
        first = qualification.ensure_profile(uow, provider.organisation_id)
        again = qualification.ensure_profile(uow, provider.organisation_id)
        assert first is again and first.status == "applied"
        with pytest.raises(NotFound, match="no provider"):
            qualification.ensure_profile(uow, actor_of(factory, "a.sci").organisation_id)
        uow.commit()
    (event,) = profile_events(factory, provider.organisation_id)
    assert (event.action, event.organisation_id) == ("create", provider.organisation_id)


def test_the_provider_edits_its_profile_with_version_and_reason(factory) -> None:  # type: ignore[no-untyped-def]
    provider = actor_of(factory, "p.sci")
    org = provider.organisation_id
    edit = {"summary": "Biologics CDMO, 2x2000 L", "website": "https://gamma.example.org"}
    with UnitOfWork(factory, provider) as uow:
        for bad, field in (
            ({"website": "gamma.example"}, "website"),
            ({"contact_email": "not-an-address"}, "contact_email"),
            ({"owner": "x"}, "owner"),
        ):
            with pytest.raises(InvalidInput) as refused:
                qualification.update_profile(uow, org, bad, version=1, reason="r")
            assert refused.value.field == field
        with pytest.raises(InvalidInput, match="reason"):
            qualification.update_profile(uow, org, edit, version=1, reason="")
        profile = qualification.update_profile(uow, org, edit, version=1, reason="first profile")
        uow.commit()
    assert (profile.summary, profile.version) == ("Biologics CDMO, 2x2000 L", 2)
    with UnitOfWork(factory, provider) as uow, pytest.raises(Conflict, match="version"):
        qualification.update_profile(uow, org, {"location": "Incheon"}, version=1, reason="r")
    for handle in ("a.sci", "o.admin"):
        with UnitOfWork(factory, actor_of(factory, handle)) as uow, pytest.raises(PermissionDenied):
            qualification.update_profile(uow, org, {"location": "x"}, version=2, reason="r")
    update = profile_events(factory, org)[-1]
    assert (update.action, update.reason) == ("update", "first profile")
    assert update.changes["website"] == {"old": "", "new": "https://gamma.example.org"}


def test_qualify_suspend_and_requalify_each_audited_under_the_provider(factory) -> None:  # type: ignore[no-untyped-def]
    org = gamma(factory)
    qualified = decide(factory, "qualify", org, audit_outcome="GMP audit: no critical findings")
    assert (qualified.status, qualified.qualified_until) == ("qualified", NEXT_YEAR)
    assert qualified.audit_outcome == "GMP audit: no critical findings"
    suspended = decide(factory, "suspend", org, reason="GMP certificate lapsed")
    assert (suspended.status, suspended.status_reason) == ("suspended", "GMP certificate lapsed")
    renewed = decide(factory, "qualify", org, reason="certificate renewed")
    assert renewed.status == "qualified"
    renewal = decide(factory, "qualify", org, qualified_until=NEXT_YEAR + timedelta(days=30))
    assert renewal.qualified_until == NEXT_YEAR + timedelta(days=30)
    trail = profile_events(factory, org)
    assert [e.action for e in trail] == [
        "create",
        "status:qualified",
        "status:suspended",
        "status:qualified",
        "status:qualified",
    ]
    assert {e.organisation_id for e in trail} == {org}
    assert trail[1].user_email == "o.admin@example.org"
    assert trail[1].changes["qualified_until"] == {"old": None, "new": NEXT_YEAR.isoformat()}
    assert trail[2].reason == "GMP certificate lapsed"
    with UnitOfWork(factory, actor_of(factory, "p.sci")) as uow:
        notes = uow.session.scalars(
            select(Notification).where(Notification.kind == "qualification")
        )
        titles = [n.title for n in notes]
    assert len(titles) == 4
    assert "suspended: GMP certificate lapsed" in titles[1]


def test_illegal_decisions_are_conflicts(factory) -> None:  # type: ignore[no-untyped-def]
    org = gamma(factory)
    with pytest.raises(Conflict, match="applied: it cannot become suspended"):
        decide(factory, "suspend", org, reason="r")
    decide(factory, "qualify", org)
    decide(factory, "suspend", org, reason="r")
    with pytest.raises(Conflict, match="suspended: it cannot become suspended"):
        decide(factory, "suspend", org, reason="again")
    with pytest.raises(Conflict, match="version"):
        decide(factory, "qualify", org, version=1)
    assert [e.action for e in profile_events(factory, org)][-1] == "status:suspended"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"qualified_until": "2020-01-01"}, "qualified_until"),
        ({"qualified_until": "next spring"}, "qualified_until"),
        ({"qualified_until": ""}, "qualified_until"),
        ({"audit_outcome": " "}, "audit_outcome"),
        ({"reason": ""}, "reason"),
    ],
)
def test_qualify_names_the_bad_field(factory, change, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        decide(factory, "qualify", gamma(factory), **change)
    assert refused.value.field == field


@pytest.mark.parametrize("handle", ["p.sci", "a.admin"])
def test_only_the_operator_decides(factory, handle) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, handle)) as uow:
        with pytest.raises(PermissionDenied, match="programme office"):
            qualification.qualify(
                uow, gamma(factory), qualified_until=NEXT_YEAR, audit_outcome="x", reason="r"
            )
        with pytest.raises(PermissionDenied, match="programme office"):
            qualification.suspend(uow, gamma(factory), reason="r")


def test_a_suspended_providers_offerings_are_not_orderable(factory) -> None:  # type: ignore[no-untyped-def]
    org = gamma(factory)
    offering = create(factory)
    publish(factory, offering.id)  # an applied provider may publish
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        with pytest.raises(Conflict, match="provider Gamma CDMO is applied: its offerings"):
            qualification.require_orderable(uow.session, org)
        (entry,) = catalogue.search(uow.session, include_instant=False)
        assert (entry.qualification, entry.orderable) == ("applied", False)
        with pytest.raises(NotFound):
            qualification.require_orderable(uow.session, actor_of(factory, "a.sci").organisation_id)
    decide(factory, "qualify", org)
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        qualification.require_orderable(uow.session, org)
        assert qualification.is_orderable(uow.session, org)
        (entry,) = catalogue.search(uow.session, include_instant=False)
        assert entry.orderable
        later = NEXT_YEAR + timedelta(days=1)
        assert not qualification.is_orderable(uow.session, org, today=later)
        with pytest.raises(Conflict, match=f"qualified only until {NEXT_YEAR}"):
            qualification.require_orderable(uow.session, org, today=later)
    decide(factory, "suspend", org, reason="GMP certificate lapsed")
    with UnitOfWork(factory, actor_of(factory, "b.sci")) as uow:
        with pytest.raises(Conflict, match="provider Gamma CDMO is suspended"):
            qualification.require_orderable(uow.session, org)
        (entry,) = catalogue.search(uow.session, include_instant=False)
        assert (entry.qualification, entry.orderable) == ("suspended", False)
        assert catalogue.search(uow.session, include_instant=False, orderable_only=True) == []
        # the offering itself stays published and readable
        assert catalogue.get_offering(uow.session, offering.id).status == "published"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "diploma"}, "kind"),
        ({"title": ""}, "title"),
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"issued_on": "01/11/2024"}, "issued_on"),
        ({"attachment_id": 424242}, "attachment_id"),
        ({"signed_by": "x"}, "signed_by"),
    ],
)
def test_documents_are_validated_naming_the_field(factory, change, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        add_document(factory, **change)
    assert refused.value.field == field


def test_documents_are_seen_by_their_provider_and_operators_only(factory) -> None:  # type: ignore[no-untyped-def]
    document = add_document(factory)
    org = document.organisation_id
    delta = make_provider(factory)
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        assert evidence.get_document(uow.session, document.id).title == GMP["title"]
        assert [d.id for d in evidence.documents_of(uow.session, org)] == [document.id]
    for outsider in (actor_of(factory, "a.sci"), actor_of(factory, "b.admin"), delta):
        with UnitOfWork(factory, outsider) as uow:
            with pytest.raises(NotFound):
                evidence.get_document(uow.session, document.id)
            assert evidence.documents_of(uow.session, org) == []
    with (
        UnitOfWork(factory, actor_of(factory, "a.sci")) as uow,
        pytest.raises(PermissionDenied, match="provider"),
    ):
        evidence.add_document(uow, GMP)


def test_a_document_carries_its_file_and_can_be_archived(factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = files.LocalBlobStore(tmp_path / "blobs")
    provider = actor_of(factory, "p.sci")
    document = add_document(factory)
    with UnitOfWork(factory, provider) as uow:
        attachment = evidence.attach_document_file(
            uow, document.id, store, io.BytesIO(b"%PDF-1.7 cert"), "kgmp.pdf", max_bytes=10_000
        )
        uow.commit()
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        seen = evidence.get_document(uow.session, document.id)
        assert seen.attachment_id == attachment.id
        (listed,) = files.attachments_for(uow.session, seen)
        assert (listed.filename, listed.media_type) == ("kgmp.pdf", "application/pdf")
        with pytest.raises(PermissionDenied):
            evidence.archive_document(uow, document.id, reason="r")
    reused = add_document(factory, title="copy", attachment_id=attachment.id)
    assert reused.attachment_id == attachment.id
    with UnitOfWork(factory, provider) as uow:
        with pytest.raises(InvalidInput, match="reason"):
            evidence.archive_document(uow, document.id, reason="")
        evidence.archive_document(uow, document.id, reason="superseded by 2026 certificate")
        uow.commit()
    with UnitOfWork(factory, provider) as uow:
        with pytest.raises(Conflict, match="archived already"):
            evidence.archive_document(uow, document.id, reason="again")
        assert [d.id for d in evidence.documents_of(uow.session, provider.organisation_id)] == [
            reused.id
        ]


def test_expiring_flags_at_sixty_days_for_operator_and_provider(factory) -> None:  # type: ignore[no-untyped-def]
    soon = add_document(factory, title="soon", expires_on=TODAY + timedelta(days=60))
    add_document(factory, title="later", expires_on=TODAY + timedelta(days=61))
    lapsed = add_document(
        factory, title="lapsed", issued_on="2020-01-01", expires_on=TODAY - timedelta(days=28)
    )
    add_document(factory, title="no expiry", expires_on=None)
    delta = make_provider(factory)
    theirs = add_document(factory, handle="d.sci", expires_on=TODAY + timedelta(days=10))
    decide(factory, "qualify", delta.organisation_id)
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        flags = evidence.expiring(uow.session, today=TODAY)
        wide = evidence.expiring(uow.session, today=TODAY, within_days=400)
        with pytest.raises(InvalidInput) as refused:
            evidence.expiring(uow.session, within_days=-1)
        assert refused.value.field == "within_days"
    assert [(f.kind, f.record_id) for f in flags] == [
        ("document", lapsed.id),
        ("document", theirs.id),
        ("document", soon.id),
    ]
    assert [f.days_left for f in flags] == [-28, 10, 60]
    assert flags[0].expired and not flags[2].expired
    assert flags[0].title == "GMP certificate: lapsed"
    assert flags[0].to_dict()["expires_on"] == (TODAY - timedelta(days=28)).isoformat()
    assert ("qualification", "Delta Labs") in {(f.kind, f.provider_name) for f in wide}
    assert len(wide) == 5
    with UnitOfWork(factory, actor_of(factory, "p.sci")) as uow:
        own = evidence.expiring(uow.session, today=TODAY, within_days=400)
    assert {f.provider_name for f in own} == {"Gamma CDMO"}
    assert len(own) == 3
    with UnitOfWork(factory, actor_of(factory, "d.sci")) as uow:
        own = evidence.expiring(uow.session, today=TODAY, within_days=400)
    assert {(f.kind, f.provider_name) for f in own} == {
        ("document", "Delta Labs"),
        ("qualification", "Delta Labs"),
    }
    with UnitOfWork(factory, actor_of(factory, "a.admin")) as uow:
        assert evidence.expiring(uow.session, today=TODAY, within_days=3650) == []
    with UnitOfWork(factory, actor_of(factory, "p.sci")) as uow:
        evidence.archive_document(uow, lapsed.id, reason="renewed")
        uow.commit()
    with UnitOfWork(factory, actor_of(factory, "o.admin")) as uow:
        assert lapsed.id not in {f.record_id for f in evidence.expiring(uow.session, today=TODAY)}


def _inbox(factory, handle: str) -> list[Notification]:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, handle)) as uow:
        query = select(Notification).where(Notification.kind.like("qualification_%"))
        return list(uow.session.scalars(query.order_by(Notification.id)))


def test_flag_expiring_notifies_provider_and_operators_once(factory) -> None:  # type: ignore[no-untyped-def]
    document = add_document(factory, expires_on=TODAY + timedelta(days=30))
    with UnitOfWork(factory, None, system=True) as uow:
        second_office = Organisation(name="Second Office", kind="operator")
        uow.session.add(second_office)
        uow.commit()
    with UnitOfWork(factory, None, system=True) as uow:
        assert evidence.flag_expiring(uow, today=TODAY) == 3
        assert evidence.flag_expiring(uow, today=TODAY) == 0
        assert evidence.flag_expiring(uow, today=TODAY + timedelta(days=10)) == 0
        uow.commit()
    (provider_note,) = _inbox(factory, "p.sci")
    (operator_note,) = _inbox(factory, "o.admin")
    assert provider_note.dedupe_key == f"qualdoc:{document.id}:expiring:{document.organisation_id}"
    assert provider_note.link == f"/market/providers/{document.organisation_id}"
    assert operator_note.link == "/market/qualification"
    assert "Gamma CDMO: GMP certificate: KGMP certificate" in operator_note.title
    assert f"expires on {TODAY + timedelta(days=30)}" in operator_note.title
    assert _inbox(factory, "a.admin") == []
    with UnitOfWork(factory, None, system=True) as uow:
        assert evidence.flag_expiring(uow, today=TODAY + timedelta(days=31)) == 3
        uow.commit()
    expired = _inbox(factory, "p.sci")[-1]
    assert expired.kind == "qualification_expired"
    assert "expired on" in expired.title
