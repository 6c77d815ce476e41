"""In a real browser: upload a stability study, pick the columns, read the shelf life."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_program_journey import sign_in
from tests.conftest import SHARED

EXP1 = SHARED / "reference-cases" / "stability" / "exp1.csv"


def test_upload_pick_columns_and_read_the_shelf_life(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    if not EXP1.exists():
        pytest.skip(f"reference cases not found at {EXP1.parent} (needs ../shared)")
    frame = pd.read_csv(EXP1)
    study = tmp_path / "study.csv"
    frame[frame["Batch"].isin(["b2", "b5", "b7"])].to_csv(study, index=False)

    sign_in(page, live_server, "a.sci")
    page.get_by_role("link", name="Tools").click()
    page.get_by_role("link", name="Shelf life (ICH Q1E)").click()
    page.get_by_label("Upload a CSV or XLSX file").set_input_files(str(study))
    page.get_by_label("Time column").fill("Month")
    page.get_by_label("Result column").fill("Potency")
    page.get_by_label("Batch column").fill("Batch")
    page.get_by_label("Lower limit").fill("95")
    page.get_by_role("button", name="Estimate shelf life").click()

    # LeBlond 2011, Table IV data: the three batches pool; 25.9958 months
    expect(page.locator("#shelf-life-value")).to_have_text("26.00")
    expect(page.locator("#shelf-life-result")).to_contain_text("pooled")
    # the interactive chart replaced the static plot: one dot per measurement, a legend
    # entry per batch that hides and shows its lines
    chart = page.locator("figure.plot svg.chart")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(len(pd.read_csv(study)))
    b5 = page.get_by_role("button", name=re.compile(r"^● b5"))
    b5.click()
    expect(b5).to_have_attribute("aria-pressed", "false")
    expect(chart.locator("g[data-batch=b5]")).to_be_hidden()
    # the columns are now offered as choices, the data kept for another run
    expect(page.get_by_label("Time column")).to_have_value("Month")
    page.get_by_label("Lower limit").fill("97")
    page.get_by_role("button", name="Estimate shelf life").click()
    expect(page.locator("#shelf-life-value")).not_to_have_text("26.00")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the PDF report").click()
    assert download.value.suggested_filename == "shelf-life.pdf"
