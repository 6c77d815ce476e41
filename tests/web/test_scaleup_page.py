"""The scale-up page: the engine's numbers with their units, and errors that name the field."""

from __future__ import annotations

import html
import math
import re

import pytest
from fastapi import Depends

from opencmc.science.process import Liquid, Vessel, scale_up
from opencmc.web.auth import check_csrf
from opencmc.web.pages import scaleup
from tests.web.routes import all_routes

BROTH = Liquid.of("1010 kg/m3", "1.2 cP")
BENCH = Vessel.of("0.2 m", "6.7 cm", "5 L", impeller="rushton", name="5 L")
PLANT = Vessel.of("1.6 m", "0.53 m", "3000 L", impeller="rushton", impellers=2, name="3000 L")


@pytest.fixture
def page(app, browser_session):  # type: ignore[no-untyped-def]
    """A signed-in client; the page is mounted as the pages package mounts it."""
    if ("GET", "/tools/scaleup") not in all_routes(app):
        app.include_router(scaleup.router, dependencies=[Depends(check_csrf)])
    return browser_session("a.sci")


def _post(page, **changes: str):  # type: ignore[no-untyped-def]
    client, csrf = page
    return client.post("/tools/scaleup", data={**scaleup.DEFAULTS, "csrf_token": csrf, **changes})


def _rows(text: str) -> dict[str, dict[str, str]]:
    """The agitation table: case -> field -> shown text."""
    rows = {}
    for case, body in re.findall(r'<tr data-case="([^"]+)">(.*?)</tr>', text, re.S):
        cells = re.findall(r'data-field="(\w+)">([^<]*)', body)
        rows[html.unescape(case)] = {k: v.strip() for k, v in cells}
    return rows


def _shown(value: float, spec: str = "%.4g") -> str:
    return spec % value


def test_the_form_starts_from_the_worked_example(page) -> None:  # type: ignore[no-untyped-def]
    client, _ = page
    form = client.get("/tools/scaleup")
    assert form.status_code == 200
    assert 'name="small_tank_diameter" id="f-small_tank_diameter" value="0.2 m"' in form.text
    assert 'name="large_impellers" id="f-large_impellers" value="2"' in form.text
    assert "van&#39;t Riet (1979), non-coalescing" in form.text
    assert 'id="scaleup-result"' not in form.text


def test_the_plan_is_the_engine_s_with_units(page) -> None:  # type: ignore[no-untyped-def]
    response = _post(page)
    assert response.status_code == 200, response.text[:500]
    text = response.text
    for header in ("Speed (rpm)", "Tip speed (m/s)", "P/V (W/m³)", "Power (W)",
                   "kLa (1/h)", "Mixing time θ95 (s)", "Reynolds number"):  # fmt: skip
        assert header in html.unescape(text)
    plan = scale_up(BENCH, PLANT, "300 rpm", BROTH, aeration="0.5 vvm", gassed_power_ratio=0.6)
    rows = _rows(text)
    assert list(rows) == ["small scale", "constant P/V", "constant tip speed", "constant kLa"]
    cases = {"small scale": plan.small, **plan.strategies}
    for case, a in cases.items():
        shown = rows[case]
        assert shown["speed_rpm"] == _shown(a.speed_rpm)
        assert shown["tip_speed_m_s"] == _shown(a.tip_speed_m_s, "%.3g")
        assert shown["power_per_volume_w_m3"] == _shown(a.power_per_volume_w_m3)
        assert shown["gassed_power_per_volume_w_m3"] == _shown(a.gassed_power_per_volume_w_m3)
        assert shown["power_w"] == _shown(a.power_w)
        assert shown["reynolds"] == f"{a.reynolds:,.0f}"
        assert shown["kla_per_h"] == _shown(a.kla_per_h, "%.3g")
        assert shown["mixing_time_s"] == _shown(a.mixing_time_s, "%.3g")
    # the scaling rules themselves, by hand: equal P/V, equal tip speed, equal kLa
    assert float(rows["constant tip speed"]["tip_speed_m_s"]) == pytest.approx(
        math.pi * 5.0 * 0.067, rel=1e-2
    )
    pv = plan.strategies["constant P/V"]
    assert pv.power_per_volume_w_m3 == pytest.approx(plan.small.power_per_volume_w_m3)
    assert plan.strategies["constant kLa"].kla_per_h == pytest.approx(plan.small.kla_per_h)
    assert re.search(r'data-field="large-h_t">0\.93<', text)  # 3000 L in a 1.6 m tank
    assert "0.5 vvm" in text and "van&#39;t Riet (1979), non-coalescing" in text
    assert "constant kLa: " in text  # the correlation's fitted range is noted


def test_a_liquid_height_gives_the_volume(page) -> None:  # type: ignore[no-untyped-def]
    height = 0.16
    response = _post(page, small_liquid=f"{height * 100} cm", aeration="")
    assert response.status_code == 200, response.text[:500]
    volume = math.pi * 0.2**2 / 4 * height
    assert re.search(rf'data-field="small-volume_l">{_shown(volume * 1000)}<', response.text)
    assert re.search(r'data-field="small-h_t">0\.80<', response.text)
    bench = Vessel.of("0.2 m", "6.7 cm", (volume, "m3"), name="5 L")
    plan = scale_up(bench, PLANT, "300 rpm", BROTH, gassed_power_ratio=0.6)
    rows = _rows(response.text)
    assert rows["small scale"]["power_per_volume_w_m3"] == _shown(plan.small.power_per_volume_w_m3)
    # no aeration: no kLa and no constant-kLa speed, and the page says why
    assert "constant kLa" not in rows and rows["small scale"]["kla_per_h"] == "—"
    assert "constant kLa needs the aeration rate" in response.text


def test_a_power_number_overrides_the_impeller(page) -> None:  # type: ignore[no-untyped-def]
    response = _post(page, large_power_number="1.27", large_impeller="hydrofoil")
    assert response.status_code == 200
    assert re.search(r'data-field="large-power_number">1\.27<', response.text)
    plant = Vessel.of("1.6 m", "0.53 m", "3000 L", power_number=1.27, impellers=2, name="3000 L")
    plan = scale_up(BENCH, plant, "300 rpm", BROTH, aeration="0.5 vvm", gassed_power_ratio=0.6)
    shown = _rows(response.text)["constant P/V"]["speed_rpm"]
    assert shown == _shown(plan.strategies["constant P/V"].speed_rpm)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"small_tank_diameter": "2 L"}, "small_tank_diameter",
         "small vessel: tank diameter: '2 L' is a volume, but a length is expected"),
        ({"large_impeller_diameter": "2 m"}, "large_impeller_diameter",
         "large vessel: impeller diameter '2 m' must be below the tank's"),
        ({"large_liquid": "3 t"}, "large_liquid", "large vessel: liquid volume: unknown unit 't'"),
        ({"small_liquid": "0 L"}, "small_liquid", "small vessel: liquid '0 L' must be positive"),
        ({"small_impellers": "two"}, "small_impellers", "small vessel: impellers: Input should"),
        ({"large_power_number": "-1"}, "large_power_number", "power number must be positive"),
        ({"speed": "300 m"}, "speed", "speed: '300 m' is a length"),
        ({"viscosity": "1 kg/m3"}, "viscosity", "viscosity: '1 kg/m3' is a density"),
        ({"aeration": "3 kg/m3"}, "aeration", "aeration '3 kg/m3': give vvm"),
        ({"gassed_ratio": "1.5"}, "gassed_ratio", "gassed power ratio Pg/P must be in (0, 1]"),
        ({"gassed_ratio": "most"}, "gassed_ratio", "gassed power ratio Pg/P: Input should"),
    ],
)  # fmt: skip
def test_errors_name_the_field(page, changes, field, message) -> None:  # type: ignore[no-untyped-def]
    response = _post(page, **changes)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert message in text, re.findall(r"role=.alert.*", text)
    assert re.search(rf'name="{field}" id="f-{field}"[^>]*aria-invalid="true"', text)
    assert 'id="scaleup-result"' not in text
    value = next(iter(changes.values()))
    assert f'value="{value}"' in text  # what was typed stays in the form


def test_a_short_form_takes_the_defaults(page) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_isolation import BODIES

    client, csrf = page
    body = BODIES[("POST", "/tools/scaleup")]["data"]
    response = client.post("/tools/scaleup", data={**body, "csrf_token": csrf})
    assert response.status_code == 200, response.text[:400]
    small = Vessel.of("0.2 m", "6.7 cm", "5 L")
    large = Vessel.of("1.2 m", "0.4 m", "1100 L")
    plan = scale_up(small, large, "300 rpm")  # water at 37 °C, Rushton turbines, no air
    shown = _rows(response.text)["constant tip speed"]["speed_rpm"]
    assert shown == _shown(plan.strategies["constant tip speed"].speed_rpm)
