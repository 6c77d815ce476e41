"""Support programmes, vouchers and the dashboard over the API and the pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.market.test_vouchers import approved_voucher, draw, make_order, open_programme

TODAY = date.today()
PROGRAMME = {
    "title": "ATMP vouchers",
    "budget": 500_000_000,
    "coverage_percent": 70,
    "per_company_cap": 200_000_000,
    "eligible_modalities": ["mrna", "cell_therapy"],
    "max_employees": 100,
    "opens_on": (TODAY - timedelta(days=1)).isoformat(),
    "closes_on": (TODAY + timedelta(days=60)).isoformat(),
}


def test_a_round_over_the_api(api) -> None:  # type: ignore[no-untyped-def]
    hyun, mina, joon = api("o.admin"), api("a.sci"), api("p.sci")
    assert mina.post("/api/v1/market/programmes", json=PROGRAMME).status_code == 403
    created = hyun.post("/api/v1/market/programmes", json=PROGRAMME)
    assert created.status_code == 201, created.text
    programme = created.json()
    assert (programme["status"], programme["remaining"]) == ("draft", 500_000_000)
    url = f"/api/v1/market/programmes/{programme['id']}"
    assert mina.get(url).status_code == 404  # a draft is the office's alone
    bad = hyun.patch(url, json={"per_company_cap": 600_000_000})
    assert bad.status_code == 422
    assert bad.json()["field"] == "per_company_cap"
    edited = hyun.patch(url, json={"coverage_percent": 60, "reason": "board"}).json()
    assert edited["coverage_percent"] == 60
    assert hyun.post(f"{url}/open").json()["status"] == "open"
    assert hyun.post(f"{url}/open").status_code == 409
    assert [p["id"] for p in joon.get("/api/v1/market/programmes").json()] == [programme["id"]]

    too_big = mina.post(
        f"{url}/applications", json={"employees": 250, "modalities": ["mrna"], "statement": "s"}
    )
    assert too_big.status_code == 422
    assert "over this programme's limit of 100" in too_big.json()["message"]
    applied = mina.post(f"{url}/applications", json={"employees": 30, "modalities": ["mrna"]})
    assert applied.status_code == 201, applied.text
    again = mina.post(f"{url}/applications", json={"employees": 30, "modalities": ["mrna"]})
    assert again.status_code == 409
    assert mina.get(f"{url}/applications").status_code == 403
    (application,) = hyun.get(f"{url}/applications").json()
    assert (application["sponsor"], application["status"]) == ("Alpha Bio", "applied")

    voucher_url = f"/api/v1/market/vouchers/{application['id']}"
    assert mina.post(f"{voucher_url}/approve", json={}).status_code == 403
    assert api("b.sci").get(voucher_url).status_code == 404
    approved = hyun.post(f"{voucher_url}/approve", json={"cap": 150_000_000}).json()
    assert (approved["status"], approved["cap"], approved["remaining"]) == (
        "approved",
        150_000_000,
        150_000_000,
    )
    assert hyun.post(f"{voucher_url}/reject", json={"reason": "late"}).status_code == 409
    (mine,) = mina.get("/api/v1/market/vouchers?usable=true").json()
    assert (mine["id"], mine["programme"]["coverage_percent"]) == (application["id"], 60)
    assert mina.get(voucher_url).json()["draws"] == []
    closed = hyun.post(f"{url}/close", json={"reason": "round over"}).json()
    assert closed["status"] == "closed"
    assert mina.get("/api/v1/market/vouchers?usable=true").json() == []


def test_the_dashboard_over_the_api(api, factory) -> None:  # type: ignore[no-untyped-def]
    voucher_id = approved_voucher(factory, open_programme(factory))
    order_id = make_order(factory)
    draw(factory, voucher_id, order_id)
    board = api("o.admin").get("/api/v1/market/kpis")
    assert board.status_code == 200
    assert board.json()["voucher_spend_by_provider"] == [
        {"provider": "Gamma CDMO", "currency": "KRW", "amount": 70_000_000, "draws": 1}
    ]
    for handle in ("a.sci", "p.sci"):
        assert api(handle).get("/api/v1/market/kpis").status_code == 403
    detail = api("a.sci").get(f"/api/v1/market/vouchers/{voucher_id}").json()
    assert detail["draws"][0]["order_id"] == order_id
    assert detail["remaining"] == 230_000_000


def test_a_round_through_the_pages(browser_session) -> None:  # type: ignore[no-untyped-def]
    office, office_csrf = browser_session("o.admin")
    sponsor, sponsor_csrf = browser_session("a.sci")
    form = {**PROGRAMME, "eligible_modalities": ["mrna", "cell_therapy"], "max_employees": ""}
    page = office.get("/market/programmes").text
    assert 'action="/market/programmes"' in page
    assert 'action="/market/programmes"' not in sponsor.get("/market/programmes").text
    refused = office.post(
        "/market/programmes",
        data={**form, "coverage_percent": "120", "csrf_token": office_csrf},
        follow_redirects=False,
    )
    assert refused.headers["location"] == "/market/programmes"
    assert "coverage_percent: at most 100" in office.get("/market/programmes").text
    made = office.post(
        "/market/programmes", data={**form, "csrf_token": office_csrf}, follow_redirects=False
    )
    assert made.status_code == 303
    here = made.headers["location"]
    programme_id = int(here.rsplit("/", 1)[1])
    assert sponsor.get(here).status_code == 404
    office.post(f"{here}/open", data={"csrf_token": office_csrf})
    page = sponsor.get(here).text
    assert f'action="/market/programmes/{programme_id}/apply"' in page
    page = sponsor.post(
        f"{here}/apply",
        data={
            "employees": "25",
            "modalities": ["cell_therapy"],
            "statement": "CAR-T",
            "csrf_token": sponsor_csrf,
        },
    ).text
    assert "Application sent to the programme office." in page
    assert re.search(
        r'href="/market/vouchers/\d+">Application \d+</a>: <span class="status">applied', page
    )
    review = office.get(here).text
    assert "Alpha Bio" in review and "CAR-T" in review
    voucher_id = int(re.search(r"/market/vouchers/(\d+)/approve", review).group(1))  # type: ignore[union-attr]
    office.post(
        f"/market/vouchers/{voucher_id}/approve",
        data={"cap": "100,000,000", "csrf_token": office_csrf},
    )
    listing = sponsor.get("/market/vouchers").text
    assert "100,000,000" in listing and "approved" in listing
    assert "status:approved" in sponsor.get(f"/market/vouchers/{voucher_id}").text
    office.post(f"{here}/close", data={"reason": "over", "csrf_token": office_csrf})
    assert "Closed: released draws" in office.get(here).text


def test_the_dashboard_page(browser_session, factory) -> None:  # type: ignore[no-untyped-def]
    voucher_id = approved_voucher(factory, open_programme(factory))
    draw(factory, voucher_id, make_order(factory))
    office, _csrf = browser_session("o.admin")
    page = office.get("/market/kpis")
    assert page.status_code == 200
    assert "Voucher spend by modality" in page.text
    assert "70,000,000 KRW" in page.text and "Gamma CDMO" in page.text
    assert "Alpha-secret" not in page.text
    sponsor, _csrf = browser_session("a.sci")
    assert sponsor.get("/market/kpis").status_code == 403
