"""In a real browser: define factors, build a design, download its run sheet, fill in the
results of Box, Hunter and Hunter's pilot plant, upload them and read the effects."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_program_journey import sign_in
from tests.conftest import SHARED

BHH = SHARED / "reference-cases" / "doe" / "doe_2k3_pilot_plant_bhh.json"


def test_plan_download_fill_upload_and_read_the_effects(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    if not BHH.exists():
        pytest.skip(f"reference cases not found at {BHH.parent} (needs ../shared)")
    case = json.loads(BHH.read_text())
    reference = pd.read_csv(BHH.parent / case["data_file"])

    sign_in(page, live_server, "a.sci")
    page.goto(f"{live_server}/tools/doe")
    for n, (name, unit, low, high, kind) in enumerate(
        [("T", "°C", "160", "180", "continuous"), ("C", "%", "20", "40", "continuous"),
         ("K", "", "A", "B", "categorical")], start=1,
    ):  # fmt: skip
        page.get_by_label(f"Factor {n} name").fill(name)
        page.get_by_label(f"Factor {n} unit").fill(unit)
        page.get_by_label(f"Factor {n} low").fill(low)
        page.get_by_label(f"Factor {n} high").fill(high)
        page.get_by_label(f"Factor {n} type").select_option(kind)
    page.get_by_label("Design type").select_option("full")
    page.get_by_label("Response columns").fill("yield")
    page.get_by_role("button", name="Build the design").click()
    expect(page.locator("#run-count")).to_have_text("8")
    expect(page.locator("#run-sheet tbody tr")).to_have_count(8)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the run sheet (CSV)").click()
    assert download.value.suggested_filename == "runsheet.csv"
    sheet_path = tmp_path / "runsheet.csv"
    download.value.save_as(sheet_path)
    sheet = pd.read_csv(sheet_path)
    assert sheet["yield"].isna().all() and len(sheet) == 8

    # the lab's results: BHH's yields, looked up by each run's settings
    results = {}
    for _, row in reference.iterrows():
        setting = (160 if row["T_temperature"] < 0 else 180,
                   20 if row["C_concentration"] < 0 else 40,
                   "A" if row["K_catalyst"] < 0 else "B")  # fmt: skip
        results[setting] = row["yield"]
    assert len(results) == 8
    sheet["yield"] = [results[(int(t), int(c), k)] for t, c, k in
                      zip(sheet["T"], sheet["C"], sheet["K"], strict=True)]  # fmt: skip
    done = tmp_path / "completed.csv"
    sheet.to_csv(done, index=False)

    page.get_by_role("link", name="analyse the results").click()
    page.get_by_label("Upload the run sheet (CSV or XLSX)").set_input_files(str(done))
    page.get_by_label("Response column(s), comma separated").fill("yield")
    # K holds the labels A and B: text columns are factors only when named
    page.get_by_label("Factor columns (optional)").fill("T, C, K")
    page.get_by_role("button", name="Analyse").click()

    effects = page.locator("table.effects")
    expect(effects.locator('tr[data-term="T"] td').nth(1)).to_have_text("23")
    expect(effects.locator('tr[data-term="T:K"] td').nth(1)).to_have_text("10")
    expect(effects.locator('tr[data-term="C"] td').nth(1)).to_have_text("-5")
    expect(page.locator(".active-effects")).to_have_text("T, T:K")
    expect(page.get_by_label("Half-normal plot of the effects on yield")).to_be_visible()
    # the columns are now offered as choices and the data kept for another run
    expect(page.get_by_role("checkbox", name="yield", exact=True)).to_be_checked()
    expect(page.get_by_label("Factor columns (optional)")).to_have_value("T, C, K")
