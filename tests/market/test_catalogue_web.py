"""The catalogue and qualification over the API and the pages: publish, search, the
provider's profile and evidence, the programme office's decisions and expiry flags."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from opencmc.platform.market import catalogue
from tests.market.test_catalogue import CELL_LINE, OFFERING

NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()


def _publish(api, data=None):  # type: ignore[no-untyped-def]
    joon = api("p.sci")
    created = joon.post("/api/v1/market/offerings", json=data or OFFERING)
    assert created.status_code == 201, created.text
    offering = created.json()
    published = joon.post(f"/api/v1/market/offerings/{offering['id']}/publish", json={})
    assert published.status_code == 200, published.text
    return joon, published.json()


def test_offering_lifecycle_over_the_api(api) -> None:  # type: ignore[no-untyped-def]
    joon, mina = api("p.sci"), api("a.sci")
    created = joon.post("/api/v1/market/offerings", json=OFFERING)
    assert created.status_code == 201, created.text
    offering = created.json()
    assert (offering["status"], offering["version"], offering["orderable"]) == ("draft", 1, False)
    assert offering["provider"]["name"] == "Gamma CDMO"
    assert offering["category_label"] == "Stability study"
    url = f"/api/v1/market/offerings/{offering['id']}"
    assert mina.get(url).status_code == 404  # a draft is the provider's alone
    assert [o["id"] for o in joon.get("/api/v1/market/offerings/mine").json()] == [offering["id"]]
    assert mina.get("/api/v1/market/offerings/mine").json() == []

    edited = joon.patch(url, json={"version": 1, "reason": "new site", "lead_time_weeks": 6})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["lead_time_weeks"], edited.json()["version"]) == (6, 2)
    stale = joon.patch(url, json={"version": 1, "reason": "late", "lead_time_weeks": 8})
    assert stale.status_code == 409
    assert stale.json()["field"] == "version"

    published = joon.post(f"{url}/publish", json={"version": 2})
    assert published.json()["status"] == "published"
    seen = mina.get(url)
    assert seen.status_code == 200
    assert (seen.json()["qualification"], seen.json()["orderable"]) == ("applied", False)
    assert mina.patch(url, json={"version": 3, "reason": "r", "title": "x"}).status_code == 403
    assert joon.post(f"{url}/publish", json={}).status_code == 409
    no_reason = joon.post(f"{url}/withdraw", json={})
    assert (no_reason.status_code, no_reason.json()["field"]) == (422, "reason")
    withdrawn = joon.post(f"{url}/withdraw", json={"reason": "capacity full"})
    assert withdrawn.json()["status"] == "withdrawn"
    assert mina.get(url).status_code == 404


def test_api_refusals_name_the_field(api) -> None:  # type: ignore[no-untyped-def]
    joon = api("p.sci")
    bad = joon.post("/api/v1/market/offerings", json={**OFFERING, "modalities": ["vaccine"]})
    assert (bad.status_code, bad.json()["field"]) == (422, "modalities")
    missing = joon.post("/api/v1/market/offerings", json={"title": "t"})
    assert missing.status_code == 422
    assert "category" in missing.json()["message"]
    sponsor = api("a.sci").post("/api/v1/market/offerings", json=OFFERING)
    assert sponsor.status_code == 403
    search = api("a.sci").get("/api/v1/market/offerings?modality=vaccine")
    assert (search.status_code, search.json()["field"]) == (422, "modality")


def test_search_over_the_api(api) -> None:  # type: ignore[no-untyped-def]
    _publish(api, OFFERING)
    _publish(api, CELL_LINE)
    mina = api("a.sci")
    everything = mina.get("/api/v1/market/offerings").json()["items"]
    assert sum(1 for e in everything if e["instant"]) == len(catalogue.INSTANT_SERVICES)
    assert {e["title"] for e in everything if not e["instant"]} == {
        OFFERING["title"],
        CELL_LINE["title"],
    }
    found = mina.get(
        "/api/v1/market/offerings",
        params={"stage": "phase_1", "compliance": "gmp", "max_lead_time_weeks": 4},
    ).json()["items"]
    assert [e["title"] for e in found] == [OFFERING["title"]]
    assert found[0]["provider_name"] == "Gamma CDMO"
    assert found[0]["qualification"] == "applied"
    instant = mina.get(
        "/api/v1/market/offerings", params={"text": "antibody", "category": "in_silico_assessment"}
    ).json()["items"]
    assert [(e["link"], e["lead_time_weeks"]) for e in instant] == [("/tools/antibody", None)]
    only = mina.get(
        "/api/v1/market/offerings", params={"include_instant": False, "orderable_only": True}
    )
    assert only.json()["items"] == []


def test_qualification_over_the_api(api) -> None:  # type: ignore[no-untyped-def]
    joon, hyun, mina = api("p.sci"), api("o.admin"), api("a.sci")
    _publish(api)
    org = next(
        p["organisation_id"]
        for p in mina.get("/api/v1/market/providers").json()
        if p["name"] == "Gamma CDMO"
    )
    url = f"/api/v1/market/providers/{org}"
    profile = joon.patch(
        url, json={"version": 1, "reason": "profile", "summary": "Biologics CDMO in Songdo"}
    )
    assert profile.status_code == 200, profile.text
    document = joon.post(
        "/api/v1/market/documents",
        json={
            "title": "KGMP certificate",
            "kind": "gmp_certificate",
            "issuer": "MFDS",
            "expires_on": (date.today() + timedelta(days=240)).isoformat(),
        },
    )
    assert document.status_code == 201, document.text
    doc_id = document.json()["id"]
    assert mina.get(f"/api/v1/market/documents/{doc_id}").status_code == 404
    assert hyun.get(f"/api/v1/market/documents/{doc_id}").status_code == 200
    public = mina.get(url).json()
    assert public["summary"] == "Biologics CDMO in Songdo"
    assert "documents" not in public and "audit_outcome" not in public
    assert [o["title"] for o in public["offerings"]] == [OFFERING["title"]]
    assert mina.get(f"{url}/documents").json() == []
    assert [d["id"] for d in hyun.get(f"{url}/documents").json()] == [doc_id]
    assert [d["id"] for d in joon.get(url).json()["documents"]] == [doc_id]

    qualify = {"qualified_until": NEXT_YEAR, "audit_outcome": "passed", "reason": "audit"}
    assert joon.post(f"{url}/qualify", json=qualify).status_code == 403
    qualified = hyun.post(f"{url}/qualify", json=qualify)
    assert qualified.status_code == 200, qualified.text
    assert (qualified.json()["standing"], qualified.json()["audit_outcome"]) == (
        "qualified",
        "passed",
    )
    assert mina.get("/api/v1/market/offerings?orderable_only=true").json()["items"]
    past = hyun.post(f"{url}/qualify", json={**qualify, "qualified_until": "2001-01-01"})
    assert (past.status_code, past.json()["field"]) == (422, "qualified_until")
    suspended = hyun.post(f"{url}/suspend", json={"reason": "certificate lapsed"})
    assert suspended.json()["standing"] == "suspended"
    assert hyun.post(f"{url}/suspend", json={"reason": "again"}).status_code == 409
    assert api("b.sci").get(url).json()["standing"] == "suspended"
    assert mina.get("/api/v1/market/providers/987654").status_code == 404

    assert hyun.get("/api/v1/market/expiring").json() == []
    flags = hyun.get("/api/v1/market/expiring", params={"within_days": 365}).json()
    assert [(f["kind"], f["record_id"], f["expired"]) for f in flags] == [
        ("document", doc_id, False)
    ]
    assert mina.get("/api/v1/market/expiring", params={"within_days": 365}).json() == []
    uploaded = joon.post(
        f"/api/v1/market/documents/{doc_id}/file",
        files={"file": ("kgmp.pdf", io.BytesIO(b"%PDF-1.7 cert"), "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    attachment_id = uploaded.json()["attachment_id"]
    download = f"/api/v1/qualification-documents/{doc_id}/attachments/{attachment_id}"
    assert hyun.get(download).content == b"%PDF-1.7 cert"
    assert mina.get(download).status_code == 404
    foreign = hyun.post(
        f"/api/v1/market/documents/{doc_id}/file", files={"file": ("x.pdf", io.BytesIO(b"%PDF-"))}
    )
    assert foreign.status_code == 404
    archived = joon.post(f"/api/v1/market/documents/{doc_id}/archive", json={"reason": "renewed"})
    assert archived.json()["archived"] is True
    categories = mina.get("/api/v1/market/categories").json()
    assert categories["compliance"] == {"none": "No GxP claim", "glp": "GLP", "gmp": "GMP"}


def test_catalogue_page_filters_and_links_instant_services(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    _, offering = _publish(api)
    client, _ = browser_session("a.sci")
    page = client.get("/market")
    assert page.status_code == 200
    assert OFFERING["title"] in page.text
    assert 'href="/tools/antibody"' in page.text
    assert "not yet qualified" in page.text
    assert "30,000,000–60,000,000 KRW" in page.text
    filtered = client.get("/market", params={"modality": "mrna", "compliance": "gmp"})
    assert OFFERING["title"] not in filtered.text
    refused = client.get("/market", params={"max_lead_time_weeks": "soon"})
    assert refused.status_code == 422
    assert "max_lead_time_weeks" in refused.text
    detail = client.get(f"/market/offerings/{offering['id']}")
    assert detail.status_code == 200
    assert "Drug substance stability for clinical use" in detail.text
    assert "/withdraw" not in detail.text  # the forms are the provider's
    assert client.get("/market/my-offerings").status_code == 200


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_provider_drafts_publishes_and_files_evidence_through_the_pages(
    api, browser_session
) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("p.sci")
    mine = client.get("/market/my-offerings")
    assert "Draft a new offering" in mine.text
    form = {
        "csrf_token": csrf,
        "title": "GMP fill-finish, vials",
        "category": "fill_finish",
        "modalities": ["monoclonal_antibody", "mrna"],
        "stages": ["phase_1"],
        "compliance": "gmp",
        "lead_time_weeks": "10",
        "price_min": "100,000,000",
        "price_max": "150000000",
        "currency": "KRW",
        "activity_ids": ["gmp_drug_product_batch"],
    }
    bad = client.post("/market/offerings", data={**form, "price_max": "1"}, follow_redirects=False)
    assert bad.status_code == 303 and bad.headers["location"] == "/market/my-offerings"
    assert "price_max" in client.get("/market/my-offerings").text
    created = client.post("/market/offerings", data=form, follow_redirects=False)
    assert created.status_code == 303
    here = created.headers["location"]
    offering_id = int(here.rsplit("/", 1)[1])
    page = client.get(here)
    assert "Edit this offering" in page.text and "not qualified yet" in page.text
    client.post(f"{here}/publish", data={"csrf_token": csrf, "version": "1"})
    assert api("b.sci").get(f"/api/v1/market/offerings/{offering_id}").status_code == 200
    edited = client.post(
        f"{here}/edit",
        data={**form, "version": "2", "lead_time_weeks": "12", "reason": "line booked"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    offering = api("p.sci").get(f"/api/v1/market/offerings/{offering_id}").json()
    assert (offering["lead_time_weeks"], offering["version"]) == (12, 3)
    client.post(f"{here}/withdraw", data={"csrf_token": csrf, "reason": "line closed"})
    assert api("b.sci").get(f"/api/v1/market/offerings/{offering_id}").status_code == 404

    org = api("p.sci").get(f"/api/v1/market/offerings/{offering_id}").json()["provider"]
    added = client.post(
        "/market/documents",
        data={
            "csrf_token": csrf,
            "title": "KGMP certificate",
            "kind": "gmp_certificate",
            "expires_on": (date.today() + timedelta(days=30)).isoformat(),
        },
        files={"file": ("kgmp.pdf", io.BytesIO(b"%PDF-1.7 certificate"), "application/pdf")},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"/market/providers/{org['organisation_id']}"
    profile = client.get(added.headers["location"])
    assert "KGMP certificate" in profile.text and "expires in 30 days" in profile.text
    link = re.search(r'href="(/qualification-documents/\d+/attachments/\d+)"', profile.text)
    assert link is not None
    assert client.get(link.group(1)).content == b"%PDF-1.7 certificate"
    saved = client.post(
        f"/market/providers/{org['organisation_id']}/profile",
        data={"csrf_token": csrf, "version": "1", "reason": "r", "location": "Songdo"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "Songdo" in client.get(saved.headers["location"]).text


def test_programme_office_qualifies_and_suspends_on_its_page(api, browser_session) -> None:  # type: ignore[no-untyped-def]
    _, offering = _publish(api)
    org = offering["provider"]["organisation_id"]
    api("p.sci").post(
        "/api/v1/market/documents",
        json={
            "title": "KGMP certificate",
            "kind": "gmp_certificate",
            "expires_on": (date.today() + timedelta(days=20)).isoformat(),
        },
    )
    sponsor, _ = browser_session("a.sci")
    sponsor_view = sponsor.get("/market/qualification")
    assert sponsor_view.status_code == 200
    assert "Gamma CDMO" in sponsor_view.text and "KGMP certificate" not in sponsor_view.text
    assert f"/market/providers/{org}/qualify" not in sponsor_view.text
    assert "KGMP certificate" not in sponsor.get(f"/market/providers/{org}").text

    client, csrf = browser_session("o.admin")
    page = client.get("/market/qualification")
    assert "KGMP certificate" in page.text and "in 20 days" in page.text
    assert f'action="/market/providers/{org}/qualify"' in page.text
    refused = client.post(
        f"/market/providers/{org}/qualify",
        data={
            "csrf_token": csrf,
            "qualified_until": "2001-01-01",
            "audit_outcome": "a",
            "reason": "r",
        },
        follow_redirects=False,
    )
    assert refused.status_code == 303
    assert "qualified_until" in client.get("/market/qualification").text
    client.post(
        f"/market/providers/{org}/qualify",
        data={
            "csrf_token": csrf,
            "qualified_until": NEXT_YEAR,
            "audit_outcome": "passed",
            "reason": "audit",
        },
    )
    assert api("a.sci").get(f"/api/v1/market/offerings/{offering['id']}").json()["orderable"]
    assert "Renew the qualification" in client.get("/market/qualification").text
    client.post(
        f"/market/providers/{org}/suspend",
        data={"csrf_token": csrf, "reason": "certificate lapsed"},
    )
    seen = api("a.sci").get(f"/api/v1/market/offerings/{offering['id']}").json()
    assert (seen["qualification"], seen["orderable"]) == ("suspended", False)
    provider_page = client.get(f"/market/providers/{org}")
    assert "certificate lapsed" in provider_page.text  # the trail and the last decision
    assert "KGMP certificate" in provider_page.text
