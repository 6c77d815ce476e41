"""RNA design over the API and the pages: the engines' numbers, and errors that name the fault."""

from __future__ import annotations

import re

import pytest

from opencmc.science.design import aso, mrna, sirna

PROTEIN = "MFVFLVLLPLVSSQCVNLTTRTQLPPAYTN"  # 30 aa of the spike's N-terminus
FAST = {"weights": [3.0], "sweeps": 1}  # a small front keeps the searches quick
UTR5 = "GGGAAAUAAGAGAGAAAAGAAGAGUAAGAAGAAAUAUAAGAGCCACC"


@pytest.fixture(scope="module")
def design() -> mrna.MrnaDesignResult:
    return mrna.optimise(PROTEIN, "human", **FAST)  # type: ignore[arg-type]


def test_optimise_gives_the_engines_designs(api, design) -> None:  # type: ignore[no-untyped-def]
    response = api("a.sci").post(
        "/api/v1/design/mrna/optimise", json={"protein": PROTEIN, "host": "human", **FAST}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["chosen"]["sequence"] == design.chosen.sequence
    assert body["chosen"]["cai"] == pytest.approx(design.chosen.cai, rel=1e-12)
    assert body["chosen"]["mfe"] == pytest.approx(design.chosen.mfe)
    assert [d["cai"] for d in body["front"]] == pytest.approx([d.cai for d in design.front])
    assert any(d["cai_weight"] is None for d in body["front"])  # the CAI-only design
    assert mrna.translate(body["chosen"]["sequence"]).rstrip("*") == PROTEIN


def test_profile_gives_the_engines_metrics(api, design) -> None:  # type: ignore[no-untyped-def]
    body = {"sequence": design.chosen.sequence, "utr5": UTR5, "poly_a": 30, "host": "human"}
    response = api("a.sci").post("/api/v1/design/mrna/profile", json=body)
    assert response.status_code == 200, response.text
    got = response.json()
    expected = mrna.profile(design.chosen.sequence, "human", utr5=UTR5, poly_a=30)
    assert got["cai"] == pytest.approx(expected.cai, rel=1e-12)
    assert got["cai"] == pytest.approx(mrna.cai(design.chosen.sequence, "human"), rel=1e-12)
    assert got["mfe"] == pytest.approx(expected.mfe)
    assert got["gc"] == pytest.approx(expected.gc)
    assert got["length"] == len(UTR5) + len(design.chosen.sequence) + 30
    assert "CAI" in got["summary"]


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/api/v1/design/mrna/optimise", {"protein": "ATGAAATAGCCCTAA", "sequence_type": "cds"},
         "stop codon TAG at codon 3"),
        ("/api/v1/design/mrna/optimise", {"protein": "MKVLBQ"}, "'B' at position 5"),
        ("/api/v1/design/mrna/optimise", {"protein": "MKV*LQ"}, "position 4"),
        ("/api/v1/design/mrna/optimise", {"protein": "M" * 1501}, "command line"),
        ("/api/v1/design/mrna/optimise",
         {"protein": PROTEIN, "constraints": {"gc_min": 0.8, "gc_max": 0.5}}, "GC range 0.8-0.5"),
        ("/api/v1/design/mrna/profile", {"sequence": "AUGGCCXAAGUGA"}, "'X' at position 7"),
        ("/api/v1/design/sirna", {"target": "ACGUACGUAC"}, "shorter than 19"),
        ("/api/v1/design/aso", {"target": "ACGU" * 10, "region": [1, 400]}, "outside"),
    ],
)  # fmt: skip
def test_bad_input_is_named(api, path, body, message) -> None:  # type: ignore[no-untyped-def]
    response = api("a.sci").post(path, json=body)
    assert response.status_code == 422, response.text
    assert message in response.json()["message"]


def test_sirna_and_aso_rank_like_the_engines(api, design) -> None:  # type: ignore[no-untyped-def]
    target = design.chosen.sequence
    other = {"off": target[30:90][::-1] + target[:60]}
    got = api("a.sci").post(
        "/api/v1/design/sirna", json={"target": target, "transcripts": other, "top": 5}
    )
    assert got.status_code == 200, got.text
    expected = sirna.design(target, transcripts=other)
    assert [c["sense"] for c in got.json()["candidates"]] == [
        c.sense for c in expected.candidates[:5]
    ]
    assert got.json()["total"] == len(expected.candidates) == len(target) - 18
    gapmers = api("a.sci").post(
        "/api/v1/design/aso", json={"target": target, "lengths": [16, 18], "wings": [3, 3]}
    )
    assert gapmers.status_code == 200, gapmers.text
    expected_aso = aso.design(target, lengths=[16, 18], wings=(3, 3))
    assert [c["sequence"] for c in gapmers.json()["candidates"]] == [
        c.sequence for c in expected_aso.candidates[:100]
    ]
    assert gapmers.json()["candidates"][0]["design"] in ("3-10-3", "3-12-3")


def test_mrna_page_designs_and_downloads(browser_session, design) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    assert client.get("/tools/mrna").status_code == 200
    form = {"csrf_token": csrf, "sequence": f">spike N-term\n{PROTEIN}\n", "host": "human",
            "weights": "3", "sweeps": "1", "cai_weight": "3", "gc_min": "0.30",
            "gc_max": "0.70", "gc_window": "50", "max_homopolymer": "5",
            "poly_a": "30"}  # fmt: skip
    page = client.post("/tools/mrna", data=form)
    assert page.status_code == 200, page.text[:800]
    assert f'id="chosen-cai">{design.chosen.cai:.3f}<' in page.text
    assert design.chosen.sequence in page.text
    assert "<svg" in page.text
    fasta = client.post(
        "/tools/mrna/fasta",
        data={"csrf_token": csrf, "name": "chosen CDS", "sequence": design.chosen.dna},
    )
    assert fasta.status_code == 200
    assert "attachment" in fasta.headers["content-disposition"]
    lines = fasta.text.splitlines()
    assert lines[0] == ">chosen CDS"
    assert "".join(lines[1:]) == design.chosen.dna
    bad = client.post("/tools/mrna", data={**form, "sequence": "MKVLZQ"})
    assert bad.status_code == 422
    assert "&#39;Z&#39; at position 5" in bad.text or "'Z' at position 5" in bad.text
    no_csrf = client.post("/tools/mrna", data={k: v for k, v in form.items() if k != "csrf_token"})
    assert no_csrf.status_code in (400, 403)


def test_sirna_page_lists_candidates(browser_session, design) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    assert client.get("/tools/sirna").status_code == 200
    target = design.chosen.sequence
    page = client.post("/tools/sirna", data={"csrf_token": csrf, "target": target, "top": "5"})
    assert page.status_code == 200, page.text[:800]
    best = sirna.design(target).candidates[0]
    assert best.sense in page.text
    assert len(re.findall(r"<tr>\s*<td>\d+</td>", page.text)) == 5
    gapmers = client.post(
        "/tools/sirna",
        data={"csrf_token": csrf, "target": target, "kind": "aso", "lengths": "16-17",
              "wings": "3-3", "top": "3"},
    )  # fmt: skip
    assert gapmers.status_code == 200, gapmers.text[:800]
    assert aso.design(target, lengths=[16, 17], wings=(3, 3)).candidates[0].notation in (
        gapmers.text
    )
    bad = client.post("/tools/sirna", data={"csrf_token": csrf, "target": "ACGUNNACGU"})
    assert bad.status_code == 422
    assert "position 5" in bad.text
