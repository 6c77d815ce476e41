"""The antibody page: leads uploaded as FASTA, CSV or XLSX, and the annotated sequence view."""

from __future__ import annotations

import html
import io
import re

import pandas as pd
import pytest

from opencmc.science.design.antibody import profile
from opencmc.science.design.antibody_metrics import clinical_antibodies
from opencmc.web.pages.antibody import ROW_WIDTH, sequence_view

pytestmark = pytest.mark.usefixtures("hmmscan")

REF = clinical_antibodies().set_index("name")
TRAS_H, TRAS_L = REF.loc["trastuzumab", "heavy"], REF.loc["trastuzumab", "light"]
ADA_H, ADA_L = REF.loc["adalimumab", "heavy"], REF.loc["adalimumab", "light"]
FASTA = f">trastuzumab|heavy\n{TRAS_H}\n>trastuzumab|light\n{TRAS_L}\n>ada|VH\n{ADA_H}\n"
GUTTER = 6  # "%5d" and a space before the residues


def _post(client, csrf: str, filename: str, content: bytes, **data: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/tools/antibody",
        data={"csrf_token": csrf, **data},
        files={"file": (filename, io.BytesIO(content), "application/octet-stream")},
    )


def _chain_text(page: str, anchor: str, chain: str) -> list[str]:
    """The plain text lines of one chain's annotated view (tags removed)."""
    section = page[page.index(f'id="{anchor}-sequence"') :]
    figure = section[section.index(f'data-chain="{chain}"') :]
    pre = figure[figure.index("<pre") : figure.index("</pre>")]
    text = html.unescape(re.sub(r"<[^>]+>", "", pre[pre.index(">") + 1 :]))
    return text.removeprefix("\n").split("\n")  # a newline right after <pre> is not shown


def _fasta_box(page: str) -> str:
    box = re.search(r'<textarea name="fasta".*?placeholder="[^"]*">(.*?)</textarea>', page, re.S)
    assert box is not None
    return html.unescape(box.group(1))


def _columns(lines: list[str], position: int) -> tuple[str, str, str]:
    """The CDR mark, residue and risk letter shown for a 1-based position."""
    offset = position - 1
    start = offset - offset % ROW_WIDTH + 1
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{start:5d} "))
    col = GUTTER + (offset % ROW_WIDTH) + (offset % ROW_WIDTH) // 10
    cdrs, seq, risks = (lines[at - 1], lines[at], lines[at + 1])
    return tuple(x[col] if col < len(x) else " " for x in (cdrs, seq, risks))  # type: ignore[return-value]


def test_fasta_upload_profiles_the_leads_and_marks_cdrs_and_liabilities(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    form = client.get("/tools/antibody").text
    assert 'enctype="multipart/form-data"' in form and 'type="file" name="file"' in form
    page = _post(client, csrf, "leads.fasta", FASTA.encode())
    assert page.status_code == 200, page.text
    text = page.text
    ranking = text[text.index('id="antibody-ranking"') : text.index('id="ab-legend"')]
    assert "trastuzumab" in ranking and "ada" in ranking
    assert "Read from leads.fasta" in text
    # The leads went into the FASTA box, so choosing a lead needs no new upload.
    assert _fasta_box(text) == FASTA.replace("|VH", "")
    # Trastuzumab's NG at heavy 55-56 in CDR2: one high-risk run, titled, lettered H below.
    run = re.search(
        r'<span class="ab-cdr ab-risk ab-high" title="([^"]*)" data-risk="high">NG<', text
    )
    assert run is not None
    title = html.unescape(run.group(1))
    assert title.startswith("CDR2 (IMGT)") and "NG (deamidation) at 55, CDR2: high risk" in title
    heavy = _chain_text(text, "lead-1", "heavy")
    assert _columns(heavy, 55) == ("2", "N", "H")
    assert _columns(heavy, 56) == ("2", "G", "H")
    assert _columns(heavy, 26)[:2] == ("1", "G") and _columns(heavy, 25)[:2] == (" ", "S")
    residues = "".join(line[GUTTER:].replace(" ", "") for line in heavy[1::3])
    assert len(heavy) == 3 * -(-len(TRAS_H) // ROW_WIDTH)
    assert residues == TRAS_H
    # The VHH-like lead (no light chain) has only a heavy chain view.
    ada = text[text.index('id="lead-2-sequence"') :].split("</div>")[0]
    assert 'data-chain="heavy"' in ada and 'data-chain="light"' not in ada


def test_csv_and_xlsx_uploads_use_the_table_reader(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    table = pd.DataFrame(
        {"name": ["tz", "ada"], "heavy": [TRAS_H, ADA_H], "light": [TRAS_L, ADA_L]}
    )
    as_csv = _post(client, csrf, "leads.csv", table.to_csv(index=False).encode(), lead="ada")
    assert as_csv.status_code == 200, as_csv.text
    assert 'id="lead-2-sequence"' in as_csv.text
    redesign = as_csv.text[as_csv.text.index('id="antibody-redesign"') :]
    assert "ada" in redesign.split("</h2>")[0]
    book = io.BytesIO()
    table.to_excel(book, index=False)
    as_xlsx = _post(client, csrf, "leads.xlsx", book.getvalue())
    assert as_xlsx.status_code == 200, as_xlsx.text
    assert as_xlsx.text.count('data-chain="light"') == 2
    # Choosing another lead sends the FASTA box again, without the file.
    fasta = _fasta_box(as_xlsx.text)
    assert fasta.startswith(">tz|heavy\n")
    again = client.post("/tools/antibody", data={"csrf_token": csrf, "fasta": fasta, "lead": "tz"})
    assert again.status_code == 200
    assert "heavy N55Q" in again.text[again.text.index('id="antibody-redesign"') :]


def test_names_that_fasta_cannot_carry_stay_out_of_the_box(browser_session) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    csv = f"name,heavy,light\nlead one,{TRAS_H},{TRAS_L}\n".encode()
    page = _post(client, csrf, "leads.csv", csv, fasta=f">pasted\n{ADA_H}\n")  # the file wins
    assert page.status_code == 200, page.text
    assert "lead one" in page.text and "upload it again" in page.text
    assert "pasted" not in page.text
    assert _fasta_box(page.text) == ""


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        (
            "bad.fasta",
            f">tz|heavy\n{TRAS_H[:10]}B{TRAS_H[11:]}\n".encode(),
            "record 'tz' heavy chain position 11: 'B' is not one of the 20 amino acids",
        ),
        ("leads.csv", f"name,vh\ntz,{TRAS_H}\n".encode(), "missing column(s) heavy"),
        ("leads.pdf", b"%PDF-1.4 not a sequence", "neither FASTA"),
        ("leads.csv", b"\xff\xfe\x00binary", "not UTF-8 text or an XLSX workbook"),
        ("empty.csv", b"", "empty.csv is empty"),
    ],
)
def test_bad_uploads_say_what_is_wrong(browser_session, filename, content, expected) -> None:  # type: ignore[no-untyped-def]
    client, csrf = browser_session("a.sci")
    page = _post(client, csrf, filename, content)
    assert page.status_code == 422
    assert expected in html.unescape(page.text)


def test_sequence_view_covers_every_residue_cdr_and_liability() -> None:
    p = profile(TRAS_H + "ASTKGPSVFPLAPSSK", TRAS_L, name="tz")  # a constant-domain tail
    chains = {c["chain"]: c for c in sequence_view(p)}
    assert set(chains) == {"heavy", "light"}
    for chain, sequence in (("heavy", p.heavy), ("light", p.light)):
        lines = chains[chain]["lines"]
        assert [line["position"] for line in lines] == list(range(1, len(sequence) + 1, ROW_WIDTH))
        runs = [r for line in lines for r in line["runs"] if not r.get("gap")]
        assert "".join(r["text"] for r in runs) == sequence
        cdr = "".join(r["text"] for r in runs if r["cdr"])
        assert cdr == "".join(p.cdrs[chain]["imgt"][k] for k in ("CDR1", "CDR2", "CDR3"))
        marked = [r for r in runs if r["risk"]]
        for hit in (h for h in p.liabilities if h.chain == chain):
            assert any(hit in r["hits"] for r in marked), hit
        risks = "".join(line["risks"].replace(" ", "") for line in lines)
        assert risks.count("H") >= sum(h.risk == "high" for h in p.liabilities if h.chain == chain)
