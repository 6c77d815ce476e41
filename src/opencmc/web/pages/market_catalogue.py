"""Catalogue and qualification pages: search the catalogue, read an offering, a provider's
profile; a provider's own offerings and evidence; the programme office's qualification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from opencmc.knowledge import load_knowledge
from opencmc.platform import audit
from opencmc.platform.errors import InvalidInput
from opencmc.platform.market import catalogue, evidence, qualification
from opencmc.platform.market.workflow import party_trail
from opencmc.platform.models import Offering
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentPageUow
from opencmc.web.state import app_state
from opencmc.web.templating import form_outcome, render

router = APIRouter(prefix="/market")

_TEXT_FIELDS = ("title", "category", "description", "compliance", "capacity", "currency")
_NUMBER_FIELDS = ("lead_time_weeks", "price_min", "price_max")


def _labels() -> dict[str, Any]:
    """What every catalogue template needs to name categories, compliance and evidence."""
    activities = sorted(load_knowledge().activities.values(), key=lambda a: a.title)
    return {
        "categories": catalogue.CATEGORIES,
        "compliance": catalogue.COMPLIANCE,
        "document_kinds": evidence.DOCUMENT_KINDS,
        "activities": activities,
    }


def _offering_data(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {f: str(form.get(f, "")) for f in (*_TEXT_FIELDS, *_NUMBER_FIELDS)}
    data["deliverables"] = str(form.get("deliverables", ""))
    for field in ("modalities", "stages", "activity_ids"):
        data[field] = [str(v) for v in form.getlist(field)]
    return data


def _version(form: FormData) -> int | None:
    raw = str(form.get("version", "")).strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput(f"version: {raw!r} is not a version number", field="version")
    return int(raw)


@router.get("")
def catalogue_page(
    request: Request,
    text: str = "",
    modality: str = "",
    stage: str = "",
    category: str = "",
    compliance: str = "",
    max_lead_time_weeks: str = "",
    orderable_only: str = "",
    uow: UnitOfWork = CurrentPageUow,
) -> Response:
    """The catalogue with its filters; OpenCMC's instant services first."""
    filters = {
        "text": text,
        "modality": modality,
        "stage": stage,
        "category": category,
        "compliance": compliance,
        "max_lead_time_weeks": max_lead_time_weeks,
        "orderable_only": orderable_only,
    }
    context: dict[str, Any] = {"filters": filters, "instant": [], "offerings": [], **_labels()}
    try:
        lead = max_lead_time_weeks.strip()
        entries = catalogue.search(
            uow.session,
            text=text,
            modality=modality or None,
            stage=stage or None,
            category=category or None,
            compliance=compliance or None,
            max_lead_time_weeks=(
                catalogue.whole_number(lead, "max_lead_time_weeks", low=0) if lead else None
            ),
            orderable_only=bool(orderable_only),
            limit=200,
        )
    except InvalidInput as error:
        context["error"] = error
        return render(request, "market/catalogue/search.html", context, status_code=422)
    context["instant"] = [e for e in entries if e.instant]
    context["offerings"] = [e for e in entries if not e.instant]
    return render(request, "market/catalogue/search.html", context)


@router.get("/offerings/{offering_id}")
def offering_page(request: Request, offering_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    offering = catalogue.get_offering(uow.session, offering_id)
    provider = qualification.provider_organisation(uow.session, offering.organisation_id)
    profile = qualification.get_profile(uow.session, provider.id)
    actor = uow.require_actor()
    owner = actor.organisation_id == offering.organisation_id
    known = load_knowledge().activities
    context = {
        "offering": offering,
        "provider": provider,
        "standing": qualification.standing(profile),
        "owner": owner,
        "values": {f: getattr(offering, f) for f in Offering.EDITABLE},
        "fulfils": [known[a] for a in offering.activity_ids if a in known],
        "trail": audit.trail(uow.session, offering.entity_type, offering.id) if owner else [],
        **_labels(),
    }
    return render(request, "market/catalogue/offering.html", context)


@router.get("/my-offerings")
def my_offerings(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """A provider's offerings in every state, with the form for a new one."""
    actor = uow.require_actor()
    mine = (
        catalogue.offerings_of(uow.session, actor.organisation_id)
        if actor.organisation_kind == "provider"
        else []
    )
    context = {"mine": mine, "values": {"currency": "KRW", "compliance": "none"}, **_labels()}
    return render(request, "market/catalogue/mine.html", context)


@router.post("/offerings")
async def create_offering(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    return form_outcome(
        request,
        uow,
        lambda: catalogue.create_offering(uow, _offering_data(form)),
        back="/market/my-offerings",
        failed="Offering not created",
        success=lambda o: f"/market/offerings/{o.id}",
        done="Offering drafted: publish it when it is ready.",
    )


@router.post("/offerings/{offering_id}/edit")
async def edit_offering(
    request: Request, offering_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    catalogue.get_offering(uow.session, offering_id)  # a foreign draft stays a 404
    here = f"/market/offerings/{offering_id}"
    return form_outcome(
        request,
        uow,
        lambda: catalogue.update_offering(
            uow,
            offering_id,
            _offering_data(form),
            version=_version(form),
            reason=str(form.get("reason", "")),
        ),
        back=here,
        failed="Not saved",
        success=here,
        done="Offering saved.",
    )


async def _move(
    request: Request, uow: UnitOfWork, offering_id: int, move: Any, failed: str
) -> Response:
    form = await request.form()
    catalogue.get_offering(uow.session, offering_id)  # a foreign draft stays a 404
    here = f"/market/offerings/{offering_id}"
    return form_outcome(
        request,
        uow,
        lambda: move(uow, offering_id, version=_version(form), reason=str(form.get("reason", ""))),
        back=here,
        failed=failed,
        success=here,
        done=lambda o: f"Offering {o.status}.",
    )


@router.post("/offerings/{offering_id}/publish")
async def publish_offering(
    request: Request, offering_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    """Draft or withdrawn -> published."""
    return await _move(request, uow, offering_id, catalogue.publish_offering, "Not published")


@router.post("/offerings/{offering_id}/withdraw")
async def withdraw_offering(
    request: Request, offering_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    """Published -> withdrawn, with a reason."""
    return await _move(request, uow, offering_id, catalogue.withdraw_offering, "Not withdrawn")


@router.get("/providers/{organisation_id}")
def provider_page(
    request: Request, organisation_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    """A provider's profile and offerings; its evidence for itself and operators only."""
    actor = uow.require_actor()
    provider = qualification.provider_organisation(uow.session, organisation_id)
    profile = qualification.get_profile(uow.session, organisation_id)
    is_self = actor.organisation_id == organisation_id
    sees_evidence = is_self or actor.is_operator
    context = {
        "provider": provider,
        "profile": profile,
        "standing": qualification.standing(profile),
        "is_self": is_self,
        "sees_evidence": sees_evidence,
        "offerings": catalogue.offerings_of(uow.session, organisation_id),
        "documents": evidence.documents_of(uow.session, organisation_id) if sees_evidence else [],
        "trail": party_trail(uow.session, profile) if profile and sees_evidence else [],
        "today": qualification.today_utc(),
        **_labels(),
    }
    return render(request, "market/catalogue/provider.html", context)


@router.post("/providers/{organisation_id}/profile")
async def edit_profile(
    request: Request, organisation_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    qualification.provider_organisation(uow.session, organisation_id)
    here = f"/market/providers/{organisation_id}"
    data = {f: str(form.get(f, "")) for f in qualification.PROFILE_FIELDS}
    return form_outcome(
        request,
        uow,
        lambda: qualification.update_profile(
            uow, organisation_id, data, version=_version(form), reason=str(form.get("reason", ""))
        ),
        back=here,
        failed="Profile not saved",
        success=here,
        done="Profile saved.",
    )


async def _decide(request: Request, uow: UnitOfWork, organisation_id: int, run: Any) -> Response:
    form = await request.form()
    qualification.provider_organisation(uow.session, organisation_id)
    return form_outcome(
        request,
        uow,
        lambda: run(form),
        back="/market/qualification",
        failed="Not changed",
        success="/market/qualification",
        done=lambda p: f"Provider {p.organisation_id} is now {p.status}.",
    )


@router.post("/providers/{organisation_id}/qualify")
async def qualify_provider(
    request: Request, organisation_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    """The programme office qualifies (or renews) a provider until a date."""
    return await _decide(
        request,
        uow,
        organisation_id,
        lambda form: qualification.qualify(
            uow,
            organisation_id,
            qualified_until=str(form.get("qualified_until", "")),
            audit_outcome=str(form.get("audit_outcome", "")),
            reason=str(form.get("reason", "")),
            version=_version(form),
        ),
    )


@router.post("/providers/{organisation_id}/suspend")
async def suspend_provider(
    request: Request, organisation_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    """The programme office suspends a provider: new orders stop, running ones go on."""
    return await _decide(
        request,
        uow,
        organisation_id,
        lambda form: qualification.suspend(
            uow, organisation_id, reason=str(form.get("reason", "")), version=_version(form)
        ),
    )


@router.post("/documents")
async def add_document(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """A provider files a document, with the certificate's file if one is chosen."""
    form = await request.form()
    upload = form.get("file")
    actor = uow.require_actor()
    here = f"/market/providers/{actor.organisation_id}"
    fields = ("title", "kind", "issuer", "issued_on", "expires_on")
    data = {f: str(form.get(f, "")) for f in fields}

    def run() -> Any:
        document = evidence.add_document(uow, data)
        if isinstance(upload, UploadFile) and upload.filename:
            state = app_state(request)
            evidence.attach_document_file(
                uow,
                document.id,
                state.store,
                upload.file,
                upload.filename,
                max_bytes=state.settings.max_upload_bytes,
            )
        return document

    return form_outcome(
        request, uow, run, back=here, failed="Document not added", success=here, done="Added."
    )


@router.post("/documents/{document_id}/archive")
async def archive_document(
    request: Request, document_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    document = evidence.get_document(uow.session, document_id)
    here = f"/market/providers/{document.organisation_id}"
    return form_outcome(
        request,
        uow,
        lambda: evidence.archive_document(uow, document_id, reason=str(form.get("reason", ""))),
        back=here,
        failed="Not archived",
        success=here,
        done="Document archived.",
    )


@router.get("/qualification")
def qualification_page(
    request: Request, within_days: int = 60, uow: UnitOfWork = CurrentPageUow
) -> Response:
    """Every provider with its standing; evidence and expiry flags for the programme office
    (a provider sees its own); the qualify and suspend forms for the programme office."""
    actor = uow.require_actor()
    context = {
        "providers": evidence.providers(uow.session),
        "flags": evidence.expiring(uow.session, within_days=within_days),
        "within_days": within_days,
        "today": qualification.today_utc(),
        "may_decide": actor.is_operator and actor.can("write"),
        **_labels(),
    }
    return render(request, "market/catalogue/qualification.html", context)
