"""`opencmc jobs ...`: the background jobs of a user's organisation, and cancelling one.

Jobs run in the server's processes; a job cancelled here is marked cancelled in its row
at once, and the server process running it sees that within seconds and stops it.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from opencmc.cli.common import JsonOption, console, domain_errors, emit_json
from opencmc.cli.programs import AsOption, _actor
from opencmc.jobs.runner import JobRunner, get_job, list_jobs
from opencmc.platform.models import Job
from opencmc.platform.uow import UnitOfWork

app = typer.Typer(help="Background jobs: list, show, cancel.", no_args_is_help=True)


def _out(job: Job) -> dict[str, Any]:
    fields = ("id", "kind", "status", "progress", "error", "created_at", "finished_at")
    return {f: getattr(job, f) for f in fields}


@app.command("list")
def jobs(user: str = AsOption, as_json: bool = JsonOption) -> None:
    """The organisation's latest jobs, newest first."""
    factory, actor = _actor(user)
    with UnitOfWork(factory, actor) as uow:
        rows = [_out(j) for j in list_jobs(uow.session)]
    if as_json:
        emit_json(rows)
        return
    table = Table("id", "kind", "status", "progress", "submitted (UTC)")
    for row in rows:
        table.add_row(str(row["id"]), row["kind"], row["status"], f"{row['progress']:.0%}",
                      row["created_at"].strftime("%Y-%m-%d %H:%M:%S"))  # fmt: skip
    console.print(table)


@app.command("show")
def show(job_id: int, user: str = AsOption, as_json: bool = JsonOption) -> None:
    """One job: status, progress, error (the result is in --json)."""
    factory, actor = _actor(user)
    with domain_errors(), UnitOfWork(factory, actor) as uow:
        job = get_job(uow.session, job_id)
        data = {**_out(job), "result": job.result}
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        if key != "result":
            console.print(f"[bold]{key}[/]: {value}")


@app.command("cancel")
def cancel(job_id: int, user: str = AsOption, as_json: bool = JsonOption) -> None:
    """Cancel a queued or running job (its submitter, or an admin); exit 2 if it has
    finished already."""
    factory, actor = _actor(user)
    runner = JobRunner(factory, workers=1)  # runs nothing: the job is in no process here
    try:
        with domain_errors(), UnitOfWork(factory, actor) as uow:
            job = runner.cancel(uow, job_id)
            uow.commit()
            uow.session.refresh(job)
            data = _out(job)
    finally:
        runner.shutdown()
    if as_json:
        emit_json(data)
        return
    console.print(f"job {job_id}: {data['status']} ({data['error']})")
