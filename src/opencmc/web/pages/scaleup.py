"""Stirred-bioreactor scale-up page: two vessels, the broth and the small-scale agitation in,
P/V, tip speed, Reynolds number, kLa and mixing time out, and the large vessel's speed for
constant P/V, constant tip speed and constant kLa.

The form is turned into the JSON API's request model (:mod:`opencmc.web.api.scaleup`), so
the page and ``POST /api/v1/scale-up/plan`` run the same code and give the same numbers.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from opencmc.i18n import gettext_noop
from opencmc.platform.errors import InvalidInput
from opencmc.platform.uow import UnitOfWork
from opencmc.science import process
from opencmc.web.api.scaleup import ScaleUpRequest
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import render

router = APIRouter(prefix="/tools")

VESSELS = ("small", "large")
# per vessel: form field -> (label, unit hint)
VESSEL_FIELDS = {
    "name": (gettext_noop("Name"), ""),
    "tank_diameter": (gettext_noop("Tank diameter T"), "m, cm, mm, in, ft"),
    "liquid": (gettext_noop("Liquid volume, or liquid height H"), "L, m3, gal; m, cm"),
    "impeller": (gettext_noop("Impeller"), ""),
    "impeller_diameter": (gettext_noop("Impeller diameter D"), "m, cm, mm"),
    "impellers": (gettext_noop("Number of impellers"), ""),
    "power_number": (
        gettext_noop("Power number Np"),
        gettext_noop("optional: the impeller's typical value if empty"),
    ),
}
SHARED = ("speed", "density", "viscosity", "aeration", "large_aeration", "kla", "gassed_ratio")
# the worked example of docs/scale-up.md: a 5 L bench reactor and a 3000 L vessel
DEFAULTS = {
    "small_name": "5 L", "small_tank_diameter": "0.2 m", "small_liquid": "5 L",
    "small_impeller": "rushton", "small_impeller_diameter": "6.7 cm", "small_impellers": "1",
    "large_name": "3000 L", "large_tank_diameter": "1.6 m", "large_liquid": "3000 L",
    "large_impeller": "rushton", "large_impeller_diameter": "0.53 m", "large_impellers": "2",
    "speed": "300 rpm", "density": "1010 kg/m3", "viscosity": "1.2 cP", "aeration": "0.5 vvm",
    "kla": "vant_riet_non_coalescing", "gassed_ratio": "0.6",
}  # fmt: skip


def _values(form: Any) -> dict[str, str]:
    names = [f"{v}_{f}" for v in VESSELS for f in VESSEL_FIELDS] + list(SHARED)
    return {n: str(form.get(n, "")).strip() for n in names}


def _volume(values: dict[str, str], vessel: str) -> str:
    """The liquid volume: as given, or pi T^2 / 4 times a given liquid height."""
    field, text = f"{vessel}_liquid", values[f"{vessel}_liquid"]
    try:
        volume = process.si(text, "volume", "liquid volume")
    except process.UnitError as error:
        if "but a volume is expected" not in str(error):
            raise InvalidInput(f"{vessel} vessel: {error}", field=field) from None
        try:
            height = process.si(text, "length", "liquid height")
        except process.UnitError as error:
            raise InvalidInput(f"{vessel} vessel: {error}", field=field) from None
        try:
            diameter = process.si(values[f"{vessel}_tank_diameter"], "length", "tank diameter")
        except process.UnitError as error:
            field = f"{vessel}_tank_diameter"
            raise InvalidInput(f"{vessel} vessel: {error}", field=field) from None
        volume = math.pi * diameter**2 / 4 * height
    if not volume > 0:
        raise InvalidInput(f"{vessel} vessel: liquid {text!r} must be positive", field=field)
    return f"{volume!r} m3"


def _request(values: dict[str, str]) -> ScaleUpRequest:
    """The API's request model from the form; an error names the form field."""
    data: dict[str, Any] = {}
    for vessel in VESSELS:
        item: dict[str, Any] = {"liquid_volume": _volume(values, vessel)}
        for name in ("name", "tank_diameter", "impeller_diameter"):
            item[name] = values[f"{vessel}_{name}"]
        item["impeller"] = values[f"{vessel}_impeller"] or "rushton"
        item["impellers"] = values[f"{vessel}_impellers"] or 1
        if values[f"{vessel}_power_number"]:
            item["power_number"] = values[f"{vessel}_power_number"]
        data[vessel] = item
    data["speed"] = values["speed"]
    # an empty density or viscosity is water's at 37 °C, as in the API
    data["liquid"] = {k: values[k] for k in ("density", "viscosity") if values[k]}
    data["kla"] = values["kla"] or "vant_riet_non_coalescing"
    data["gassed_power_ratio"] = values["gassed_ratio"] or 1.0
    for name in ("aeration", "large_aeration"):
        data[name] = values[name] or None
    try:
        return ScaleUpRequest.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = [str(p) for p in first["loc"] if str(p) in data or str(p) in VESSEL_FIELDS]
        if len(loc) > 1 and loc[0] in VESSELS:
            field, label = "_".join(loc[:2]), f"{loc[0]} vessel: {loc[1].replace('_', ' ')}"
        else:  # the one number among the shared fields
            field, label = "gassed_ratio", "gassed power ratio Pg/P"
        raise InvalidInput(f"{label}: {first['msg']}", field=field) from None


# engine messages name the quantity: which form field each is about
_QUANTITIES = (
    ("tank diameter", "tank_diameter"),
    ("impeller diameter", "impeller_diameter"),
    ("liquid volume", "liquid"),
    ("power number", "power_number"),
    ("impellers", "impellers"),
    ("impeller", "impeller"),
    ("tank's", "tank_diameter"),
)
_SHARED_QUANTITIES = (("speed", "speed"), ("density", "density"), ("viscosity", "viscosity"),
                      ("aeration", "aeration"), ("kLa correlation", "kla"),
                      ("gassed power ratio", "gassed_ratio"))  # fmt: skip


def _named(error: InvalidInput) -> InvalidInput:
    """An engine error with the form field it is about (``small: tank diameter: ...``)."""
    if error.field and error.field not in VESSELS and error.field != "liquid":
        return error
    message = error.message
    for vessel in VESSELS:
        if message.startswith(f"{vessel}: "):
            rest = message.removeprefix(f"{vessel}: ")
            name = next((f for q, f in _QUANTITIES if q in rest), "tank_diameter")
            return InvalidInput(f"{vessel} vessel: {rest}", field=f"{vessel}_{name}")
    rest = message.removeprefix("liquid: ")
    name = next((f for q, f in _SHARED_QUANTITIES if rest.startswith(q)), None)
    name = name or next((f for q, f in _SHARED_QUANTITIES if q in rest), None)
    return InvalidInput(rest, field=name)


def _geometry(vessel: process.Vessel) -> dict[str, float]:
    t, d = vessel.tank_diameter_m, vessel.impeller_diameter_m
    return {"volume_l": vessel.liquid_volume_m3 * 1000, "height_m": vessel.liquid_height_m,
            "h_t": vessel.liquid_height_m / t, "d_t": d / t, "power_number": vessel.power_number,
            "impellers": vessel.impellers}  # fmt: skip


def _context(values: dict[str, str]) -> dict[str, Any]:
    return {
        "values": values,
        "fields": VESSEL_FIELDS,
        "impellers": {k: v[0] for k, v in process.POWER_NUMBERS.items()},
        "correlations": {k: c.name for k, c in process.KLA_CORRELATIONS.items()},
    }


@router.get("/scaleup")
def scaleup_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(request, "tools/scaleup.html", _context(dict(_values({}), **DEFAULTS)))


@router.post("/scaleup")
async def scaleup_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    values = _values(await request.form())
    context = _context(values)
    try:
        body = _request(values)
        result = body.run()
    except InvalidInput as error:
        named = _named(error)
        context.update(error=named.message, error_field=named.field)
        return render(request, "tools/scaleup.html", context, status_code=422)
    vessels = {v: getattr(body, v).to_vessel(v) for v in VESSELS}
    cases = [("small scale", vessels["small"].name, result.small)]
    cases += [(name, vessels["large"].name, a) for name, a in result.strategies.items()]
    notes = [f"{case}: {note}" for case, _vessel, a in cases for note in a.notes]
    context.update(
        result=result,
        geometry={v: _geometry(vessel) for v, vessel in vessels.items()},
        cases=cases,
        notes=list(result.notes) + list(dict.fromkeys(notes)),
    )
    return render(request, "tools/scaleup.html", context)
