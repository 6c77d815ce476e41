"""The administration commands and the demo seed, as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opencmc.cli import app
from opencmc.platform import demo, migrate
from opencmc.platform.db import create_db_engine, make_session_factory


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPENCMC_DATA_DIR", str(tmp_path))
    for name in ("OPENCMC_DATABASE_URL", "OPENCMC_SECRET_KEY", "OPENCMC_FILE_STORE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), input=stdin)


def test_database_organisations_users_audit(env: Path) -> None:
    upgraded = _run("db", "upgrade", "--json")
    assert upgraded.exit_code == 0, upgraded.output
    assert json.loads(upgraded.output)["revision"] == migrate.head()
    assert json.loads(_run("db", "current", "--json").output)["up_to_date"] is True
    org = _run("org", "create", "Hanbit Biologics", "--kind", "sponsor", "--json")
    assert json.loads(org.output)["kind"] == "sponsor"
    user = _run(
        "user", "create", "mina@hanbit.example", "--org", "Hanbit Biologics",
        "--role", "scientist", "--name", "Mina Park", "--password-stdin", "--json",
        stdin="a long enough passphrase\n",
    )  # fmt: skip
    assert user.exit_code == 0, user.output
    assert json.loads(user.output)["email"] == "mina@hanbit.example"
    verified = json.loads(_run("audit", "verify", "--json").output)
    assert verified == {
        "ok": True, "events_checked": 2, "broken_seq": None, "broken_id": None, "problem": None,
    }  # fmt: skip
    exported = _run("audit", "export", "-")
    assert exported.output.splitlines()[0].startswith("seq,occurred_at_utc,user_email")
    assert len(exported.output.splitlines()) == 3


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("org", "create", "X", "--kind", "lab"), None, "kind: expected one of sponsor"),
        (
            ("user", "create", "not-an-email", "--org", "Nobody", "--name", "N",
             "--password-stdin"),
            "a long enough passphrase\n",
            "no organisation named 'Nobody'",
        ),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line(env: Path, args, stdin, message) -> None:  # type: ignore[no-untyped-def]
    _run("db", "upgrade")
    result = _run(*args, stdin=stdin)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_setting_stops_with_the_variable_named(env: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENCMC_MAX_BODY_BYTES", "lots")
    result = _run("db", "upgrade")
    assert result.exit_code == 2
    assert "OPENCMC_MAX_BODY_BYTES: expected a whole number" in result.output


def test_config_shows_settings_without_the_secret(env: Path) -> None:
    shown = json.loads(_run("config", "--json").output)
    assert shown["settings"]["OPENCMC_DATA_DIR"] == str(env)
    assert "OPENCMC_SECRET_KEY" in shown["variables"]
    assert "OPENCMC_SECRET_KEY" not in shown["settings"]


def test_demo_seed_is_idempotent(tmp_path: Path) -> None:
    from opencmc.platform.audit import verify_chain
    from opencmc.platform.uow import UnitOfWork

    engine = create_db_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    assert demo.seed(factory) is True
    assert demo.seed(factory) is False
    with UnitOfWork(factory, None, system=True) as uow:
        assert demo.organisation_names(uow.session) == [name for name, _ in demo.ORGANISATIONS]
        assert verify_chain(uow.session).ok
    roles = {c.role for c in demo.credentials()}
    assert roles == {"admin", "scientist", "qa", "viewer"}


def test_programs_from_the_command_line(env: Path) -> None:
    _run("db", "upgrade")
    _run("org", "create", "Hanbit", "--kind", "sponsor")
    _run("user", "create", "mina@hanbit.example", "--org", "Hanbit", "--name", "Mina",
         "--password-stdin", stdin="a long enough passphrase\n")  # fmt: skip
    who = ("--as", "mina@hanbit.example")
    created = _run("program", "create", *who, "--name", "HB-1", "--modality", "mrna", "--json")
    assert created.exit_code == 0, created.output
    program_id = str(json.loads(created.output)["id"])
    edited = _run("program", "edit", program_id, *who, "--version", "1", "--reason", "scope",
                  "--set", "description=LNP", "--json")  # fmt: skip
    assert json.loads(edited.output)["version"] == 2
    stale = _run("program", "edit", program_id, *who, "--version", "1", "--reason", "late",
                 "--set", "name=x")  # fmt: skip
    assert stale.exit_code == 2
    assert "changed since you read it" in stale.output
    listed = json.loads(_run("program", "list", *who, "--json").output)
    assert [p["name"] for p in listed] == ["HB-1"]
    unknown = _run("program", "list", "--as", "nobody@example.org")
    assert unknown.exit_code == 2
    assert "no user nobody@example.org" in unknown.output
    assert json.loads(_run("audit", "verify", "--json").output)["ok"] is True


def test_program_roadmap_from_the_command_line(env: Path) -> None:
    _run("db", "upgrade")
    _run("org", "create", "Hanbit", "--kind", "sponsor")
    _run("user", "create", "mina@hanbit.example", "--org", "Hanbit", "--name", "Mina",
         "--password-stdin", stdin="a long enough passphrase\n")  # fmt: skip
    created = _run("program", "create", "--as", "mina@hanbit.example", "--name", "HB-1",
                   "--modality", "monoclonal_antibody", "--json")  # fmt: skip
    program_id = str(json.loads(created.output)["id"])
    shown = _run("roadmap", program_id, "--json")
    assert shown.exit_code == 0, shown.output
    found = json.loads(shown.output)
    assert found["readiness"]["fraction_done"] == 0
    assert any(i["id"] == "viral_clearance_study" for i in found["roadmap"]["items"])
    table = _run("roadmap", program_id)
    assert "gaps block the milestone" in table.output
    missing = _run("roadmap", "999")
    assert missing.exit_code == 2
    assert "no program 999" in missing.output


def test_results_import_from_the_command_line(env: Path, tmp_path: Path) -> None:
    from opencmc.platform.db import create_db_engine, make_session_factory
    from opencmc.platform.quality import batches, specifications
    from opencmc.platform.uow import UnitOfWork

    _run("db", "upgrade")
    _run("org", "create", "Hanbit", "--kind", "sponsor")
    for email, role in (("mina@hanbit.example", "scientist"), ("sora@hanbit.example", "qa")):
        _run("user", "create", email, "--org", "Hanbit", "--name", email, "--role", role,
             "--password-stdin", stdin="a long enough passphrase\n")  # fmt: skip
    program_id = json.loads(_run("program", "create", "--as", "mina@hanbit.example", "--name",
                                 "HB-1", "--modality", "mrna", "--json").output)["id"]  # fmt: skip
    engine = create_db_engine(f"sqlite:///{env / 'opencmc.db'}")
    factory = make_session_factory(engine)
    from opencmc.platform import accounts
    from opencmc.platform.models import User

    def actor(email: str):  # type: ignore[no-untyped-def]
        with UnitOfWork(factory, None, system=True) as uow:
            user = uow.session.query(User).filter_by(email=email).one()
            return accounts.actor_for(uow.session, user)

    with UnitOfWork(factory, actor("mina@hanbit.example")) as uow:
        material = specifications.create_material(uow, program_id, "drug_substance", "DS")
        spec = specifications.create_specification(
            uow, material.id, title="DS release", stage="phase_1",
            attributes=[{"name": "Assay", "category": "assay", "lower": 95, "upper": 105,
                         "unit": "%", "decimals": 1}],
        )  # fmt: skip
        batches.create_batch(uow, material.id, {"number": "B-1", "purpose": "clinical"})
        uow.commit()
    with UnitOfWork(factory, actor("sora@hanbit.example")) as uow:
        specifications.approve_specification(uow, spec.id, password="a long enough passphrase")
        uow.commit()
    engine.dispose()
    broken = tmp_path / "broken.csv"
    broken.write_text("attribute,value,unit\nAssay,ninety-nine,%\nAssay,99.2,mg\n")
    refused = _run("results", "import", str(broken), "--batch", "B-1",
                   "--as", "mina@hanbit.example")  # fmt: skip
    assert refused.exit_code == 2
    assert "row 2, column value" in refused.output
    assert "row 3, column unit" in refused.output
    good = tmp_path / "good.csv"
    good.write_text("attribute,value,unit,test_date\nAssay,99.2,%,2026-11-20\n")
    imported = _run("results", "import", str(good), "--batch", "B-1",
                    "--as", "mina@hanbit.example", "--json")  # fmt: skip
    assert json.loads(imported.output) == {"imported": 1}


def test_serve_migrates_seeds_and_prepares_before_serving(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    result = _run("serve", "--demo", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert "preparing the compiled optimal-design engine" in result.output
    assert re.search(r"ready in \d+\.\d s", result.output)
    assert "on http://127.0.0.1:8123" in result.output
    assert served["app"] == "opencmc.web.asgi:app" and served["port"] == 8123
    engine = create_db_engine(f"sqlite:///{env / 'opencmc.db'}")
    assert migrate.current(engine) == migrate.head()
    engine.dispose()


def test_jobs_are_listed_shown_and_cancelled(env: Path) -> None:
    from sqlalchemy import update

    from opencmc.jobs.runner import JobRunner
    from opencmc.platform import accounts as accounts_
    from opencmc.platform.models import Job, User
    from opencmc.platform.uow import UnitOfWork

    assert _run("db", "upgrade").exit_code == 0
    _run("org", "create", "Hanbit Biologics", "--kind", "sponsor")
    _run("user", "create", "mina@hanbit.example", "--org", "Hanbit Biologics",
         "--role", "scientist", "--name", "Mina", "--password-stdin",
         stdin="a long enough passphrase\n")  # fmt: skip
    engine = create_db_engine(f"sqlite:///{env / 'opencmc.db'}")
    factory = make_session_factory(engine)
    with UnitOfWork(factory, None, system=True) as uow:
        user = uow.session.query(User).filter_by(email="mina@hanbit.example").one()
        actor = accounts_.actor_for(uow.session, user)
    runner = JobRunner(factory, workers=1)
    job = runner.submit(actor, "audit-verify")
    runner.wait(job.id, timeout=30)
    runner.shutdown()
    with UnitOfWork(factory, None, system=True) as uow:  # as if a server were running it
        uow.session.execute(update(Job).where(Job.id == job.id).values(status="running"))
        uow.commit()
    engine.dispose()
    listed = json.loads(_run("jobs", "list", "--as", "mina@hanbit.example", "--json").output)
    assert [(j["id"], j["kind"], j["status"]) for j in listed] == [
        (job.id, "audit-verify", "running")
    ]
    cancelled = _run("jobs", "cancel", str(job.id), "--as", "mina@hanbit.example", "--json")
    assert cancelled.exit_code == 0, cancelled.output
    assert json.loads(cancelled.output)["status"] == "cancelled"
    shown = _run("jobs", "show", str(job.id), "--as", "mina@hanbit.example")
    assert "cancelled by mina@hanbit.example" in shown.output
    again = _run("jobs", "cancel", str(job.id), "--as", "mina@hanbit.example")
    assert again.exit_code == 2
    assert "only a queued or running job can be cancelled" in again.output
    missing = _run("jobs", "cancel", "999", "--as", "mina@hanbit.example")
    assert missing.exit_code != 0 and "no job 999" in missing.output
