"""`opencmc market ...`: the marketplace from the server's command line, acting as a user.

The deal's steps (request, acknowledge, quote, accept, milestone, deliver, review, close)
are in ``opencmc.cli.market_deals``. Reading commands (catalogue, requests, orders, a
package proposal, the programme office's figures) print a table or, with ``--json``,
what the REST API returns; ``sweep`` raises the reminders the server raises on its own
every hour.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from opencmc.cli.common import JsonOption, console, database, domain_errors, emit_json
from opencmc.cli.market_deals import COMMANDS
from opencmc.cli.programs import AsOption, _actor
from opencmc.platform.market import catalogue, kpis, orders, packages
from opencmc.platform.market import requests as deals
from opencmc.platform.market.inbox import sweep_reminders
from opencmc.platform.uow import UnitOfWork

app = typer.Typer(help="Marketplace: catalogue, requests, orders, packages, reminders, figures.",
                  no_args_is_help=True)  # fmt: skip


for _name, _command in COMMANDS.items():
    app.command(_name)(_command)


def _money(value: float | int) -> str:
    return f"{value:,.0f}"


@app.command("catalogue")
def catalogue_command(
    user: str = AsOption,
    text: str = typer.Option(None, "--text", help="Words in the title or description."),
    modality: str = typer.Option(None, "--modality"),
    stage: str = typer.Option(None, "--stage"),
    category: str = typer.Option(None, "--category"),
    compliance: str = typer.Option(None, "--compliance", help="none, glp or gmp"),
    max_lead_time: int = typer.Option(None, "--max-lead-time", help="In weeks."),
    orderable: bool = typer.Option(False, "--orderable", help="Only qualified providers."),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """Search the catalogue: providers' offerings and OpenCMC's instant services."""
    factory, actor = _actor(user)
    with UnitOfWork(factory, actor) as uow, domain_errors():
        entries = catalogue.search(
            uow.session, text=text, modality=modality, stage=stage, category=category,
            compliance=compliance, max_lead_time_weeks=max_lead_time, orderable_only=orderable,
            limit=500,
        )  # fmt: skip
        rows = [e.to_dict() for e in entries]
    if as_json:
        emit_json(rows)
        return
    table = Table("offering", "provider", "category", "lead time (wk)", "price", "orderable")
    for row in rows:
        lead = "instant" if row["instant"] else str(row["lead_time_weeks"])
        price = f"{_money(row['price_min'])}-{_money(row['price_max'])} {row['currency']}"
        table.add_row(row["title"], row["provider_name"], row["category"], lead, price,
                      "yes" if row["orderable"] else "no")  # fmt: skip
    console.print(table)


@app.command("requests")
def requests_command(user: str = AsOption, as_json: bool = JsonOption) -> None:
    """A sponsor's requests, or the requests addressed to a provider."""
    factory, actor = _actor(user)
    with UnitOfWork(factory, actor) as uow:
        if actor.is_sponsor:
            rows: list[dict[str, Any]] = [
                {"id": r.id, "title": r.title, "category": r.category, "status": r.status}
                for r in deals.list_requests(uow.session)
            ]
        else:
            rows = [
                {
                    "id": r.id,
                    "title": r.summary.get("title"),
                    "category": r.summary.get("category"),
                    "status": r.status,
                    "sponsor": r.summary.get("sponsor"),
                }
                for r in deals.inbox(uow.session, actor.organisation_id)
            ]
    if as_json:
        emit_json(rows)
        return
    table = Table("id", "request", "category", "status")
    for row in rows:
        table.add_row(str(row["id"]), str(row["title"]), str(row["category"]), row["status"])
    console.print(table)


def _order_row(uow: UnitOfWork, order: Any) -> dict[str, Any]:
    milestones = orders.milestones_of(uow.session, order)
    return {
        "id": order.id,
        "title": order.title,
        "status": order.status,
        "total": order.total,
        "voucher_amount": order.voucher_amount,
        "copay_amount": order.copay_amount,
        "currency": order.currency,
        "milestones_done": sum(1 for m in milestones if m.status == "done"),
        "milestones": len(milestones),
        "next_due": min(
            (m.due_on.isoformat() for m in milestones if m.status == "pending"), default=None
        ),
    }


@app.command("orders")
def orders_command(user: str = AsOption, as_json: bool = JsonOption) -> None:
    """The orders the user's organisation is a party to, with milestones and money."""
    factory, actor = _actor(user)
    with UnitOfWork(factory, actor) as uow:
        rows = [_order_row(uow, o) for o in orders.list_orders(uow.session)]
    if as_json:
        emit_json(rows)
        return
    table = Table("id", "order", "status", "total", "voucher", "milestones", "next due")
    for row in rows:
        done = f"{row['milestones_done']}/{row['milestones']}"
        table.add_row(str(row["id"]), row["title"], row["status"], _money(row["total"]),
                      _money(row["voucher_amount"]), done, row["next_due"] or "")  # fmt: skip
    console.print(table)


@app.command("proposal")
def proposal_command(
    program_id: int = typer.Argument(..., help="The program whose roadmap gaps to cover."),
    user: str = AsOption,
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """The one-stop package a program's roadmap gaps call for: offerings, weeks, cost."""
    factory, actor = _actor(user)
    with UnitOfWork(factory, actor) as uow, domain_errors():
        proposal = packages.propose_package(uow.session, program_id)
    if as_json:
        emit_json(proposal)
        return
    table = Table("activity", "weeks", "offerings")
    for line in proposal["lines"]:
        offered = ", ".join(o["title"] for o in line["offerings"]) or "(none qualified yet)"
        weeks = f"{line['start_week']:.0f}-{line['finish_week']:.0f}"
        table.add_row(line["title"], weeks, offered)
    console.print(table)
    cost = proposal["cost_range"]
    console.print(
        f"{proposal['covered']} of {len(proposal['lines'])} gaps have qualified offerings; "
        f"about {proposal['timeline_weeks']:.0f} weeks; "
        f"{_money(cost['min'])}-{_money(cost['max'])} {cost['currency']}"
    )


@app.command("figures")
def figures_command(user: str = AsOption, as_json: bool = JsonOption) -> None:
    """The programme office's figures: requests, orders, lead times, on-time, spend."""
    factory, actor = _actor(user)
    with UnitOfWork(factory, actor) as uow, domain_errors():
        dashboard = kpis.operator_dashboard(uow.session, actor)
    if as_json:
        emit_json(dashboard)
        return
    for key, value in dashboard.items():
        console.print(f"[bold]{key}[/bold]: {value}")


@app.command("sweep")
def sweep_command(as_json: bool = JsonOption) -> None:
    """Raise the reminders that are due now (each once): milestones due soon or overdue,
    qualifications and certificates expiring. The server does this every hour."""
    _, factory = database()
    sent = sweep_reminders(factory)
    if as_json:
        emit_json(sent)
        return
    console.print(", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in sent.items()))
