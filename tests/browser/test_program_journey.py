"""In a real browser: sign in, register a program, edit it with a reason, sign it, read the
edit and the signature in its trail, and see the signature lose validity after another edit."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, email


def sign_in(page: Page, base: str, handle: str) -> None:
    page.goto(f"{base}/programs")
    expect(page).to_have_url(re.compile(r"/login\?next=/programs"))
    page.get_by_label("E-mail").fill(email(handle))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Programs")).to_be_visible()


def _edit_description(page: Page, text: str, reason: str) -> None:
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Description").fill(text)
    page.get_by_label("Reason for the change").fill(reason)
    page.get_by_role("button", name="Save").click()


def test_program_edit_sign_and_invalidate(page: Page, live_server: str) -> None:
    sign_in(page, live_server, "a.qa")
    page.get_by_role("link", name="Register a program").click()
    page.get_by_label("Name").fill("HB-201 anti-TIGIT")
    page.get_by_label("Modality").select_option("monoclonal_antibody")
    page.get_by_label("Current stage").select_option("candidate_optimisation")
    page.get_by_label("Target milestone").select_option("phase_1")
    page.get_by_label("Description").fill("IgG1, three leads")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="HB-201 anti-TIGIT")).to_be_visible()

    # an edit without a reason is refused by the browser; with one it is saved
    _edit_description(page, "IgG1, lead A chosen", "lead selection meeting")
    expect(page.get_by_text("Program saved as version 2.")).to_be_visible()

    page.get_by_text("Sign this record").click()
    page.get_by_label("Meaning").select_option("approved")
    page.get_by_label("Password (to confirm it is you)").fill(PASSWORD)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("Signed as approved.")).to_be_visible()
    signature = page.locator("#signatures tr.signature")
    expect(signature).to_have_count(1)
    expect(signature).to_contain_text("approved")
    expect(signature).to_contain_text("valid")

    trail = page.locator("#trail tbody tr")
    expect(trail).to_have_count(3)
    expect(trail.nth(1)).to_contain_text("update")
    expect(trail.nth(1)).to_contain_text("lead selection meeting")
    expect(trail.nth(1)).to_contain_text("IgG1, lead A chosen")
    expect(trail.nth(2)).to_contain_text("sign:approved")

    _edit_description(page, "IgG1, lead A and backup B-QG", "backup recorded")
    expect(page.locator("#signatures tr.signature.invalid")).to_contain_text(
        "no longer valid: record changed"
    )
    expect(page.locator("#trail tbody tr")).to_have_count(4)

    # the organisation's trail page shows the same events, newest first
    page.get_by_role("link", name="Audit trail").click()
    expect(page.locator("table.trail tbody tr").first).to_contain_text("backup recorded")


def test_wrong_password_does_not_sign(page: Page, live_server: str) -> None:
    sign_in(page, live_server, "a.sci")
    page.get_by_role("link", name="Register a program").click()
    page.get_by_label("Name").fill("HB-301")
    page.get_by_label("Modality").select_option("mrna")
    page.get_by_role("button", name="Register").click()
    page.get_by_text("Sign this record").click()
    page.get_by_label("Password (to confirm it is you)").fill("not my password")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text("Not signed: password is wrong")).to_be_visible()
    expect(page.locator("#signatures tr.signature")).to_have_count(0)
