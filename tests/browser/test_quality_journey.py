"""In a real browser, QA's journey: a specification approved, results imported, an OOS
investigated and closed, a retest, the batch released with a signature, the certificate
downloaded and read."""

from __future__ import annotations

import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.test_program_journey import sign_in
from tests.conftest import PASSWORD, email

RESULTS = "attribute,value,unit\nAssay,98.45,%\nHCP,180,ppm\n"


def _switch_user(page: Page, base: str, handle: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email(handle))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_specification_oos_release_and_certificate(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    sign_in(page, live_server, "a.sci")
    page.get_by_role("link", name="Register a program").click()
    page.get_by_label("Name").fill("AB-7 anti-IL23")
    page.get_by_label("Modality").select_option("monoclonal_antibody")
    page.get_by_role("button", name="Register").click()
    program_url = page.url
    page.get_by_role("link", name="Quality records").click()
    page.get_by_label("Name").fill("AB-7 DS")
    page.get_by_role("button", name="Add").click()

    page.get_by_text("New specification version").click()
    for i, (name, category, lower, upper, unit, decimals) in enumerate(
        [("Assay", "assay", "98.5", "", "%", "1"), ("HCP", "impurities", "", "100", "ppm", "0")]
    ):
        page.get_by_label(f"Attribute {i + 1}", exact=True).fill(name)
        page.get_by_label(f"Category {i + 1}", exact=True).select_option(category)
        page.get_by_label(f"Lower {i + 1}", exact=True).fill(lower)
        page.get_by_label(f"Upper {i + 1}", exact=True).fill(upper)
        page.get_by_label(f"Unit {i + 1}", exact=True).fill(unit)
        page.get_by_label(f"Decimals {i + 1}", exact=True).fill(decimals)
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator("#spec-status")).to_have_text("draft")
    spec_url = page.url

    _switch_user(page, live_server, "a.qa")
    page.goto(spec_url)
    page.get_by_label("Password (to confirm it is you)").fill(PASSWORD)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#spec-status")).to_have_text("effective")

    page.goto(program_url)
    page.get_by_role("link", name="Quality records").click()
    page.get_by_text("Register a batch").click()
    page.get_by_label("Batch number").fill("TOX-007")
    page.get_by_label("Purpose").select_option("toxicology")
    page.get_by_role("button", name="Register", exact=True).click()
    results = tmp_path / "results.csv"
    results.write_text(RESULTS)
    page.get_by_label("Results file").set_input_files(str(results))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("2 result(s) imported.")).to_be_visible()
    # 98.45 against NLT 98.5% with one decimal rounds to 98.5 and conforms
    expect(page.locator("tr[data-attribute=Assay]")).to_contain_text("98.5 %")
    expect(page.locator("tr[data-attribute=Assay]")).to_contain_text("conforms")
    expect(page.locator("tr[data-attribute=HCP]")).to_contain_text("does not conform")
    expect(page.locator("#blockers")).to_contain_text("is open")

    page.get_by_label("Findings").fill("dilution error: 1:10 prepared as 1:5")
    page.get_by_role("button", name="Record findings").click()
    # a label wrapping a select also reads its options: address the selects by name
    page.locator("select[name=conclusion]").select_option("laboratory_error")
    page.get_by_label("Conclusion text").fill("dilution error confirmed; retest")
    page.get_by_label("CAPA reference").fill("CAPA-2026-031")
    page.get_by_role("button", name="Close investigation").click()
    expect(page.get_by_text("closed", exact=True).first).to_be_visible()

    page.locator("select[name=attribute]").select_option("HCP")
    page.get_by_label("Value").fill("42")
    page.get_by_label("Unit").fill("ppm")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.locator("tr[data-attribute=HCP]")).to_contain_text("conforms")

    page.get_by_label("Password (to confirm it is you)").fill(PASSWORD)
    page.get_by_role("button", name="Approve and release").click()
    expect(page.locator("#batch-status")).to_have_text("released")
    expect(page.locator("#signatures tr.signature")).to_contain_text("approved")

    with page.expect_download() as download:
        page.get_by_role("link", name="Certificate of analysis (PDF)").click()
    pdf = Path(download.value.path()).read_bytes()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "CERTIFICATE OF ANALYSIS",
        "TOX-007",
        "version 1",
        "98.5 %",
        "42 ppm",
        "A Qa",
        "approved",
    ):
        assert expected in text, expected


def test_stability_study_three_batches_and_the_shelf_life_plot(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    from tests.platform.test_stability_studies import SLOPES, _rows

    sign_in(page, live_server, "a.sci")
    page.get_by_role("link", name="Register a program").click()
    page.get_by_label("Name").fill("AB-8 stability")
    page.get_by_label("Modality").select_option("monoclonal_antibody")
    page.get_by_role("button", name="Register").click()
    program_url = page.url
    page.get_by_role("link", name="Quality records").click()
    page.get_by_label("Name").fill("AB-8 DS")
    page.get_by_role("button", name="Add").click()
    page.get_by_text("New specification version").click()
    page.get_by_label("Attribute 1", exact=True).fill("SEC purity")
    page.get_by_label("Category 1", exact=True).select_option("purity")
    page.get_by_label("Lower 1", exact=True).fill("95")
    page.get_by_label("Unit 1", exact=True).fill("%")
    page.get_by_label("Decimals 1", exact=True).fill("1")
    page.get_by_role("button", name="Create draft").click()
    spec_url = page.url
    _switch_user(page, live_server, "a.qa")
    page.goto(spec_url)
    page.get_by_label("Password (to confirm it is you)").fill(PASSWORD)
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#spec-status")).to_have_text("effective")

    for number in SLOPES:
        page.goto(program_url + "/quality")
        page.get_by_text("Register a batch").click()
        page.get_by_label("Batch number").fill(number)
        page.get_by_label("Purpose").select_option("stability")
        page.get_by_role("button", name="Register", exact=True).click()
    page.goto(program_url + "/quality")
    page.get_by_text("Plan a stability study").click()
    page.get_by_label(re.compile("5 °C ± 3 °C")).check()
    page.get_by_label("Time points (months)").fill("0, 3, 6, 9, 12")
    page.get_by_label("Start date").fill("2026-01-15")
    page.get_by_role("button", name="Plan the study").click()
    expect(page.locator("#calendar tbody tr")).to_have_count(15)

    results = tmp_path / "stability.csv"
    _rows().to_csv(results, index=False)
    page.get_by_label("Results file").set_input_files(str(results))
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("12 result(s) recorded.")).to_be_visible()
    expect(page.locator("#study-shelf-life")).to_contain_text("months")
    chart = page.locator("#analysis svg.chart")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(12)
