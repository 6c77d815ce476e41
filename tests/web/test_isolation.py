"""Isolation over every route: another organisation gets 404 for A's records, anonymous
callers get 401 (API) or a redirect to the login page, and shares open exactly one record.

The test walks the app's routers, so a new route without an entry in BODIES fails here
until someone says how to call it.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opencmc.platform import programs, shares
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PASSWORD, PROGRAM, actor_of
from tests.web.routes import PUBLIC, all_routes

MARKER = "Alpha-secret-program"
CANDIDATE = {"name": "Alpha-secret-lead", "smiles": "CCO"}

EDIT = {"version": 1, "reason": "r", "name": "n"}
ARCHIVE = {"version": 1, "reason": "r"}
SIGN = {"meaning": "reviewed", "password": PASSWORD}
FORM_ARCHIVE = {"version": "1", "reason": "r"}

STABILITY = {
    "csv": "batch,month,assay\n1,0,100\n1,3,99.5\n1,6,99.1\n1,9,98.4\n",
    "time": "month",
    "value": "assay",
    "lower": 95,
}
STABILITY_FORM = {**STABILITY, "data": STABILITY["csv"], "lower": "95"}
OOT = {"times": [0, 3, 6], "values": [100, 99.5, 99.1], "new_time": 9, "new_value": 98.4}

NEW_MEMBER = {
    "email": "new@example.org",
    "full_name": "New",
    "role": "viewer",
    "password": "a long passphrase",
}
PASSWORDS = {"current_password": PASSWORD, "new_password": "another long passphrase"}

STATUS = {"status": "done", "note": "n"}
RNA_TARGET = "ACGUUAGCCGAUAGCUAGCUAGGCAUCGAUCGAUGCA"
TRASTUZUMAB_VH = (
    "EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQMNS"
    "LRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS"
)
STUDY = {
    "title": "s",
    "batch_ids": [1],
    "conditions": ["5C"],
    "time_points": [0, 3],
    "tests": ["Assay"],
    "start_date": "2026-01-01",
}
STUDY_FORM = {
    "title": "s",
    "batch_ids": "1",
    "conditions": "5C",
    "time_points": "0, 3",
    "tests": "Assay",
    "start_date": "2026-01-01",
}
STUDY_ROW = {
    "batch": "ALPHA-1",
    "condition": "5C",
    "months": 0,
    "attribute": "Assay",
    "value": 99.0,
    "unit": "%",
}
QS_SERIES = (
    "day,x,flag\n1,10.1,True\n1,9.9,True\n2,10.3,True\n2,10.0,True\n3,9.8,False\n3,10.2,False\n"
)
QS_CAL = "conc,area\n1,2.1\n2,3.9\n3,6.2\n4,8.0\n"
QS_LOTS = "g,y\na,1.0\na,1.2\na,0.9\na,1.1\nb,1.05\nb,1.1\nb,0.95\n"
QS_LIN = {"csv": QS_CAL, "concentration": "conc", "response": "area"}
QS_LIN_FORM = {
    "data": QS_CAL,
    "characteristic": "linearity",
    "concentration": "conc",
    "response": "area",
}
QS_CAPABILITY = {"csv": QS_SERIES, "value": "x", "lsl": 9, "usl": 11}
QS_COMPARE = {"csv": QS_LOTS, "group": "g", "pre": "a", "post": "b"}
SPEC = {
    "title": "DS release",
    "stage": "phase_1",
    "attributes": [{"name": "Assay", "category": "assay", "lower": 95, "upper": 105, "unit": "%"}],
}
DOE_RUNS = "A,B,y\n-1,-1,10\n1,-1,14\n-1,1,11\n1,1,17\n0,0,13\n0,0,12.6\n"
DOE_FACTORS = [{"name": "A", "low": -1, "high": 1}, {"name": "B", "low": -1, "high": 1}]
DOE_DESIGN = {"design": "full", "factors": DOE_FACTORS, "seed": 1}
VESSEL = {"tank_diameter": "0.2 m", "impeller_diameter": "6.7 cm", "liquid_volume": "5 L"}
PLANT = {"tank_diameter": "1.2 m", "impeller_diameter": "0.4 m", "liquid_volume": "1100 L"}
DOE_FORM = {
    "design": "full",
    "factor_name": "A",
    "factor_low": "-1",
    "factor_high": "1",
    "factor_kind": "continuous",
}
BRIDGING = {
    "clinical_impurities": {"A": 0.1},
    "tox_impurities": {"A": 0.2},
    "clinical_dose": 1,
    "tox_dose": 10,
    "reporting_threshold": 0.05,
}
MARKET_OFFERING = {
    "title": "Stability study",
    "category": "stability_study",
    "modalities": ["monoclonal_antibody"],
    "stages": ["phase_1"],
    "lead_time_weeks": 4,
    "price_min": 1,
    "price_max": 2,
}
MARKET_OFFERING_FORM = {
    **{k: str(v) for k, v in MARKET_OFFERING.items() if not isinstance(v, list)},
    "modalities": "monoclonal_antibody",
    "stages": "phase_1",
}
EDIT_OFFERING = {"version": 1, "reason": "r", "lead_time_weeks": 5}
QUALIFY = {"qualified_until": "2099-01-01", "audit_outcome": "passed", "reason": "r"}
VOUCHER_ROUND = {
    "title": "t",
    "budget": 10,
    "coverage_percent": 50,
    "per_company_cap": 5,
    "opens_on": "2026-01-01",
    "closes_on": "2099-01-01",
}
VOUCHER_ROUND_FORM = {k: str(v) for k, v in VOUCHER_ROUND.items()}
# GET routes that need a query string
QUERIES = {
    ("GET", "/api/v1/roadmap"): "?modality=mab&current_stage=candidate&target=phase1",
    ("GET", "/api/v1/stability-studies/{study_id}/analysis"): "?attribute=Assay&condition=5C",
    ("GET", "/api/v1/materials/{material_id}/trend"): "?attribute=Assay",
}

# how to call each changing route (JSON for the API, form fields for pages)
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/tools/save-candidate"): {"data": {"engine": "molecule.profile", "smiles": "CCO"}},
    # marketplace: support programmes and vouchers
    ("POST", "/api/v1/market/programmes"): {"json": VOUCHER_ROUND},
    ("PATCH", "/api/v1/market/programmes/{programme_id}"): {"json": {"title": "t"}},
    ("POST", "/api/v1/market/programmes/{programme_id}/open"): {},
    ("POST", "/api/v1/market/programmes/{programme_id}/close"): {"json": {"reason": "r"}},
    ("POST", "/api/v1/market/programmes/{programme_id}/applications"): {
        "json": {"employees": 10, "modalities": ["mrna"]}
    },
    ("POST", "/api/v1/market/vouchers/{voucher_id}/approve"): {"json": {}},
    ("POST", "/api/v1/market/vouchers/{voucher_id}/reject"): {"json": {"reason": "r"}},
    ("POST", "/market/programmes"): {"data": VOUCHER_ROUND_FORM},
    ("POST", "/market/programmes/{programme_id}/edit"): {"data": VOUCHER_ROUND_FORM},
    ("POST", "/market/programmes/{programme_id}/open"): {"data": {}},
    ("POST", "/market/programmes/{programme_id}/close"): {"data": {"reason": "r"}},
    ("POST", "/market/programmes/{programme_id}/apply"): {
        "data": {"employees": "10", "modalities": "mrna"}
    },
    ("POST", "/market/vouchers/{voucher_id}/approve"): {"data": {}},
    ("POST", "/market/vouchers/{voucher_id}/reject"): {"data": {"reason": "r"}},
    # marketplace: the catalogue and provider qualification
    ("POST", "/api/v1/market/offerings"): {"json": MARKET_OFFERING},
    ("PATCH", "/api/v1/market/offerings/{offering_id}"): {"json": EDIT_OFFERING},
    ("POST", "/api/v1/market/offerings/{offering_id}/publish"): {"json": {}},
    ("POST", "/api/v1/market/offerings/{offering_id}/withdraw"): {"json": {"reason": "r"}},
    ("PATCH", "/api/v1/market/providers/{organisation_id}"): {
        "json": {"version": 1, "reason": "r", "location": "Songdo"}
    },
    ("POST", "/api/v1/market/providers/{organisation_id}/qualify"): {"json": QUALIFY},
    ("POST", "/api/v1/market/providers/{organisation_id}/suspend"): {"json": {"reason": "r"}},
    ("POST", "/api/v1/market/documents"): {"json": {"title": "t", "kind": "other"}},
    ("POST", "/api/v1/market/documents/{document_id}/archive"): {"json": {"reason": "r"}},
    ("POST", "/api/v1/market/documents/{document_id}/file"): {"files": "upload"},
    ("POST", "/market/offerings"): {"data": MARKET_OFFERING_FORM},
    ("POST", "/market/offerings/{offering_id}/edit"): {
        "data": {**MARKET_OFFERING_FORM, "version": "1", "reason": "r"}
    },
    ("POST", "/market/offerings/{offering_id}/publish"): {"data": {}},
    ("POST", "/market/offerings/{offering_id}/withdraw"): {"data": {"reason": "r"}},
    ("POST", "/market/providers/{organisation_id}/profile"): {
        "data": {"version": "1", "reason": "r", "location": "Songdo"}
    },
    ("POST", "/market/providers/{organisation_id}/qualify"): {"data": QUALIFY},
    ("POST", "/market/providers/{organisation_id}/suspend"): {"data": {"reason": "r"}},
    ("POST", "/market/documents"): {"data": {"title": "t", "kind": "other"}},
    ("POST", "/market/documents/{document_id}/archive"): {"data": {"reason": "r"}},
    # marketplace: requests, quotes, orders, deliverables, packages, notifications
    ("POST", "/api/v1/market/requests"): {
        "json": {
            "program_id": 1,
            "title": "t",
            "scope": "s",
            "category": "stability_study",
            "recipients": [],
        }
    },
    ("POST", "/api/v1/market/requests/{request_id}/withdraw"): {"json": {"reason": "r"}},
    ("POST", "/api/v1/market/inbox/{recipient_id}/acknowledge"): {},
    ("POST", "/api/v1/market/inbox/{recipient_id}/decline"): {"json": {"reason": "r"}},
    ("POST", "/api/v1/market/inbox/{recipient_id}/quotes"): {
        "json": {
            "line_items": [{"description": "d", "quantity": 1, "unit_price": 1}],
            "lead_time_weeks": 1,
            "valid_until": "2099-01-01",
        }
    },
    ("POST", "/api/v1/market/quotes/{quote_id}/withdraw"): {"json": {"reason": "r"}},
    ("POST", "/api/v1/market/quotes/{quote_id}/reject"): {"json": {"reason": "r"}},
    ("POST", "/api/v1/market/quotes/{quote_id}/accept"): {"json": {}},
    ("POST", "/api/v1/market/orders/{order_id}/shares"): {"json": {"kind": "programs", "id": 1}},
    ("POST", "/api/v1/market/orders/{order_id}/close"): {"json": {"reason": "r"}},
    ("POST", "/api/v1/market/orders/{order_id}/cancel"): {"json": {"reason": "r"}},
    ("POST", "/api/v1/market/milestones/{milestone_id}/complete"): {"json": {}},
    ("POST", "/api/v1/market/orders/{order_id}/deliverables"): {
        "json": {"title": "t", "kind": "results", "rows": [{"batch": "x"}]}
    },
    ("POST", "/api/v1/market/orders/{order_id}/deliverables/upload"): {
        "files": "upload",
        "data": {"title": "t"},
    },
    ("POST", "/api/v1/market/deliverables/{deliverable_id}/review"): {"json": {"accept": True}},
    ("POST", "/api/v1/market/programs/{program_id}/packages"): {
        "json": {"title": "t", "lines": []}
    },
    ("POST", "/api/v1/notifications/read"): {"json": {}},
    ("POST", "/market/requests"): {"data": {"program_id": "1", "title": "t"}},
    ("POST", "/market/requests/{request_id}/withdraw"): {"data": {"reason": "r"}},
    ("POST", "/market/quotes/{quote_id}/reject"): {"data": {"reason": "r"}},
    ("POST", "/market/quotes/{quote_id}/accept"): {"data": {}},
    ("POST", "/market/quotes/{quote_id}/withdraw"): {"data": {"reason": "r"}},
    ("POST", "/market/inbox/{recipient_id}/acknowledge"): {"data": {}},
    ("POST", "/market/inbox/{recipient_id}/decline"): {"data": {"reason": "r"}},
    ("POST", "/market/inbox/{recipient_id}/quotes"): {"data": {"line_items": "d; 1; 1"}},
    ("POST", "/market/orders/{order_id}/close"): {"data": {"reason": "r"}},
    ("POST", "/market/orders/{order_id}/cancel"): {"data": {"reason": "r"}},
    ("POST", "/market/orders/{order_id}/shares"): {"data": {"record": "programs:1"}},
    ("POST", "/market/milestones/{milestone_id}/complete"): {"data": {}},
    ("POST", "/market/orders/{order_id}/deliverables"): {"files": "upload", "data": {"title": "t"}},
    ("POST", "/market/deliverables/{deliverable_id}/review"): {"data": {"decision": "accept"}},
    ("POST", "/programs/{program_id}/package"): {"data": {"title": "t"}},
    ("POST", "/notifications/read"): {"data": {}},
    ("POST", "/api/v1/programs"): {"json": PROGRAM},
    ("PATCH", "/api/v1/programs/{program_id}"): {"json": EDIT},
    ("POST", "/api/v1/programs/{program_id}/archive"): {"json": ARCHIVE},
    ("POST", "/api/v1/programs/{program_id}/candidates"): {"json": CANDIDATE},
    ("PATCH", "/api/v1/candidates/{candidate_id}"): {"json": EDIT},
    ("POST", "/api/v1/candidates/{candidate_id}/archive"): {"json": ARCHIVE},
    ("POST", "/api/v1/{kind}/{record_id}/signatures"): {"json": SIGN},
    ("POST", "/api/v1/{kind}/{record_id}/attachments"): {"files": "upload"},
    ("POST", "/api/v1/tokens"): {"json": {"name": "t"}},
    ("DELETE", "/api/v1/tokens/{token_id}"): {},
    ("POST", "/api/v1/jobs"): {"json": {"kind": "audit-verify"}},
    ("POST", "/api/v1/jobs/{job_id}/cancel"): {},
    ("POST", "/programs/new"): {"data": PROGRAM},
    ("POST", "/programs/{program_id}/edit"): {"data": {**PROGRAM, **FORM_ARCHIVE}},
    ("POST", "/programs/{program_id}/archive"): {"data": FORM_ARCHIVE},
    ("POST", "/programs/{program_id}/candidates/new"): {"data": CANDIDATE},
    ("POST", "/candidates/{candidate_id}/edit"): {"data": {**CANDIDATE, **FORM_ARCHIVE}},
    ("POST", "/candidates/{candidate_id}/archive"): {"data": FORM_ARCHIVE},
    ("POST", "/{kind}/{record_id}/sign"): {"data": SIGN},
    ("POST", "/{kind}/{record_id}/attachments"): {"files": "upload"},
    ("POST", "/account/tokens"): {"data": {"name": "t"}},
    ("POST", "/account/tokens/{token_id}/revoke"): {"data": {}},
    ("POST", "/jobs"): {"data": {"kind": "audit-verify"}},
    ("POST", "/jobs/{job_id}/cancel"): {"data": {}},
    ("POST", "/logout"): {"data": {}},
    ("POST", "/api/v1/members"): {"json": NEW_MEMBER},
    ("PATCH", "/api/v1/members/{user_id}"): {"json": {"role": "viewer", "reason": "r"}},
    ("POST", "/api/v1/members/{user_id}/revoke"): {"json": {"reason": "r"}},
    ("POST", "/api/v1/me/password"): {"json": PASSWORDS},
    ("POST", "/members/add"): {"data": NEW_MEMBER},
    ("POST", "/members/{user_id}/role"): {"data": {"role": "viewer", "reason": "r"}},
    ("POST", "/members/{user_id}/revoke"): {"data": {"reason": "r"}},
    ("POST", "/account/password"): {"data": PASSWORDS},
    ("PUT", "/api/v1/programs/{program_id}/activities/{activity_id}"): {"json": STATUS},
    ("POST", "/programs/{program_id}/activities/{activity_id}"): {"data": STATUS},
    ("POST", "/api/v1/calculators/impurity-thresholds"): {"json": {"max_daily_dose_g": 0.5}},
    ("POST", "/api/v1/calculators/mutagenic-impurity-limit"): {
        "json": {"duration": "lifetime", "max_daily_dose_mg": 100}
    },
    ("POST", "/api/v1/calculators/tox-bridging"): {"json": BRIDGING},
    ("POST", "/api/v1/programs/{program_id}/materials"): {
        "json": {"kind": "drug_substance", "name": "DS"}
    },
    ("POST", "/api/v1/materials/{material_id}/specifications"): {"json": SPEC},
    ("POST", "/api/v1/specifications/{spec_id}/approve"): {"json": {"password": PASSWORD}},
    ("POST", "/api/v1/materials/{material_id}/batches"): {
        "json": {"number": "X-1", "purpose": "clinical"}
    },
    ("POST", "/api/v1/batches/{batch_id}/inputs"): {"json": {"input_batch_id": 1}},
    ("POST", "/api/v1/batches/{batch_id}/results"): {
        "json": {"attribute": "Assay", "value": 99.0, "unit": "%"}
    },
    ("POST", "/api/v1/results/import"): {"files": "upload"},
    ("POST", "/api/v1/oos/{oos_id}/findings"): {
        "json": {"version": 1, "phase": 1, "findings": "f"}
    },
    ("POST", "/api/v1/oos/{oos_id}/close"): {
        "json": {"version": 1, "conclusion": "inconclusive", "conclusion_text": "c"}
    },
    ("POST", "/api/v1/batches/{batch_id}/release"): {"json": {"password": PASSWORD}},
    ("POST", "/programs/{program_id}/materials"): {
        "data": {"kind": "drug_substance", "name": "DS2"}
    },
    ("POST", "/materials/{material_id}/specifications"): {
        "data": {
            "title": "t",
            "stage": "phase_1",
            "name_0": "Assay",
            "category_0": "assay",
            "criterion_0": "limits",
            "lower_0": "90",
        }
    },
    ("POST", "/materials/{material_id}/batches"): {
        "data": {"number": "Y-1", "purpose": "clinical"}
    },
    ("POST", "/specifications/{spec_id}/approve"): {"data": {"password": PASSWORD}},
    ("POST", "/batches/{batch_id}/import"): {"files": "upload"},
    ("POST", "/batches/{batch_id}/results"): {
        "data": {"attribute": "Assay", "value": "99", "unit": "%"}
    },
    ("POST", "/oos/{oos_id}/findings"): {"data": {"version": "1", "phase": "1", "findings": "f"}},
    ("POST", "/oos/{oos_id}/close"): {
        "data": {"version": "1", "conclusion": "inconclusive", "conclusion_text": "c"}
    },
    ("POST", "/batches/{batch_id}/release"): {"data": {"password": PASSWORD}},
    ("POST", "/api/v1/spc/chart"): {"json": {"csv": QS_SERIES, "type": "imr", "value": "x"}},
    ("POST", "/api/v1/spc/capability"): {"json": QS_CAPABILITY},
    ("POST", "/api/v1/validation/linearity"): {"json": QS_LIN},
    ("POST", "/api/v1/validation/accuracy"): {
        "json": {"csv": QS_CAL, "nominal": "conc", "measured": "area"}
    },
    ("POST", "/api/v1/validation/precision"): {
        "json": {"csv": QS_SERIES, "value": "x", "factors": ["day"]}
    },
    ("POST", "/api/v1/validation/lod"): {"json": QS_LIN},
    ("POST", "/api/v1/validation/report.pdf"): {"json": {"linearity": QS_LIN}},
    ("POST", "/api/v1/validation/report.html"): {"json": {"linearity": QS_LIN}},
    ("POST", "/api/v1/comparability"): {"json": QS_COMPARE},
    ("POST", "/tools/spc"): {"data": {"data": QS_SERIES, "type": "imr", "value": "x"}},
    ("POST", "/tools/capability"): {
        "data": {"data": QS_SERIES, "value": "x", "lsl": "9", "usl": "11"}
    },
    ("POST", "/tools/validation"): {"data": QS_LIN_FORM},
    ("POST", "/tools/validation/report.pdf"): {"data": QS_LIN_FORM},
    ("POST", "/tools/validation/report.html"): {"data": QS_LIN_FORM},
    ("POST", "/tools/comparability"): {
        "data": {"data": QS_LOTS, "group": "g", "pre": "a", "post": "b"}
    },
    ("POST", "/api/v1/materials/{material_id}/stability-studies"): {"json": STUDY},
    ("POST", "/api/v1/stability-studies/{study_id}/results"): {"json": {"rows": [STUDY_ROW]}},
    ("POST", "/api/v1/stability-studies/{study_id}/results/import"): {"files": "upload"},
    ("POST", "/materials/{material_id}/stability-studies"): {"data": STUDY_FORM},
    ("POST", "/stability-studies/{study_id}/results"): {"files": "upload"},
    ("POST", "/api/v1/design/mrna/profile"): {
        "json": {"sequence": "AUGUUCGUGUUCCUGGUGCUGCUGUGA", "fold": False}
    },
    ("POST", "/api/v1/design/mrna/optimise"): {
        "json": {"protein": "MFVFLVLLPL", "weights": [3.0], "sweeps": 1}
    },
    ("POST", "/api/v1/design/mrna/jobs"): {
        "json": {"protein": "MFVFLVLLPL", "weights": [3.0], "sweeps": 1}
    },
    ("POST", "/api/v1/design/sirna"): {"json": {"target": RNA_TARGET, "top": 3}},
    ("POST", "/api/v1/design/aso"): {"json": {"target": RNA_TARGET, "lengths": [16], "top": 3}},
    ("POST", "/tools/mrna"): {"data": {"sequence": "MFVFLVLLPL", "weights": "3", "sweeps": "1"}},
    ("POST", "/tools/mrna/fasta"): {"data": {"name": "design", "sequence": "ATGTTCGTGTGA"}},
    ("POST", "/tools/sirna"): {"data": {"target": RNA_TARGET, "top": "3"}},
    ("POST", "/api/v1/design/antibody/profile"): {
        "json": {"records": [{"name": "m1", "heavy": TRASTUZUMAB_VH}]}
    },
    ("POST", "/api/v1/design/antibody/redesign"): {"json": {"name": "m1", "heavy": TRASTUZUMAB_VH}},
    ("POST", "/api/v1/design/antibody/screen"): {
        "json": {"rows": [{"name": "v1", "heavy": "EVQL"}]}
    },
    ("POST", "/tools/antibody"): {"data": {"name": "m1", "heavy": TRASTUZUMAB_VH}},
    ("POST", "/api/v1/doe/designs"): {"json": DOE_DESIGN},
    ("POST", "/api/v1/doe/designs/evaluate"): {
        "json": {"factors": DOE_FACTORS, "candidates": [{"design": "full"}]}
    },
    ("POST", "/api/v1/doe/designs/runsheet.csv"): {"json": DOE_DESIGN},
    ("POST", "/api/v1/doe/designs/runsheet.xlsx"): {"json": DOE_DESIGN},
    ("POST", "/api/v1/doe/analyze"): {"json": {"csv": DOE_RUNS, "response": "y"}},
    ("POST", "/api/v1/doe/optimize"): {
        "json": {
            "csv": DOE_RUNS,
            "goals": [{"response": "y", "goal": "maximize", "lower": 10, "target": 17}],
        }
    },
    ("POST", "/api/v1/doe/design-space"): {
        "json": {
            "csv": DOE_RUNS,
            "specifications": [{"response": "y", "lower": 12}],
            "x": "A",
            "y": "B",
            "grid": 5,
            "draws": 200,
        }
    },
    ("POST", "/api/v1/scale-up/agitation"): {"json": {"vessel": VESSEL, "speed": "300 rpm"}},
    ("POST", "/api/v1/scale-up/plan"): {
        "json": {"small": VESSEL, "large": PLANT, "speed": "300 rpm"}
    },
    ("POST", "/tools/doe"): {"data": DOE_FORM},
    ("POST", "/tools/doe/runsheet.csv"): {"data": DOE_FORM},
    ("POST", "/tools/doe/runsheet.xlsx"): {"data": DOE_FORM},
    ("POST", "/tools/doe/analyze"): {"data": {"data": DOE_RUNS, "response": "y"}},
    ("POST", "/tools/scaleup"): {
        "data": {
            **{f"small_{k}": v for k, v in VESSEL.items() if k != "liquid_volume"},
            **{f"large_{k}": v for k, v in PLANT.items() if k != "liquid_volume"},
            "small_liquid": "5 L",
            "large_liquid": "1100 L",
            "speed": "300 rpm",
        }
    },
    ("POST", "/tools/calculators"): {
        "data": {"calculator": "impurity-thresholds", "max_daily_dose_g": "0.5"}
    },
    ("POST", "/api/v1/calculators/stability-coverage"): {
        "json": {"available_months": 6, "planned_supply_months": 12}
    },
    ("POST", "/api/v1/stability/shelf-life"): {"json": STABILITY},
    ("POST", "/api/v1/stability/shelf-life/report.pdf"): {"json": STABILITY},
    ("POST", "/api/v1/stability/out-of-trend"): {"json": OOT},
    ("POST", "/tools/stability"): {"data": STABILITY_FORM},
    ("POST", "/tools/stability/report.pdf"): {"data": STABILITY_FORM},
    ("POST", "/api/v1/design/molecule/profile"): {"json": {"smiles": ["CCO"]}},
    ("POST", "/api/v1/design/molecule/profile-file"): {"files": "upload"},
    ("POST", "/api/v1/design/vector/check"): {"json": {"sequence": "ACGTACGTAAGGC"}},
    ("POST", "/api/v1/design/vector/check-file"): {"files": "upload"},
    ("POST", "/tools/molecule"): {"data": {"smiles": "CCO"}},
    ("POST", "/tools/vector"): {"data": {"sequence": "ACGTACGTAAGGC"}},
    ("POST", "/api/v1/candidates/{candidate_id}/assessments"): {
        "json": {"engine": "molecule.profile"}
    },
    ("POST", "/candidates/{candidate_id}/assessments"): {"data": {"engine": "molecule.profile"}},
}


@pytest.fixture
def alpha(api, factory) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Organisation A's records: a program, a candidate, a file, a token, a job, a signature."""
    mina = api("a.sci")
    program = mina.post("/api/v1/programs", json={**PROGRAM, "name": MARKER}).json()
    candidate = mina.post(f"/api/v1/programs/{program['id']}/candidates", json=CANDIDATE).json()
    attachment = mina.post(
        f"/api/v1/programs/{program['id']}/attachments",
        files={"file": ("alpha.csv", io.BytesIO(b"a,b\n1,2\n"))},
    ).json()
    token = mina.post("/api/v1/tokens", json={"name": "alpha"}).json()
    job = mina.post("/api/v1/jobs", json={"kind": "audit-verify"}).json()
    api("a.qa").post(
        f"/api/v1/programs/{program['id']}/signatures",
        json={"meaning": "reviewed", "password": PASSWORD},
    )
    material = mina.post(
        f"/api/v1/programs/{program['id']}/materials",
        json={"kind": "drug_substance", "name": "Alpha DS"},
    ).json()
    spec = mina.post(f"/api/v1/materials/{material['id']}/specifications", json=SPEC).json()
    api("a.qa").post(f"/api/v1/specifications/{spec['id']}/approve", json={"password": PASSWORD})
    batch = mina.post(
        f"/api/v1/materials/{material['id']}/batches",
        json={"number": "ALPHA-1", "purpose": "clinical"},
    ).json()
    mina.post(
        f"/api/v1/batches/{batch['id']}/results",
        json={"attribute": "Assay", "value": 80.0, "unit": "%"},
    )
    oos_id = mina.get(f"/api/v1/batches/{batch['id']}").json()["investigations"][0]["id"]
    study = mina.post(
        f"/api/v1/materials/{material['id']}/stability-studies",
        json={**STUDY, "batch_ids": [batch["id"]]},
    ).json()
    assessment = mina.post(
        f"/api/v1/candidates/{candidate['id']}/assessments", json={"engine": "molecule.profile"}
    ).json()
    return {
        "assessment_id": assessment["id"],
        "material_id": material["id"],
        "spec_id": spec["id"],
        "batch_id": batch["id"],
        "oos_id": oos_id,
        "study_id": study["id"],
        "program_id": program["id"],
        "candidate_id": candidate["id"],
        "attachment_id": attachment["id"],
        "token_id": token["id"],
        "job_id": job["id"],
        "user_id": actor_of(factory, "a.view").user_id,
        "activity_id": "qtpp_and_cqa_assessment",
    }


#: routes whose path names a record that is not Alpha Bio's (a provider's offering, an
#: operator's support programme, a marketplace record with two parties): the walk calls
#: them with an id that exists nowhere; the marketplace's own isolation tests
#: (tests/market/) prove who sees them
OWNED_ELSEWHERE: set[tuple[str, str]] = set()
# support programmes belong to the operator: tests/market/test_vouchers*.py
OWNED_ELSEWHERE |= {
    ("GET", "/api/v1/market/programmes/{programme_id}"),
    ("PATCH", "/api/v1/market/programmes/{programme_id}"),
    ("POST", "/api/v1/market/programmes/{programme_id}/open"),
    ("POST", "/api/v1/market/programmes/{programme_id}/close"),
    ("GET", "/api/v1/market/programmes/{programme_id}/applications"),
    ("POST", "/api/v1/market/programmes/{programme_id}/applications"),
    ("GET", "/market/programmes/{programme_id}"),
    ("POST", "/market/programmes/{programme_id}/edit"),
    ("POST", "/market/programmes/{programme_id}/open"),
    ("POST", "/market/programmes/{programme_id}/close"),
    ("POST", "/market/programmes/{programme_id}/apply"),
}
#: routes without a record in the path that only an operator reads: others get 403
OPERATORS_ONLY = {("GET", "/api/v1/market/kpis"), ("GET", "/market/kpis")}
# offerings, providers and their documents belong to providers: tests/market/
OWNED_ELSEWHERE |= {
    (method, "/api/v1/market" + path)
    for method, path in (
        ("GET", "/offerings/{offering_id}"),
        ("PATCH", "/offerings/{offering_id}"),
        ("POST", "/offerings/{offering_id}/publish"),
        ("POST", "/offerings/{offering_id}/withdraw"),
        ("GET", "/providers/{organisation_id}"),
        ("PATCH", "/providers/{organisation_id}"),
        ("GET", "/providers/{organisation_id}/documents"),
        ("POST", "/providers/{organisation_id}/qualify"),
        ("POST", "/providers/{organisation_id}/suspend"),
        ("GET", "/documents/{document_id}"),
        ("POST", "/documents/{document_id}/archive"),
        ("POST", "/documents/{document_id}/file"),
    )
} | {
    (method, "/market" + path)
    for method, path in (
        ("GET", "/offerings/{offering_id}"),
        ("POST", "/offerings/{offering_id}/edit"),
        ("POST", "/offerings/{offering_id}/publish"),
        ("POST", "/offerings/{offering_id}/withdraw"),
        ("GET", "/providers/{organisation_id}"),
        ("POST", "/providers/{organisation_id}/profile"),
        ("POST", "/providers/{organisation_id}/qualify"),
        ("POST", "/providers/{organisation_id}/suspend"),
        ("POST", "/documents/{document_id}/archive"),
    )
}
# requests, quotes, orders and their parts have two parties: tests/market/test_deal_isolation.py
OWNED_ELSEWHERE |= {
    (method, path)
    for method, path in (
        ("GET", "/api/v1/market/requests/{request_id}"),
        ("POST", "/api/v1/market/requests/{request_id}/withdraw"),
        ("GET", "/api/v1/market/inbox/{recipient_id}"),
        ("POST", "/api/v1/market/inbox/{recipient_id}/acknowledge"),
        ("POST", "/api/v1/market/inbox/{recipient_id}/decline"),
        ("POST", "/api/v1/market/inbox/{recipient_id}/quotes"),
        ("GET", "/api/v1/market/quotes/{quote_id}"),
        ("POST", "/api/v1/market/quotes/{quote_id}/withdraw"),
        ("POST", "/api/v1/market/quotes/{quote_id}/reject"),
        ("POST", "/api/v1/market/quotes/{quote_id}/accept"),
        ("GET", "/api/v1/market/orders/{order_id}"),
        ("POST", "/api/v1/market/orders/{order_id}/shares"),
        ("POST", "/api/v1/market/orders/{order_id}/close"),
        ("POST", "/api/v1/market/orders/{order_id}/cancel"),
        ("POST", "/api/v1/market/milestones/{milestone_id}/complete"),
        ("POST", "/api/v1/market/orders/{order_id}/deliverables"),
        ("POST", "/api/v1/market/orders/{order_id}/deliverables/upload"),
        ("POST", "/api/v1/market/deliverables/{deliverable_id}/review"),
        ("GET", "/api/v1/market/packages/{package_id}"),
        ("GET", "/market/requests/{request_id}"),
        ("POST", "/market/requests/{request_id}/withdraw"),
        ("POST", "/market/quotes/{quote_id}/reject"),
        ("POST", "/market/quotes/{quote_id}/accept"),
        ("POST", "/market/quotes/{quote_id}/withdraw"),
        ("GET", "/market/inbox/{recipient_id}"),
        ("POST", "/market/inbox/{recipient_id}/acknowledge"),
        ("POST", "/market/inbox/{recipient_id}/decline"),
        ("POST", "/market/inbox/{recipient_id}/quotes"),
        ("GET", "/market/orders/{order_id}"),
        ("POST", "/market/orders/{order_id}/close"),
        ("POST", "/market/orders/{order_id}/cancel"),
        ("POST", "/market/orders/{order_id}/shares"),
        ("POST", "/market/milestones/{milestone_id}/complete"),
        ("POST", "/market/orders/{order_id}/deliverables"),
        ("POST", "/market/deliverables/{deliverable_id}/review"),
        ("GET", "/market/packages/{package_id}"),
        ("GET", "/service-requests/{request_id}"),
    )
}

#: the id used for a path parameter that Alpha's fixture does not fill
ABSENT_ID = 987654


def _instances(path: str, ids: dict[str, Any]) -> list[str]:
    """The template filled with A's ids; ``{kind}`` routes once per record kind."""
    if "{kind}" not in path:
        return [path.format_map(_FilledIds(ids))]
    return [
        path.format(kind=kind, record_id=ids[key], **ids)
        for kind, key in (
            ("programs", "program_id"),
            ("candidates", "candidate_id"),
            ("batches", "batch_id"),
            ("specifications", "spec_id"),
            ("oos", "oos_id"),
            ("stability-studies", "study_id"),
        )
    ]


class _FilledIds(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return ABSENT_ID


def _call(client: TestClient, method: str, path: str, template: str, **extra: Any):  # type: ignore[no-untyped-def]
    spec = dict(BODIES.get((method, template), {}))
    if spec.get("files") == "upload":
        spec["files"] = {"file": ("x.csv", io.BytesIO(b"x,y\n1,2\n"))}
    if "csrf" in extra and method != "GET":
        spec["data"] = {**spec.get("data", {}), "csrf_token": extra["csrf"]}
    headers = extra.get("headers", {})
    path += QUERIES.get((method, template), "")
    return client.request(method, path, headers=headers, follow_redirects=False, **spec)


def _routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    routes = [r for r in all_routes(app) if r not in PUBLIC]
    missing = [r for r in routes if r[0] != "GET" and r not in BODIES]
    assert not missing, f"add a body to BODIES for the new routes {missing}"
    # signing out ends the session the other calls use: last
    return sorted(routes, key=lambda r: r == ("POST", "/logout"))


@pytest.mark.parametrize("outsider", ["b.sci", "p.sci", "o.admin"])
def test_other_organisations_get_404_for_every_record(
    app, api, browser_session, alpha, outsider
) -> None:  # type: ignore[no-untyped-def]
    other_api = api(outsider)
    page_client, csrf = browser_session(outsider)
    checked = 0
    for method, template in _routes(app):
        is_api = template.startswith("/api/")
        for path in _instances(template, alpha):
            if is_api:
                response = _call(
                    other_api.client, method, path, template, headers=other_api.headers()
                )
            else:
                response = _call(page_client, method, path, template, csrf=csrf)
            if "{" in template and (method, template) in OWNED_ELSEWHERE:
                assert response.status_code in (404, 403, 422), (method, path)
            elif "{" in template:
                assert response.status_code == 404, (
                    method,
                    path,
                    response.status_code,
                    response.text[:200],
                )
                checked += 1
            elif (method, template) in OPERATORS_ONLY and outsider != "o.admin":
                assert response.status_code == 403, (method, path, response.status_code)
            elif method == "GET":
                assert response.status_code == 200, (method, path, response.status_code)
                assert MARKER not in response.text, (method, path)
                assert "a.sci@example.org" not in response.text, (method, path)
    assert checked >= 25


def test_anonymous_callers_are_sent_to_sign_in(app, alpha) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    for method, template in _routes(app):
        for path in _instances(template, alpha):
            response = _call(client, method, path, template)
            if template.startswith("/api/"):
                assert response.status_code == 401, (method, path, response.status_code)
            else:
                assert response.status_code == 303, (method, path, response.status_code)
                assert response.headers["location"].startswith("/login"), (method, path)


def test_every_page_form_needs_the_csrf_token(app, browser_session, alpha) -> None:  # type: ignore[no-untyped-def]
    client, _csrf = browser_session("a.sci")
    for method, template in _routes(app):
        if template.startswith("/api/") or method == "GET":
            continue
        for path in _instances(template, alpha):
            response = _call(client, method, path, template)  # no token
            assert response.status_code == 403, (method, path, response.status_code)
            assert "form expired" in response.text


def test_a_live_share_opens_one_record_read_only(app, api, factory, alpha) -> None:  # type: ignore[no-untyped-def]
    provider = api("p.sci")
    url = f"/api/v1/programs/{alpha['program_id']}"
    assert provider.get(url).status_code == 404
    owner = actor_of(factory, "a.admin")
    grantee = actor_of(factory, "p.sci")
    with UnitOfWork(factory, owner) as uow:
        program = programs.get_program(uow.session, alpha["program_id"])
        share = shares.grant_share(
            uow,
            program,
            grantee_organisation_id=grantee.organisation_id,
            purpose="stability study order",
        )
        uow.commit()
    seen = provider.get(url)
    assert seen.status_code == 200
    assert seen.json()["name"] == MARKER
    assert provider.get(f"/api/v1/candidates/{alpha['candidate_id']}").status_code == 404
    files = provider.get(f"{url}/attachments").json()
    assert [f["filename"] for f in files] == ["alpha.csv"]  # a shared record's files come along
    edit = provider.patch(url, json={"version": 1, "reason": "r", "name": "hijack"})
    assert edit.status_code == 403
    assert api("b.sci").get(url).status_code == 404  # only the grantee
    with UnitOfWork(factory, owner) as uow:
        shares.revoke_share(uow, share.id, "order closed")
        uow.commit()
    assert provider.get(url).status_code == 404


def test_routes_walk_finds_the_pages(app) -> None:  # type: ignore[no-untyped-def]
    paths = {p for _m, p in all_routes(app)}
    assert {"/programs", "/api/v1/programs", "/audit", "/account"} <= paths
    assert all(re.match(r"^/", p) for p in paths)


def test_listing_totals_count_only_visible_records(api, alpha) -> None:  # type: ignore[no-untyped-def]
    assert api("a.sci").get("/api/v1/programs").json()["total"] == 1
    for outsider in ("b.sci", "p.sci", "o.admin"):
        listing = api(outsider).get("/api/v1/programs").json()
        assert listing == {"items": [], "total": 0, "limit": 50, "offset": 0}


def test_share_rules(api, factory, alpha) -> None:  # type: ignore[no-untyped-def]
    from opencmc.platform.errors import Conflict, InvalidInput, PermissionDenied

    owner, outsider = actor_of(factory, "a.sci"), actor_of(factory, "b.sci")
    provider = actor_of(factory, "p.sci")
    with UnitOfWork(factory, owner) as uow:
        program = programs.get_program(uow.session, alpha["program_id"])
        with pytest.raises(InvalidInput, match="purpose"):
            shares.grant_share(
                uow, program, grantee_organisation_id=provider.organisation_id, purpose=" "
            )
        share = shares.grant_share(
            uow, program, grantee_organisation_id=provider.organisation_id, purpose="order 17"
        )
        with pytest.raises(Conflict, match="already"):
            shares.grant_share(
                uow, program, grantee_organisation_id=provider.organisation_id, purpose="again"
            )
        uow.commit()
    with UnitOfWork(factory, outsider) as uow, pytest.raises(Exception) as refused:
        shares.revoke_share(uow, share.id, "not mine")
    assert refused.type.__name__ == "NotFound"
    with UnitOfWork(factory, provider) as uow:
        shared = programs.get_program(uow.session, alpha["program_id"])
        with pytest.raises(PermissionDenied):
            shares.grant_share(
                uow, shared, grantee_organisation_id=outsider.organisation_id, purpose="resharing"
            )
    trail = api("a.sci").get(f"/api/v1/programs/{alpha['program_id']}/audit").json()
    assert trail[-1]["action"] == "share"
    assert trail[-1]["reason"] == "order 17"
