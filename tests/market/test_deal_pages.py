"""The deal pages with their forms: request from an offering, acknowledge, quote, accept
with shares and a voucher, milestones, a CSV delivery refused then accepted, the roadmap's
evidence, the package proposal and the notifications."""

from __future__ import annotations

import re

import pytest

from tests.market.world import World, build, stability_rows


@pytest.fixture
def world(factory) -> World:  # type: ignore[no-untyped-def]
    return build(factory)


def _csv(rows: list[dict]) -> bytes:  # type: ignore[type-arg]
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(str(r[h]) for h in header) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash" role="status">([^<]*)</p>', page)
    return found.group(1) if found else ""


def test_the_deal_through_the_pages(browser_session, world) -> None:  # type: ignore[no-untyped-def]
    mina, mina_csrf = browser_session("a.sci")
    joon, joon_csrf = browser_session("p.sci")
    form = mina.get(f"/market/requests/new?offering_id={world.offering_id}")
    assert form.status_code == 200 and "ICH stability study" in form.text
    sent = mina.post(
        "/market/requests",
        data={
            "csrf_token": mina_csrf,
            "program_id": str(world.program_id),
            "offering_ids": str(world.offering_id),
            "title": "DS stability at 5 C",
            "category": "stability_study",
            "scope": "Three DS batches, SEC purity",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    request_url = sent.headers["location"]
    assert "DS stability at 5 C" in mina.get(request_url).text
    request_id = request_url.rsplit("/", 1)[1]
    attached = mina.post(
        f"/service-requests/{request_id}/attachments",
        data={"csrf_token": mina_csrf},
        files={"file": ("protocol.txt", b"storage at 5 C, SEC at each pull\n", "text/plain")},
    )
    assert "protocol.txt" in attached.text  # back on the request page with its file
    file_url = re.search(r'href="(/service-requests/\d+/attachments/\d+)"', attached.text).group(1)  # type: ignore[union-attr]
    assert joon.get(file_url).status_code == 404  # not before the confidentiality terms

    inbox = joon.get("/market/inbox").text
    item_url = re.search(r'href="(/market/inbox/\d+)"', inbox).group(1)  # type: ignore[union-attr]
    assert "Three DS batches" not in joon.get(item_url).text
    joon.post(f"{item_url}/acknowledge", data={"csrf_token": joon_csrf})
    assert "Three DS batches" in joon.get(item_url).text
    assert "protocol.txt" in joon.get(item_url).text
    assert joon.get(file_url).content == b"storage at 5 C, SEC at each pull\n"
    bad = joon.post(
        f"{item_url}/quotes",
        data={"csrf_token": joon_csrf, "line_items": "Set-up; 1", "lead_time_weeks": "8"},
    )
    assert "line 1 needs 3 parts" in _flash(bad.text)
    joon.post(
        f"{item_url}/quotes",
        data={
            "csrf_token": joon_csrf,
            "line_items": "Set-up; 1; 5000000\nTime points; 4; 4000000",
            "lead_time_weeks": "8",
            "valid_until": "2099-12-31",
            "milestones": "Samples received; 1\nReport delivered; 8",
        },
    )
    page = mina.get(request_url).text
    assert "21,000,000 KRW" in page
    assert "pays 10,500,000, you pay 10,500,000 KRW" in page  # the split before accepting
    quote_id = re.search(r'action="/market/quotes/(\d+)/accept"', page).group(1)  # type: ignore[union-attr]
    share = [f"stability-studies:{world.study_id}"] + [f"batches:{b}" for b in world.batch_ids]
    placed = mina.post(
        f"/market/quotes/{quote_id}/accept",
        data={"csrf_token": mina_csrf, "share": share, "voucher_id": str(world.voucher_id)},
        follow_redirects=False,
    )
    order_url = placed.headers["location"]
    order_page = mina.get(order_url).text
    assert "Voucher pays 10,500,000" in order_page and "co-payment 10,500,000" in order_page

    provider_page = joon.get(order_url).text
    assert "Pull calendar: DS long-term" in provider_page  # the provider's work plan
    for milestone_id in re.findall(r'action="/market/milestones/(\d+)/complete"', provider_page):
        joon.post(
            f"/market/milestones/{milestone_id}/complete",
            data={"csrf_token": joon_csrf, "order_id": order_url.rsplit("/", 1)[1]},
        )
    wrong = joon.post(
        f"{order_url}/deliverables",
        data={
            "csrf_token": joon_csrf,
            "title": "T0-T6",
            "kind": "stability_results",
            "study_id": str(world.study_id),
        },
        files={"file": ("t.csv", _csv(stability_rows(unit="mg")), "text/csv")},
    )
    assert "row 2, column unit" in _flash(wrong.text) or "unit" in _flash(wrong.text)
    joon.post(
        f"{order_url}/deliverables",
        data={
            "csrf_token": joon_csrf,
            "title": "T0-T6",
            "kind": "stability_results",
            "study_id": str(world.study_id),
        },
        files={"file": ("t.csv", _csv(stability_rows()), "text/csv")},
    )
    notes = mina.get("/notifications").text
    assert "T0-T6 to review" in notes
    assert re.search(r'id="unread">\d+<', mina.get("/notifications/count").text)
    order_page = mina.get(order_url).text
    deliverable_id = re.search(r'action="/market/deliverables/(\d+)/review"', order_page).group(1)  # type: ignore[union-attr]
    mina.post(
        f"/market/deliverables/{deliverable_id}/review",
        data={"csrf_token": mina_csrf, "decision": "accept"},
    )
    order_page = mina.get(order_url).text
    assert "Evidence for: stability_drug_substance_clinical" in order_page
    roadmap = mina.get(f"/programs/{world.program_id}/roadmap").text
    assert f"{order_url}#deliverable-{deliverable_id}" in roadmap
    closed = mina.post(f"{order_url}/close", data={"csrf_token": mina_csrf, "reason": "delivered"})
    assert "Order closed" in _flash(closed.text)
    assert joon.get(f"/stability-studies/{world.study_id}").status_code == 404


def test_package_pages(browser_session, world) -> None:  # type: ignore[no-untyped-def]
    mina, csrf = browser_session("a.sci")
    proposal = mina.get(f"/programs/{world.program_id}/package")
    assert proposal.status_code == 200
    assert 'data-activity="stability_drug_substance_clinical"' in proposal.text
    empty = mina.post(
        f"/programs/{world.program_id}/package", data={"csrf_token": csrf, "title": "P1"}
    )
    assert "choose at least one gap" in _flash(empty.text)
    sent = mina.post(
        f"/programs/{world.program_id}/package",
        data={
            "csrf_token": csrf,
            "title": "Phase 1 package",
            "activity_ids": "stability_drug_substance_clinical",
            "offerings_stability_drug_substance_clinical": str(world.offering_id),
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    package = mina.get(sent.headers["location"]).text
    assert "Phase 1 package" in package and "open" in package
    joon, _ = browser_session("p.sci")
    assert "Phase 1 package" not in joon.get(sent.headers["location"]).text
