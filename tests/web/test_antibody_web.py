"""Antibody developability over the API and the page: the engine's answers, errors named."""

from __future__ import annotations

import re

import pytest

from opencmc.science.design.antibody import profile
from opencmc.science.design.antibody_metrics import clinical_antibodies

pytestmark = pytest.mark.usefixtures("hmmscan")

REF = clinical_antibodies().set_index("name")
TRAS_H, TRAS_L = REF.loc["trastuzumab", "heavy"], REF.loc["trastuzumab", "light"]
ADA_H, ADA_L = REF.loc["adalimumab", "heavy"], REF.loc["adalimumab", "light"]
FASTA = "".join(
    f">{name}|{chain}\n{seq}\n"
    for name, chain, seq in [
        ("trastuzumab", "heavy", TRAS_H),
        ("trastuzumab", "light", TRAS_L),
        ("adalimumab", "VH", ADA_H),
        ("adalimumab", "VL", ADA_L),
    ]
)


def _ng55(liabilities: list[dict]) -> dict:
    (hit,) = [h for h in liabilities if h["motif"] == "NG" and h["chain"] == "heavy"]
    return hit


def test_profile_api_records_and_fasta(api) -> None:  # type: ignore[no-untyped-def]
    client = api("a.sci")
    records = [
        {"name": "trastuzumab", "heavy": TRAS_H, "light": TRAS_L},
        {"name": "adalimumab", "heavy": ADA_H, "light": ADA_L},
    ]
    response = client.post("/api/v1/design/antibody/profile", json={"records": records})
    assert response.status_code == 200, response.text
    result = response.json()
    tras = result["profiles"][0]
    assert tras["name"] == "trastuzumab"
    hit = _ng55(tras["liabilities"])
    assert (hit["position"], hit["region"], hit["risk"]) == (55, "CDR2", "high")
    assert tras["cdrs"]["heavy"]["imgt"]["CDR2"] == "IYPTNGYT"
    assert tras["cdrs"]["heavy"]["kabat"]["CDR2"] == "RIYPTNGYTRYADSVKG"
    assert tras["germlines"]["light"]["v_gene"].startswith("IGKV1-39")
    engine = profile(TRAS_H, TRAS_L, name="trastuzumab")
    assert tras["pi"] == pytest.approx(engine.pi, rel=1e-12)
    assert tras["fv_csp"] == pytest.approx(engine.fv_csp, rel=1e-12)
    assert tras["flags"] == engine.flags
    order = ("red_flags", "high_liabilities", "amber_flags", "medium_liabilities")
    keys = [tuple(row[k] for k in order) for row in result["ranking"]]
    assert keys == sorted(keys)
    assert {row["name"] for row in result["ranking"]} == {"trastuzumab", "adalimumab"}
    assert [row["rank"] for row in result["ranking"]] == [1, 2]
    as_fasta = client.post("/api/v1/design/antibody/profile", json={"fasta": FASTA})
    assert as_fasta.status_code == 200, as_fasta.text
    assert as_fasta.json()["profiles"] == result["profiles"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "records": [
                    {"name": "tz", "heavy": TRAS_H[:10] + "B" + TRAS_H[11:], "light": TRAS_L}
                ]
            },
            "record 'tz' heavy chain position 11: 'B'",
        ),
        (
            {"fasta": f">tz|heavy\n{TRAS_H}\n>tz|light\n{TRAS_L[:4]}X{TRAS_L[5:]}\n"},
            "record 'tz' light chain position 5: 'X'",
        ),
    ],
)
def test_profile_api_bad_residue_is_named(api, body, expected) -> None:  # type: ignore[no-untyped-def]
    response = api("a.sci").post("/api/v1/design/antibody/profile", json=body)
    assert response.status_code == 422, response.text
    assert expected in response.json()["message"]


def test_profile_api_needs_one_source(api) -> None:  # type: ignore[no-untyped-def]
    both = {"fasta": FASTA, "records": [{"name": "a", "heavy": TRAS_H}]}
    assert api("a.sci").post("/api/v1/design/antibody/profile", json=both).status_code == 422
    extra = {"fasta": FASTA, "colour": "red"}
    assert api("a.sci").post("/api/v1/design/antibody/profile", json=extra).status_code == 422


def test_redesign_api_removes_ng55(api) -> None:  # type: ignore[no-untyped-def]
    body = {"name": "trastuzumab", "heavy": TRAS_H, "light": TRAS_L}
    response = api("a.sci").post("/api/v1/design/antibody/redesign", json=body)
    assert response.status_code == 200, response.text
    proposals = response.json()["proposals"]
    n55q = next(p for p in proposals if p["mutation"] == "heavy N55Q")
    assert n55q["removed"] and n55q["changes_cdr"]
    assert n55q["variant_heavy"][54] == "Q"
    assert n55q["after"]["liability_counts"]["high"] < n55q["before"]["liability_counts"]["high"]
    outside = {**body, "allow_cdr": False}
    kept = api("a.sci").post("/api/v1/design/antibody/redesign", json=outside).json()
    assert all(not p["changes_cdr"] for p in kept["proposals"])


def test_screen_api_filters_sorts_and_is_bounded(api) -> None:  # type: ignore[no-untyped-def]
    variant = TRAS_H[:54] + "Q" + TRAS_H[55:]
    rows = [
        {"name": "wild type", "heavy": TRAS_H, "light": TRAS_L},
        {"name": "N55Q", "heavy": variant, "light": TRAS_L},
    ]
    client = api("a.sci")
    response = client.post("/api/v1/design/antibody/screen", json={"rows": rows})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["rows"], result["kept"], result["not_numbered"]) == (2, 2, 0)
    assert [v["name"] for v in result["variants"]] == ["N55Q", "wild type"]
    assert result["variants"][0]["motif_high"] == result["variants"][1]["motif_high"] - 1
    csv = "name,heavy,light\n" + "\n".join(f"{r['name']},{r['heavy']},{r['light']}" for r in rows)
    kept = client.post(
        "/api/v1/design/antibody/screen",
        json={"csv": csv, "criteria": {"motif_high": {"max": 1}}},
    ).json()
    assert [v["name"] for v in kept["variants"]] == ["N55Q"]
    too_many = "name,heavy\n" + "".join(f"{k},A\n" for k in range(5_001))  # a small body
    big = client.post("/api/v1/design/antibody/screen", json={"csv": too_many})
    assert big.status_code == 422
    message = big.json()["message"]
    assert "at most 5,000" in message and "opencmc design antibody screen" in message
    bad = client.post(
        "/api/v1/design/antibody/screen",
        json={"rows": [{"name": "v1", "heavy": TRAS_H[:3] + "J" + TRAS_H[4:]}]},
    )
    assert bad.status_code == 422
    assert "record 'v1' heavy chain position 4" in bad.json()["message"]


def test_page_shows_ng55_ranking_and_redesign(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    form = client.get("/tools/antibody")
    assert form.status_code == 200
    assert 'name="csrf_token"' in form.text
    page = client.post(
        "/tools/antibody", data={"fasta": FASTA, "lead": "trastuzumab", "csrf_token": csrf}
    )
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="antibody-ranking"' in html
    row = re.search(
        r'<tr data-risk="high"><td>heavy</td><td>55</td><td class="mono">NG</td>.*?</tr>', html
    )
    assert row is not None and "CDR2" in row.group(0)
    assert "IYPTNGYT" in html and "IGKV1-39" in html
    assert 'data-flag="fv_csp"' in html
    redesign = html[html.index('id="antibody-redesign"') :]
    assert "trastuzumab" in redesign and "heavy N55Q" in redesign
    single = client.post(
        "/tools/antibody",
        data={"name": "tz", "heavy": TRAS_H, "light": TRAS_L, "csrf_token": csrf},
    )
    assert single.status_code == 200 and "heavy N55Q" in single.text


def test_page_bad_input_and_csrf(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    bad = client.post(
        "/tools/antibody",
        data={"name": "tz", "heavy": TRAS_H[:10] + "B" + TRAS_H[11:], "csrf_token": csrf},
    )
    assert bad.status_code == 422
    assert "record &#39;tz&#39; heavy chain position 11" in bad.text
    empty = client.post("/tools/antibody", data={"csrf_token": csrf})
    assert empty.status_code == 422
    forged = client.post("/tools/antibody", data={"fasta": FASTA})
    assert forged.status_code in (400, 403)
