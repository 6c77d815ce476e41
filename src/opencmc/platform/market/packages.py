"""The one-stop package: a program's roadmap gaps matched with qualified offerings,
sequenced on the roadmap's schedule, sent as requests at once and followed as one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform import validation as check
from opencmc.platform.audit import record_creation
from opencmc.platform.errors import InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market import catalogue
from opencmc.platform.market.orders import milestones_of, order_for_request
from opencmc.platform.market.requests import quotes_of, recipients_of, send_request
from opencmc.platform.models import Offering, ServicePackage, ServiceRequest
from opencmc.platform.programs import get_program
from opencmc.platform.readiness import program_readiness
from opencmc.platform.uow import UnitOfWork


@dataclass(frozen=True)
class ProposedLine:
    """One gap: the activity, when it falls on the roadmap, and the offerings that fit."""

    activity_id: str
    title: str
    start_week: float
    finish_week: float
    critical: bool
    estimate: dict[str, Any]
    offerings: list[Offering]

    def to_dict(self) -> dict[str, Any]:
        return {
            "activity_id": self.activity_id,
            "title": self.title,
            "start_week": self.start_week,
            "finish_week": self.finish_week,
            "critical": self.critical,
            "estimate": self.estimate,
            "offerings": [
                {
                    "id": o.id,
                    "title": o.title,
                    "provider_organisation_id": o.organisation_id,
                    "category": o.category,
                    "lead_time_weeks": o.lead_time_weeks,
                    "price_min": o.price_min,
                    "price_max": o.price_max,
                    "currency": o.currency,
                    "compliance": o.compliance,
                }
                for o in self.offerings
            ],
        }


def propose_package(session: Session, program_id: int) -> dict[str, Any]:
    """For each open gap of the program's roadmap: the qualified offerings that fulfil it,
    in schedule order, with the combined timeline and the cost range of the cheapest
    offerings (or the knowledge base's estimate where no offering fits)."""
    readiness = program_readiness(session, program_id)
    roadmap = readiness.roadmap
    modality = roadmap.modality.value
    lines: list[ProposedLine] = []
    low = high = 0.0
    for gap in readiness.readiness.service_requests():
        item = roadmap.item(gap.activity_id)
        offerings = catalogue.offerings_for_activity(session, gap.activity_id, modality)
        offerings.sort(key=lambda o: (o.price_min, o.lead_time_weeks))
        lines.append(
            ProposedLine(
                activity_id=gap.activity_id,
                title=gap.title,
                start_week=item.earliest_start_weeks,
                finish_week=item.earliest_finish_weeks,
                critical=item.critical,
                estimate={
                    "duration_weeks": list(gap.duration_weeks),
                    "cost": gap.cost.to_dict(),
                },
                offerings=offerings,
            )
        )
        if offerings:
            low += min(o.price_min for o in offerings)
            high += min(o.price_max for o in offerings)
        else:
            low += gap.cost.min
            high += gap.cost.max
    lines.sort(key=lambda line: (line.start_week, line.activity_id))
    return {
        "program_id": program_id,
        "target": roadmap.target.value,
        "lines": [line.to_dict() for line in lines],
        "covered": sum(1 for line in lines if line.offerings),
        "uncovered": [line.activity_id for line in lines if not line.offerings],
        "timeline_weeks": max((line.finish_week for line in lines), default=0.0),
        "cost_range": {"min": low, "max": high, "currency": "KRW"},
    }


def send_package(
    uow: UnitOfWork,
    program_id: int,
    *,
    title: str,
    lines: list[dict[str, Any]],
    start: date | None = None,
) -> ServicePackage:
    """Send every line as a request at once: ``{"activity_id", "offering_ids", "scope"}``
    each; desired dates follow the roadmap schedule from ``start`` (today by default).
    All or nothing: one bad line and no request is sent."""
    actor = uow.require_actor()
    session = uow.session
    program = get_program(session, program_id)
    actor.require("write", "send packages")
    if program.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the program's owner sends its package")
    if not lines:
        raise InvalidInput("lines: choose at least one gap to request", field="lines")
    proposal = {line["activity_id"]: line for line in propose_package(session, program_id)["lines"]}
    package = ServicePackage(
        organisation_id=program.organisation_id,
        program_id=program.id,
        title=check.text(title, "title", max_length=200),
        target_milestone=program.target_milestone,
        created_by_id=actor.user_id,
    )
    record_creation(
        session,
        actor,
        package,
        {"title": package.title, "activities": [x.get("activity_id") for x in lines]},
    )
    start = start or date.today()
    for number, line in enumerate(lines, start=1):
        where = f"lines[{number}]"
        gap = proposal.get(str(line.get("activity_id")))
        if gap is None:
            raise InvalidInput(
                f"{where}.activity_id: {line.get('activity_id')!r} is not an open gap of "
                f"program {program.id}",
                field="lines",
            )
        offering_ids = [int(i) for i in line.get("offering_ids") or []]
        if not offering_ids:
            raise InvalidInput(f"{where}.offering_ids: choose at least one offering", field="lines")
        first = catalogue.get_offering(session, offering_ids[0])
        send_request(
            uow,
            program_id=program.id,
            title=f"{gap['title']} ({program.name})",
            scope=check.text(line.get("scope") or gap["title"], f"{where}.scope", max_length=20000),
            category=first.category,
            recipients=[{"offering_id": i} for i in offering_ids],
            activity_id=gap["activity_id"],
            desired_start=start + timedelta(weeks=gap["start_week"]),
            desired_end=start + timedelta(weeks=gap["finish_week"]),
            package_id=package.id,
        )
    return package


def get_package(session: Session, package_id: int) -> ServicePackage:
    package = session.get(ServicePackage, package_id)
    if package is None:
        raise NotFound(f"no package {package_id}")
    return package


def packages_of(session: Session, program_id: int) -> list[ServicePackage]:
    return list(
        session.scalars(
            select(ServicePackage)
            .where(ServicePackage.program_id == program_id)
            .order_by(ServicePackage.id.desc())
        )
    )


def package_view(session: Session, package_id: int) -> dict[str, Any]:
    """The package as one view: each request's state, its quotes and order, and the
    totals: quoted, ordered, paid by vouchers, co-paid."""
    package = get_package(session, package_id)
    requests = list(
        session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.package_id == package.id)
            .order_by(ServiceRequest.desired_start, ServiceRequest.id)
        )
    )
    lines, ordered, voucher, done_milestones, all_milestones = [], 0, 0, 0, 0
    for request in requests:
        quotes = [q for q in quotes_of(session, request) if q.status in ("submitted", "accepted")]
        order = order_for_request(session, request.id)
        milestones = milestones_of(session, order) if order else []
        all_milestones += len(milestones)
        done_milestones += sum(1 for m in milestones if m.status == "done")
        if order is not None and order.status != "cancelled":
            ordered += order.total
            voucher += order.voucher_amount
        lines.append(
            {
                "request_id": request.id,
                "title": request.title,
                "activity_id": request.activity_id,
                "status": request.status,
                "desired_start": request.desired_start.isoformat()
                if request.desired_start
                else None,
                "desired_end": request.desired_end.isoformat() if request.desired_end else None,
                "providers": [
                    {"organisation_id": r.provider_organisation_id, "status": r.status}
                    for r in recipients_of(session, request)
                ],
                "quotes": [
                    {
                        "id": q.id,
                        "total": q.total,
                        "lead_time_weeks": q.lead_time_weeks,
                        "status": q.status,
                    }
                    for q in quotes
                ],
                "best_quote": min((q.total for q in quotes), default=None),
                "order": None
                if order is None
                else {
                    "id": order.id,
                    "status": order.status,
                    "total": order.total,
                    "voucher_amount": order.voucher_amount,
                    "milestones_done": sum(1 for m in milestones if m.status == "done"),
                    "milestones": len(milestones),
                    "next_due": min(
                        (m.due_on.isoformat() for m in milestones if m.status == "pending"),
                        default=None,
                    ),
                },
            }
        )
    return {
        "id": package.id,
        "title": package.title,
        "program_id": package.program_id,
        "target_milestone": package.target_milestone,
        "lines": lines,
        "ordered_total": ordered,
        "voucher_total": voucher,
        "copay_total": ordered - voucher,
        "progress": (done_milestones / all_milestones) if all_milestones else 0.0,
        "finish": max((line["desired_end"] or "" for line in lines), default=None) or None,
    }
