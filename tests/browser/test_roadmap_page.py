"""In a real browser: the demo antibody program's roadmap, Gantt chart and readiness; an
activity marked done with evidence changes readiness and lands in the audit trail."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from opencmc.platform.demo import DEMO_PASSWORD


def test_mark_an_activity_done_with_evidence(page: Page, demo_server: str, tmp_path: Path) -> None:
    page.goto(f"{demo_server}/login")
    page.get_by_label("E-mail").fill("mina@hanbit.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Programs").first.click()
    page.get_by_role("link", name="HB-101 anti-HER3 IgG1").click()
    page.get_by_role("link", name="Roadmap and readiness").click()

    expect(
        page.get_by_role("heading", name=re.compile("CMC roadmap: Monoclonal antibody"))
    ).to_be_visible()
    expect(page.locator("svg.gantt rect.bar").first).to_be_visible()
    expect(page.locator("#viral_clearance_study")).to_contain_text("Viral clearance")
    expect(page.locator("#not-needed")).to_contain_text("validation")
    expect(page.locator("#fraction-done")).to_have_text("0%")

    row = page.locator("#qtpp_and_cqa_assessment")
    row.get_by_text("Update").click()
    row.get_by_label("Status").select_option("done")
    row.get_by_label("Note").fill("QTPP v1.0 approved at the CMC review")
    report = tmp_path / "qtpp-v1.csv"
    report.write_text("attribute,target\npotency,80-125% of reference\n")
    row.get_by_label("Evidence file").set_input_files(str(report))
    row.get_by_role("button", name="Record").click()

    expect(page.get_by_text("qtpp_and_cqa_assessment: done.")).to_be_visible()
    row = page.locator("#qtpp_and_cqa_assessment")
    expect(row.locator("[data-status]")).to_have_text("done")
    expect(row.get_by_role("link", name="qtpp-v1.csv")).to_be_visible()
    expect(page.locator("#fraction-done")).not_to_have_text("0%")
    expect(page.locator("svg.gantt rect.done")).to_have_count(1)
    trail = page.locator("#readiness-trail tbody tr")
    expect(trail).to_have_count(2)  # newest first: the evidence file, then the status
    expect(trail.nth(0)).to_contain_text("attach")
    expect(trail.nth(0)).to_contain_text("qtpp-v1.csv")
    expect(trail.nth(1)).to_contain_text("readiness:done")
    expect(trail.nth(1)).to_contain_text("mina@hanbit.example")
