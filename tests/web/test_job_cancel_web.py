"""Cancelling a job over JSON and from its page."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from opencmc.jobs import runner as jobs
from opencmc.platform.models import Job
from opencmc.platform.uow import UnitOfWork

started = threading.Event()


@pytest.fixture
def slow_kind() -> Iterator[str]:
    def slow(_factory: Any, _actor: Any, _params: dict[str, Any], progress: Any) -> dict:
        started.set()
        for step in range(100):
            progress(step / 100)
            time.sleep(0.5)
        return {}

    jobs._KINDS["test-slow"] = slow
    started.clear()
    yield "test-slow"
    jobs._KINDS.pop("test-slow")


def test_cancel_over_json(app, api, slow_kind) -> None:  # type: ignore[no-untyped-def]
    mina = api("a.sci")
    running = mina.post("/api/v1/jobs", json={"kind": slow_kind}).json()
    assert started.wait(10)
    asked = mina.post(f"/api/v1/jobs/{running['id']}/cancel")
    assert asked.status_code == 200
    assert asked.json()["status"] == "running" and asked.json()["cancelling"] is True
    app.state.opencmc.runner.wait(running["id"], timeout=10)
    ended = mina.get(f"/api/v1/jobs/{running['id']}").json()
    assert ended["status"] == "cancelled" and ended["cancelling"] is False
    again = mina.post(f"/api/v1/jobs/{running['id']}/cancel")
    assert again.status_code == 409
    assert "only a queued or running job can be cancelled" in again.json()["message"]
    assert api("a.qa").post(f"/api/v1/jobs/{running['id']}/cancel").status_code == 403
    assert api("b.admin").post(f"/api/v1/jobs/{running['id']}/cancel").status_code == 404


def test_cancel_from_the_job_page(app, api, factory, browser_session) -> None:  # type: ignore[no-untyped-def]
    job = api("a.sci").post("/api/v1/jobs", json={"kind": "audit-verify"}).json()
    app.state.opencmc.runner.wait(job["id"], timeout=30)
    with UnitOfWork(factory, None, system=True) as uow:  # left running by a stopped server
        uow.session.execute(update(Job).where(Job.id == job["id"]).values(status="running"))
        uow.commit()
    viewer, _ = browser_session("a.view")
    assert "Cancel this job" not in viewer.get(f"/jobs/{job['id']}").text  # not theirs
    client, csrf = browser_session("a.sci")
    page = client.get(f"/jobs/{job['id']}").text
    assert re.search(rf'action="/jobs/{job["id"]}/cancel"', page)
    done = client.post(f"/jobs/{job['id']}/cancel", data={"csrf_token": csrf})
    assert done.status_code == 200  # followed to the job page
    assert f"Job {job['id']} cancelled." in done.text
    assert "status-cancelled" in done.text and "Cancel this job" not in done.text
    assert "cancelled by a.sci@example.org" in done.text
