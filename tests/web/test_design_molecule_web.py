"""Small molecules and vectors over the API and the pages: the engines' answers, errors named."""

from __future__ import annotations

import io
import re

from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqRecord import SeqRecord
from rdkit import Chem

from opencmc.science.design import molecule, vector
from opencmc.web.pages.design_molecule import profile_svg, vector_map_svg
from tests.platform.test_assessments import PLASMID

SERIES = {
    "aspirin": "CC(=O)Oc1ccccc1C(=O)O",
    "NDMA": "CN(C)N=O",
    "caffeine": "Cn1c(=O)c2c(ncn2C)n(C)c1=O",
}
ITR = (  # AAV2 ITR, 145 nt (flip), as in docs/design-vector.md
    "TTGGCCACTCCCTCTCTGCGCGCTCGCTCGCTCACTGAGGCCGGGCGACCAAAGGTCGCCCGACGCCCGGGCTTTGCCCGGGC"
    "GGCCTCAGTGAGCGAGCGAGCGCGCAGAGAGGGAGTGGCCAACTCCATCACTAGGGGTTCCT"
)


def _aav_genbank() -> str:
    """A pAAV whose 5,190-nt genome is over the single-stranded capacity, as GenBank text."""
    right = ITR[::-1].translate(str.maketrans("ACGT", "TGCA"))
    seq = ITR + PLASMID + PLASMID[:1900] + right + PLASMID[:2500]
    record = SeqRecord(
        Seq(seq),
        id="pAAV-big",
        annotations={"molecule_type": "DNA", "topology": "circular"},
        features=[
            SeqFeature(FeatureLocation(a, b), type=kind, qualifiers={"label": [name]})
            for a, b, kind, name in [
                (0, 145, "repeat_region", "ITR"),
                (5045, 5190, "repeat_region", "ITR"),
                (5500, 6100, "rep_origin", "ori"),
            ]
        ],
    )
    out = io.StringIO()
    SeqIO.write(record, out, "genbank")
    return out.getvalue()


def test_profile_api_gives_the_engines_numbers_and_names_bad_records(api) -> None:  # type: ignore[no-untyped-def]
    client = api("a.sci")
    smiles = [*SERIES.values(), "C1CC("]
    response = client.post("/api/v1/design/molecule/profile", json={"smiles": smiles})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == 3
    [error] = body["errors"]
    assert error["index"] == 3 and error["input"] == "C1CC("
    assert error["error"].startswith("SMILES Parse Error")
    profiles, _failures = molecule.profile_many(SERIES.values())
    for got, expected in zip(body["profiles"], profiles, strict=True):
        assert got["qed"] == expected.qed
        assert got["esol_log_s"] == expected.esol_log_s
        assert got["descriptors"] == expected.descriptors.to_dict()
        assert got["alerts"] == [a.to_dict() for a in expected.alerts]
    ndma = body["profiles"][1]
    [nitroso] = [a for a in ndma["alerts"] if a["family"] == "ICH M7"]
    assert nitroso["name"] == "N-nitroso (nitrosamine or nitrosamide)" and nitroso["smarts"]
    assert [r["rank"] for r in body["ranking"]] == [1, 2, 3]
    assert body["ranking"][-1]["parent_smiles"] == "CN(C)N=O"
    records = [{"smiles": s, "name": n} for n, s in SERIES.items()]
    named = client.post("/api/v1/design/molecule/profile", json={"records": records}).json()
    assert [p["name"] for p in named["profiles"]] == list(SERIES)


def test_profile_api_refusals(api) -> None:  # type: ignore[no-untyped-def]
    client = api("a.sci")
    url = "/api/v1/design/molecule/profile"
    too_many = client.post(url, json={"smiles": ["C"] * 501})
    assert too_many.status_code == 422
    assert "at most 500" in too_many.json()["message"]
    assert "opencmc design molecule screen" in too_many.json()["message"]
    unreadable = client.post(url, json={"smiles": ["CC", "C1CC(", "N(C)(C)(C)(C)C"][1:]})
    assert unreadable.status_code == 422 and unreadable.json()["field"] == "smiles"
    message = unreadable.json()["message"]
    assert "record 0 (line 1): SMILES Parse Error" in message and "record 1 (line 2)" in message
    assert client.post(url, json={"smiles": []}).json()["field"] == "smiles"
    both = client.post(url, json={"smiles": ["C"], "records": [{"smiles": "C"}]})
    assert both.status_code == 422


def test_profile_file_reads_sdf_csv_and_smiles(api) -> None:  # type: ignore[no-untyped-def]
    client = api("a.sci")
    url = "/api/v1/design/molecule/profile-file"
    blocks = []
    for name, smiles in SERIES.items():
        mol = Chem.MolFromSmiles(smiles)
        mol.SetProp("_Name", name)
        blocks.append(Chem.MolToMolBlock(mol) + "$$$$\n")
    blocks.insert(1, "broken\n\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n$$$$\n")
    sdf = "".join(blocks).encode()
    response = client.post(url, files={"file": ("series.sdf", io.BytesIO(sdf))})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["name"] for p in body["profiles"]] == list(SERIES)
    [error] = body["errors"]
    assert error["index"] == 1 and error["name"] == "broken" and error["line"] > 1
    csv = b"id,SMILES\nasp,CC(=O)Oc1ccccc1C(=O)O\nbad,C1CC(\n"
    as_csv = client.post(url, files={"file": ("series.csv", io.BytesIO(csv))}).json()
    assert [p["name"] for p in as_csv["profiles"]] == ["asp"]
    assert as_csv["errors"][0]["line"] == 3
    no_column = client.post(url, files={"file": ("x.csv", io.BytesIO(b"x,y\n1,2\n"))})
    assert no_column.status_code == 422 and no_column.json()["field"] == "file"
    assert "no SMILES column" in no_column.json()["message"]
    smi = b"CN(C)N=O NDMA\n"
    assert client.post(url, files={"file": ("a.smi", io.BytesIO(smi))}).json()["count"] == 1
    big = b"".join(b"C%d\n" % i for i in range(1, 503)).replace(b"C1\n", b"C\n")
    refused = client.post(url, files={"file": ("big.smi", io.BytesIO(big))})
    assert refused.status_code == 422 and "opencmc design molecule screen" in refused.text


def test_vector_check_api_finds_the_repeat_and_the_oversized_genome(api) -> None:  # type: ignore[no-untyped-def]
    client = api("a.sci")
    url = "/api/v1/design/vector/check"
    response = client.post(url, json={"sequence": PLASMID, "kind": "plasmid"})
    assert response.status_code == 200, response.text
    [report] = response.json()["reports"]
    assert report == {**vector.check(PLASMID, kind="plasmid").to_dict(), "features": []}
    [repeat] = [f for f in report["findings"] if f["check"] == "repeat.direct"]
    assert (repeat["details"]["first_start"], repeat["details"]["second_start"]) == (1002, 2002)
    genbank = _aav_genbank()
    [aav] = client.post(url, json={"genbank": genbank}).json()["reports"]
    [packaging] = [f for f in aav["findings"] if f["check"] == "aav.packaging"]
    assert (aav["kind"], packaging["value"], packaging["level"]) == ("aav", 5190, "high")
    assert [f["label"] for f in aav["features"]] == ["ITR", "ITR", "ori"]
    assert aav["features"][2]["start"] == 5501 and aav["features"][2]["end"] == 6100
    sc = client.post(url, json={"genbank": genbank, "genome": "sc"}).json()["reports"][0]
    assert [f["limit"] for f in sc["findings"] if f["check"] == "aav.packaging"] == [2350]
    upload = client.post(
        url + "-file",
        files={"file": ("pAAV.gb", io.BytesIO(genbank.encode()))},
        data={"genome": "sc"},
    )
    assert upload.status_code == 200 and upload.json()["reports"][0] == sc
    fasta = client.post(url, json={"fasta": f">p1\n{PLASMID}\n>p2\n{PLASMID[:500]}\n"})
    assert [r["record_id"] for r in fasta.json()["reports"]] == ["p1", "p2"]


def test_vector_check_api_refusals(api) -> None:  # type: ignore[no-untyped-def]
    client = api("a.sci")
    url = "/api/v1/design/vector/check"
    bad = client.post(url, json={"sequence": "ACGTXACGT"})
    assert bad.status_code == 422 and bad.json()["field"] == "sequence"
    assert "'X' at position 5" in bad.json()["message"]
    path_like = client.post(url, json={"sequence": "/etc/hostname.txt"})
    assert path_like.status_code == 422 and "'/' at position 1" in path_like.json()["message"]
    enzyme = client.post(url, json={"sequence": PLASMID, "enzymes": ["NotAnEnzyme"]})
    assert enzyme.status_code == 422 and "NotAnEnzyme" in enzyme.json()["message"]
    assert client.post(url, json={"sequence": "ACGT", "fasta": ">a\nACGT\n"}).status_code == 422


def test_molecule_page_draws_each_molecule_and_ranks_the_series(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    assert 'id="molecule-form"' in client.get("/tools/molecule").text
    text = "\n".join(f"{s} {n}" for n, s in SERIES.items()) + "\nC1CC( broken\n"
    response = client.post(
        "/tools/molecule",
        data={"csrf_token": csrf, "smiles": text, "canonical_tautomer": "on"},
    )
    assert response.status_code == 200, response.text
    page = response.text
    ndma = molecule.profile("CN(C)N=O", name="NDMA", input_smiles="CN(C)N=O")
    assert profile_svg(ndma) in page  # the drawing with the N-N=O lit
    assert "N-nitroso (nitrosamine or nitrosamide)" in page
    assert "factor of 5 to 8" in page  # ESOL's published error
    assert 'id="molecule-ranking"' in page and 'id="molecule-errors"' in page
    assert "SMILES Parse Error" in page
    ranking = re.search(r'id="molecule-ranking".*?</table>', page, re.S).group(0)  # type: ignore[union-attr]
    assert ranking.index(">NDMA<") > ranking.index(">aspirin<")
    upload = client.post(
        "/tools/molecule",
        data={"csrf_token": csrf, "smiles": ""},
        files={"file": ("one.smi", io.BytesIO(b"CC(=O)Oc1ccccc1C(=O)O aspirin\n"))},
    )
    assert upload.status_code == 200 and 'id="molecule-1"' in upload.text
    assert 'id="molecule-ranking"' not in upload.text  # one molecule: no series table
    empty = client.post("/tools/molecule", data={"csrf_token": csrf, "smiles": ""})
    assert empty.status_code == 422 and "smiles: no molecule given" in empty.text


def test_vector_page_draws_the_map_and_lists_the_findings(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    assert 'id="vector-form"' in client.get("/tools/vector").text
    genbank = _aav_genbank()
    response = client.post(
        "/tools/vector", data={"csrf_token": csrf, "sequence": genbank, "kind": "auto"}
    )
    assert response.status_code == 200, response.text
    page = response.text
    assert 'class="vector-map"' in page and 'data-highest="high"' in page
    assert 'data-check="aav.packaging"' in page and 'data-check="aav.itr"' in page
    findings = re.findall(r'<tr data-level="(\w+)"', page)
    order = ["high", "medium", "low", "info"]
    assert findings == sorted(findings, key=order.index)  # most severe first
    upload = client.post(
        "/tools/vector",
        data={"csrf_token": csrf, "kind": "plasmid"},
        files={"file": ("p.fasta", io.BytesIO(f">p1\n{PLASMID}\n".encode()))},
    )
    assert upload.status_code == 200 and 'data-check="repeat.direct"' in upload.text
    bad = client.post("/tools/vector", data={"csrf_token": csrf, "sequence": "ACGTZ"})
    assert bad.status_code == 422 and "position 5" in bad.text


def test_vector_map_marks_findings_at_their_positions() -> None:
    report = vector.check(PLASMID, kind="plasmid").to_dict()
    features = [{"type": "CDS", "label": "GFP", "start": 1, "end": 720, "strand": 1}]
    svg = vector_map_svg(report, features, width=1150)  # 1,000 px of track: 1 px = 3 bp
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert '<rect x="130.0" y="70.0" width="240.0" height="12" fill="#4c78a8">' in svg
    repeat = next(f for f in report["findings"] if f["check"] == "repeat.direct")
    level_colour = {"low": "#2e7d32", "medium": "#e08a00", "high": "#c62828"}[repeat["level"]]
    first_copy = f'<rect x="{130 + 1001 / 3:.1f}"'
    assert first_copy in svg and f'stroke="{level_colour}"' in svg
    assert "<title>GFP (CDS) 1-720</title>" in svg
