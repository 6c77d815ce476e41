"""`opencmc market ...` on the demo database: catalogue, inbox, package proposal, the
programme office's figures and the reminder sweep, as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opencmc.cli.main import app
from opencmc.platform import demo, migrate
from opencmc.platform.db import create_db_engine, make_session_factory


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPENCMC_DATA_DIR", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("OPENCMC_DATABASE_URL", url)
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    demo.seed(make_session_factory(engine))
    engine.dispose()
    return tmp_path


def _json(*args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_market_commands_on_the_demo(demo_db: Path) -> None:
    mina = ("--as", "mina@hanbit.example")
    found = _json("market", "catalogue", *mina, "--modality", "monoclonal_antibody", "--orderable")
    titles = {row["title"] for row in found}
    assert "ICH stability study, biologics, 2-8 C / 25 C / 40 C" in titles
    assert all(row["orderable"] for row in found)
    inbox = _json("market", "requests", "--as", "joon@daehan-cdmo.example")
    assert [row["status"] for row in inbox] == ["sent"]
    assert "sponsor" in inbox[0] and "scope" not in inbox[0]
    requests = _json("market", "requests", *mina)
    assert requests[0]["title"].startswith("HB-101 DS stability")
    programs = _json("program", "list", *mina)
    antibody = next(p for p in programs if p["modality"] == "monoclonal_antibody")
    proposal = _json("market", "proposal", str(antibody["id"]), *mina)
    covered = {line["activity_id"] for line in proposal["lines"] if line["offerings"]}
    assert {"cell_line_development", "viral_clearance_study"} <= covered
    assert proposal["cost_range"]["min"] < proposal["cost_range"]["max"]
    figures = _json("market", "figures", "--as", "hyun@programme.example")
    assert "HB-101" not in json.dumps(figures)  # no sponsor's science on the dashboard
    refused = CliRunner().invoke(app, ["market", "figures", *mina])
    assert refused.exit_code != 0 and "programme office" in refused.output
    assert set(_json("market", "sweep")) >= {"due_soon", "overdue", "qualification"}
    assert _json("market", "orders", *mina) == []


def test_a_deal_from_the_command_line(demo_db: Path, tmp_path: Path) -> None:
    joon, mina = ("--as", "joon@daehan-cdmo.example"), ("--as", "mina@hanbit.example")
    item = _json("market", "requests", *joon)[0]["id"]
    early = CliRunner().invoke(
        app, ["market", "quote", str(item), *joon, "--line", "Pulls; 8; 4000000",
              "--lead-time", "26", "--valid-until", "2099-01-01"],
    )  # fmt: skip
    assert early.exit_code == 2 and "acknowledge the confidentiality terms" in early.output
    assert _json("market", "acknowledge", str(item), *joon)["status"] == "acknowledged"
    bad = CliRunner().invoke(app, ["market", "quote", str(item), *joon, "--line", "Pulls; 8",
                                   "--lead-time", "26", "--valid-until", "2099-01-01"])  # fmt: skip
    assert bad.exit_code == 2 and "--line 1: expected" in bad.output
    quote = _json("market", "quote", str(item), *joon, "--line", "Set-up; 1; 5000000",
                  "--line", "Pulls; 8; 4000000", "--lead-time", "26",
                  "--valid-until", "2099-01-01")  # fmt: skip
    assert quote["total"] == 37_000_000
    assert _json("market", "orders", *mina) == []
    order = _json("market", "accept", str(quote["id"]), *mina, "--voucher", "1")
    assert order["voucher_amount"] == 18_500_000 and order["copay_amount"] == 18_500_000
    assert _json("market", "orders", "--as", "joon@daehan-cdmo.example")[0]["id"] == order["id"]
    refused = CliRunner().invoke(app, ["market", "close", str(order["id"]), *mina,
                                       "--reason", "early"])  # fmt: skip
    assert refused.exit_code == 2 and "active: it cannot become closed" in refused.output
