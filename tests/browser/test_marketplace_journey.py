"""In a real browser, three people and one order: the provider publishes a service, the
programme office qualifies the provider, the sponsor requests it, the provider reads the
request after the confidentiality terms and quotes, the sponsor accepts with a voucher
and shares its specification and batch, the provider delivers results as a CSV, the
sponsor accepts them and sees the deliverable on the roadmap as evidence."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from opencmc.platform import programs
from opencmc.platform.db import create_db_engine, make_session_factory
from opencmc.platform.market import support_programmes, vouchers
from opencmc.platform.quality import batches, specifications
from opencmc.platform.uow import UnitOfWork
from tests.browser.test_program_journey import sign_in
from tests.conftest import PASSWORD, PROGRAM, actor_of

RESULTS_CSV = "batch,attribute,value,unit\nDS-001,SEC purity,98.7,%\n"


def _sponsor_records(database: Path) -> int:
    """Alpha's program with an approved specification and a batch, and an approved voucher."""
    engine = create_db_engine(f"sqlite:///{database}")
    factory = make_session_factory(engine)
    mina, sora = actor_of(factory, "a.sci"), actor_of(factory, "a.qa")
    hyun, admin = actor_of(factory, "o.admin"), actor_of(factory, "a.admin")
    with UnitOfWork(factory, mina) as uow:
        program = programs.create_program(uow, PROGRAM)
        material = specifications.create_material(uow, program.id, "drug_substance", "AB-1 DS")
        spec = specifications.create_specification(
            uow,
            material.id,
            title="DS release",
            stage="phase_1",
            attributes=[
                {"name": "SEC purity", "category": "purity", "lower": 95.0, "unit": "%",
                 "decimals": 1}
            ],
        )  # fmt: skip
        batches.create_batch(uow, material.id, {"number": "DS-001", "purpose": "toxicology"})
        uow.commit()
    with UnitOfWork(factory, sora) as uow:
        specifications.approve_specification(uow, spec.id, password=PASSWORD)
        uow.commit()
    with UnitOfWork(factory, hyun) as uow:
        round_ = support_programmes.create_programme(
            uow,
            {
                "title": "Biologics vouchers",
                "budget": 1_000_000_000,
                "coverage_percent": 50,
                "per_company_cap": 100_000_000,
                "opens_on": date.today() - timedelta(days=1),
                "closes_on": date.today() + timedelta(days=90),
            },
        )
        support_programmes.open_programme(uow, round_.id)
        uow.commit()
    with UnitOfWork(factory, admin) as uow:
        applied = support_programmes.apply(
            uow, round_.id, {"employees": 30, "modalities": ["monoclonal_antibody"]}
        )
        uow.commit()
    with UnitOfWork(factory, hyun) as uow:
        vouchers.approve_voucher(uow, applied.id, reason="eligible")
        uow.commit()
    engine.dispose()
    return program.id


def _person(browser: Browser, base: str, handle: str) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, base, handle)
    return page


def test_publish_qualify_request_quote_order_deliver_accept(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    base = live_server
    program_id = _sponsor_records(tmp_path / "opencmc.db")
    browser = page.context.browser
    assert browser is not None

    # the provider publishes a service
    joon = page
    sign_in(joon, base, "p.sci")
    joon.goto(f"{base}/market/my-offerings")
    joon.get_by_label("Title").fill("Lot release testing, biologics")
    joon.get_by_label("Category").select_option("release_testing")
    joon.locator("input[name=modalities][value=monoclonal_antibody]").check()
    joon.locator("input[name=stages][value=phase_1]").check()
    joon.get_by_label("Quality system").select_option("gmp")
    joon.get_by_label("Lead time (weeks)").fill("6")
    joon.get_by_label("Price from").fill("8000000")
    joon.get_by_label("Price to").fill("15000000")
    joon.get_by_label("Roadmap activities it fulfils").select_option(
        "specifications_phase_appropriate"
    )
    joon.get_by_role("button", name="Save draft").click()
    expect(joon.get_by_role("heading", name=re.compile("Lot release testing"))).to_be_visible()
    joon.get_by_role("button", name="Publish").click()
    expect(joon.locator("h1 .status")).to_have_text("published")

    # the programme office qualifies the provider
    hyun = _person(browser, base, "o.admin")
    hyun.goto(f"{base}/market/qualification")
    gamma = hyun.locator("section.card", has=hyun.get_by_role("link", name="Gamma CDMO"))
    gamma.get_by_label("Qualified until").fill((date.today() + timedelta(days=365)).isoformat())
    gamma.get_by_label("Audit outcome").fill("GMP audit: no critical findings")
    gamma.locator("form[action$='/qualify']").get_by_label("Reason").fill("certificate on file")
    gamma.get_by_role("button", name="Qualify").click()
    expect(hyun.locator(".flash")).to_be_visible()

    # the sponsor finds the service and requests it
    mina = _person(browser, base, "a.sci")
    mina.goto(f"{base}/market")
    mina.get_by_role("link", name="Lot release testing, biologics").first.click()
    mina.get_by_role("link", name="Request this service").click()
    mina.get_by_label("Scope").fill("SEC purity of DS-001 against the phase 1 specification")
    mina.get_by_role("button", name="Send request").click()
    expect(mina.locator("#request-status")).to_have_text("open")
    request_url = mina.url

    # the provider reads it only after the confidentiality terms, then quotes
    joon.goto(f"{base}/market/inbox")
    joon.get_by_role("link", name="Lot release testing, biologics").click()
    expect(joon.get_by_text("SEC purity of DS-001")).to_have_count(0)
    joon.get_by_role("button", name="Acknowledge and read the request").click()
    expect(joon.get_by_text("SEC purity of DS-001 against")).to_be_visible()
    joon.get_by_label(re.compile("Line items")).fill("SEC-HPLC, triplicate; 1; 9000000")
    joon.get_by_label("Lead time (weeks)").fill("4")
    joon.get_by_label("Valid until").fill((date.today() + timedelta(days=30)).isoformat())
    joon.get_by_role("button", name="Send quote").click()
    expect(joon.locator("#recipient-status")).to_have_text("quoted")

    # the sponsor accepts with its voucher, sharing the specification and the batch
    mina.goto(request_url)
    expect(mina.get_by_text("9,000,000 KRW")).to_be_visible()
    mina.get_by_label("Pay part with a voucher").select_option(index=1)
    mina.get_by_role("button", name="Accept quote and place order").click()
    expect(mina.locator("#order-status")).to_have_text("active")
    expect(mina.locator("#money")).to_contain_text("Voucher pays 4,500,000")
    order_url = mina.url

    # the provider delivers the results as a CSV
    csv_file = tmp_path / "results.csv"
    csv_file.write_text(RESULTS_CSV)
    joon.goto(order_url)
    form = joon.locator("#deliver-form")
    form.get_by_label("Title").fill("Release results DS-001")
    form.get_by_label("Kind").select_option("results")
    form.get_by_label(re.compile("^File")).set_input_files(str(csv_file))
    form.get_by_role("button", name="Deliver").click()
    expect(joon.locator("#deliverables")).to_contain_text("Release results DS-001")

    # the sponsor accepts them and finds the deliverable on the roadmap as evidence
    mina.goto(order_url)
    mina.locator("#deliverables").get_by_role("button", name="Accept").click()
    expect(mina.locator("#deliverables")).to_contain_text(
        "Evidence for: specifications_phase_appropriate"
    )
    mina.goto(f"{base}/programs/{program_id}/roadmap")
    evidence = mina.locator(f"a[href*='{order_url.replace(base, '')}#deliverable-']")
    expect(evidence.first).to_be_visible()
