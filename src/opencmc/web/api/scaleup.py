"""Stirred-bioreactor scale-up arithmetic over JSON; every quantity is text with its unit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from opencmc.platform.errors import InvalidInput
from opencmc.platform.uow import UnitOfWork
from opencmc.science import process
from opencmc.web.auth import CurrentApiUow

router = APIRouter(prefix="/scale-up", tags=["scale-up"])


class VesselIn(BaseModel):
    """A vessel's geometry, each length and volume written with its unit."""

    model_config = ConfigDict(extra="forbid")

    tank_diameter: str = Field(description='e.g. "0.2 m"')
    impeller_diameter: str = Field(description='e.g. "6.7 cm"')
    liquid_volume: str = Field(description='e.g. "5 L"')
    impeller: str = Field("rushton", description="rushton, pitched_blade, hydrofoil, marine")
    power_number: float | None = Field(None, description="overrides the impeller's typical Np")
    impellers: int = 1
    name: str = ""

    def to_vessel(self, field: str) -> process.Vessel:
        try:
            return process.Vessel.of(
                self.tank_diameter,
                self.impeller_diameter,
                self.liquid_volume,
                impeller=self.impeller,
                power_number=self.power_number,
                impellers=self.impellers,
                name=self.name or field,
            )
        except process.UnitError as error:
            raise InvalidInput(f"{field}: {error}", field=field) from None


class LiquidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    density: str = "993 kg/m3"
    viscosity: str = "0.69 mPa.s"

    def to_liquid(self) -> process.Liquid:
        try:
            return process.Liquid.of(self.density, self.viscosity)
        except process.UnitError as error:
            raise InvalidInput(f"liquid: {error}", field="liquid") from None


class _Operating(BaseModel):
    model_config = ConfigDict(extra="forbid")

    speed: str = Field(description='agitation speed, e.g. "300 rpm"')
    liquid: LiquidIn = Field(default_factory=LiquidIn)
    aeration: str | None = Field(None, description='"0.5 vvm", "10 L/min" or "0.005 m/s"')
    kla: str = Field("vant_riet_non_coalescing", description="the kLa correlation's name")
    gassed_power_ratio: float = Field(1.0, description="Pg/P, in (0, 1]")


class AgitationRequest(_Operating):
    vessel: VesselIn

    def run(self) -> process.Agitation:
        vessel, liquid = self.vessel.to_vessel("vessel"), self.liquid.to_liquid()
        try:
            return process.agitation(
                vessel, self.speed, liquid, self.aeration, self.kla, self.gassed_power_ratio
            )
        except process.UnitError as error:
            raise InvalidInput(str(error)) from None


class ScaleUpRequest(_Operating):
    small: VesselIn
    large: VesselIn
    large_aeration: str | None = Field(None, description="default: the small scale's vvm")

    def run(self) -> process.ScaleUp:
        small, large = self.small.to_vessel("small"), self.large.to_vessel("large")
        try:
            return process.scale_up(
                small,
                large,
                self.speed,
                self.liquid.to_liquid(),
                self.aeration,
                self.large_aeration,
                self.kla,
                self.gassed_power_ratio,
            )
        except process.UnitError as error:
            raise InvalidInput(str(error)) from None


@router.get("/correlations")
def correlations(uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """The kLa correlations and impeller power numbers the calculations can use."""
    return {
        "kla": {
            name: {"a": c.a, "alpha": c.alpha, "beta": c.beta, "source": c.source}
            for name, c in process.KLA_CORRELATIONS.items()
        },
        "power_numbers": {k: v[0] for k, v in process.POWER_NUMBERS.items()},
    }


@router.post("/agitation")
def agitation(body: AgitationRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Tip speed, Reynolds number, power and P/V, kLa and mixing time at one speed."""
    return body.run().to_dict()


@router.post("/plan")
def plan(body: ScaleUpRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """The large vessel's speed for constant P/V, constant tip speed and constant kLa."""
    result = body.run()
    return {**result.to_dict(), "table": result.table()}
