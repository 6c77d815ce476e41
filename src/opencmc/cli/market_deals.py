"""`opencmc market request|acknowledge|quote|accept|milestone|deliver|review|close`: the deal
workflow from the command line, in the name of the user given with ``--as``; each prints
the record it made or changed (``--json`` for machines)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from opencmc.cli.common import JsonOption, console, domain_errors, emit_json, fail
from opencmc.cli.programs import AsOption, _actor
from opencmc.platform.market import deliverables, orders
from opencmc.platform.market import requests as deals
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork


def _done(record: Any, fields: tuple[str, ...], as_json: bool) -> None:
    out = {"id": record.id, **{f: getattr(record, f) for f in fields}}
    out = {k: v.isoformat() if isinstance(v, date) else v for k, v in out.items()}
    if as_json:
        emit_json(out)
    else:
        console.print(", ".join(f"{k} {v}" for k, v in out.items()))


def _run(user: str, action: Any) -> Any:
    factory, actor = _actor(user)
    with UnitOfWork(factory, actor) as uow, domain_errors():
        record = action(uow)
        uow.commit()
        return record


def request_command(
    user: str = AsOption,
    program_id: int = typer.Option(..., "--program", help="The program's id."),
    offering: list[int] = typer.Option(..., "--offering", help="An offering's id (repeat)."),
    title: str = typer.Option(..., "--title"),
    scope: str = typer.Option(..., "--scope"),
    category: str = typer.Option(..., "--category"),
    materials: str = typer.Option("", "--materials"),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Send a request to the providers of the named offerings."""
    made = _run(user, lambda uow: deals.send_request(
        uow, program_id=program_id, title=title, scope=scope, category=category,
        recipients=[{"offering_id": i} for i in offering], materials=materials))  # fmt: skip
    _done(made, ("title", "status"), as_json)


def acknowledge_command(
    recipient_id: int = typer.Argument(..., help="The request's id in the provider's inbox."),
    user: str = AsOption,
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Acknowledge the confidentiality terms (prints them first) and open the request."""
    if not as_json:
        console.print(deals.CONFIDENTIALITY_TERMS, style="dim")
    made = _run(user, lambda uow: deals.acknowledge_terms(uow, recipient_id))
    _done(made, ("status", "nda_terms_version"), as_json)


def _lines(raw: list[str]) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(raw, start=1):
        parts = [p.strip() for p in line.split(";")]
        if len(parts) != 3:
            fail(f"--line {number}: expected 'description; quantity; unit price', got {line!r}")
        items.append(dict(zip(("description", "quantity", "unit_price"), parts, strict=True)))
    return items


def quote_command(
    recipient_id: int = typer.Argument(..., help="The request's id in the provider's inbox."),
    user: str = AsOption,
    line: list[str] = typer.Option(..., "--line", help="'description; quantity; unit price'"),
    lead_time: int = typer.Option(..., "--lead-time", help="Weeks."),
    valid_until: str = typer.Option(..., "--valid-until", help="YYYY-MM-DD"),
    notes: str = typer.Option("", "--notes"),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Quote for a request (the standard four milestones over the lead time)."""
    items = _lines(line)
    made = _run(user, lambda uow: deals.submit_quote(
        uow, recipient_id, line_items=items, lead_time_weeks=lead_time,
        valid_until=valid_until, notes=notes))  # fmt: skip
    _done(made, ("total", "currency", "valid_until", "status"), as_json)


def accept_command(
    quote_id: int = typer.Argument(...),
    user: str = AsOption,
    share: list[str] = typer.Option([], "--share", help="kind:id, e.g. batches:3 (repeat)."),
    voucher: int | None = typer.Option(None, "--voucher", help="A voucher's id."),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Accept a quote: the order, its milestones, the shares and the voucher draw."""
    shared = []
    for item in share:
        kind, _, record_id = item.partition(":")
        if not record_id.isdigit():
            fail(f"--share: expected kind:id such as batches:3, got {item!r}")
        shared.append((kind, int(record_id)))
    made = _run(user, lambda uow: orders.accept_quote(uow, quote_id, share=shared,
                                                      voucher_id=voucher))  # fmt: skip
    _done(made, ("status", "total", "voucher_amount", "copay_amount"), as_json)


def milestone_command(
    milestone_id: int = typer.Argument(...),
    user: str = AsOption,
    note: str = typer.Option("", "--note"),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Mark an order's milestone done (the provider)."""
    made = _run(user, lambda uow: orders.complete_milestone(uow, milestone_id, note))
    _done(made, ("title", "status", "due_on"), as_json)


def deliver_command(
    order_id: int = typer.Argument(...),
    table: Path = typer.Argument(..., help="CSV or XLSX of results or stability results."),
    user: str = AsOption,
    title: str = typer.Option(..., "--title"),
    kind: str = typer.Option("results", "--kind", help="results or stability_results"),
    study_id: int | None = typer.Option(None, "--study", help="For stability results."),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Deliver structured results, checked now against the records shared for the order."""
    if not table.is_file():
        fail(f"{table}: no such file")
    with domain_errors():
        frame = read_table(table.read_bytes(), table.name)
    payload: dict[str, Any] = {
        "rows": frame.astype(object).where(frame.notna(), "").to_dict(orient="records")
    }
    if study_id is not None:
        payload["study_id"] = study_id
    made = _run(user, lambda uow: deliverables.submit_deliverable(
        uow, order_id, title=title, kind=kind, payload=payload))  # fmt: skip
    _done(made, ("title", "kind", "status"), as_json)


def review_command(
    deliverable_id: int = typer.Argument(...),
    user: str = AsOption,
    accept: bool = typer.Option(..., "--accept/--reject"),
    reason: str = typer.Option("", "--reason", help="Needed to reject."),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Accept (recording the rows in your records) or reject a deliverable."""
    made = _run(user, lambda uow: deliverables.review_deliverable(
        uow, deliverable_id, accept=accept, reason=reason))  # fmt: skip
    _done(made, ("status", "outcome"), as_json)


def close_command(
    order_id: int = typer.Argument(...),
    user: str = AsOption,
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Close a delivered order; the provider's access to the shared records ends."""
    made = _run(user, lambda uow: orders.close_order(uow, order_id, reason))
    _done(made, ("status",), as_json)


COMMANDS = {
    "request": request_command,
    "acknowledge": acknowledge_command,
    "quote": quote_command,
    "accept": accept_command,
    "milestone": milestone_command,
    "deliver": deliver_command,
    "review": review_command,
    "close": close_command,
}
