"""In a real browser: upload the piston rings, pick the columns, read the chart's signals."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_program_journey import sign_in
from tests.conftest import SHARED

PISTON = SHARED / "reference-cases" / "spc" / "spc_xbar_r_pistonrings.csv"


def test_upload_pick_columns_and_see_the_out_of_control_subgroups(
    page: Page, live_server: str
) -> None:
    if not PISTON.exists():
        pytest.skip(f"reference cases not found at {PISTON.parent} (needs ../shared)")
    sign_in(page, live_server, "a.sci")
    page.goto(f"{live_server}/tools/spc")
    page.get_by_label("Upload a CSV or XLSX file").set_input_files(str(PISTON))
    page.get_by_label("Chart type").select_option("xbar-r")
    page.get_by_label("Value column").fill("diameter_mm")
    page.get_by_label("Subgroup column").fill("sample")
    page.get_by_label("Phase I column (true/false)").fill("phase1_trial")
    page.get_by_role("button", name="Draw the chart").click()

    phase1 = page.locator("#spc-phase-I")
    expect(phase1).to_contain_text("74.0143")  # Montgomery's Xbar UCL, qcc definitions
    expect(phase1).to_contain_text("73.988")
    phase2 = page.locator("#spc-phase-II")
    expect(phase2.locator(".out-of-control")).to_have_text("37, 38, 39")
    expect(phase2.locator("table.signals")).to_contain_text("nelson1")
    # the interactive chart replaced the static one: a point per subgroup, signals in red
    chart = phase2.locator("figure.plot svg.chart")
    expect(chart).to_be_visible()
    signals = chart.locator("circle.signal title").all_text_contents()
    for subgroup in ("37", "38", "39"):
        assert any(t.startswith(f"{subgroup}:") for t in signals), (subgroup, signals)
    # the header is known now: the columns are offered as choices, the data kept
    expect(page.get_by_label("Subgroup column")).to_have_value("sample")
    page.get_by_label("Chart type").select_option("xbar-s")
    page.get_by_role("button", name="Draw the chart").click()
    expect(page.locator("#spc-phase-II .out-of-control")).to_contain_text("37")
