"""The scenario section `economics:`: mass model, launch vehicle, costs and the terrestrial comparator.

Defaults, their sources and status (V verified, V2 secondary, U a judgement) are in docs/models.md
("Mass, launches and cost"); every one can be overridden in the scenario.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sim.config.base import Fraction, NonNegative, Positive, PositiveFraction, Strict
from sim.config.sections import scenario_check, scenario_section
from sim.lifetime.economics.launch import VEHICLE_PRESETS, Vehicle

Years = Annotated[float, Field(gt=0.0, le=100.0)]


class MassModel(Strict):
    array_specific_power_w_kg: Positive = Field(59.0, description=(
        "solar array mass per W of beginning-of-life output (area x efficiency x 1361 W/m2) [W/kg]; "
        "59: iROSA, 20 kW at 340 kg (V); 150: flexible-blanket arrays (NASA NTRS 20150006022)"))
    radiator_areal_density_kg_m2: Positive = Field(15.0, description=(
        "radiator panel mass per m2 of radiator.area_m2 [kg/m2]; 15: ISS EATCS+PVTCS combined (V); "
        "deployable next-generation panels 2-5 kg/m2 (V2)"))
    battery_specific_energy_wh_kg: Positive = Field(130.0, description=(
        "battery pack energy per kg [Wh/kg]; 130: a Saft VES180-class cell (160 Wh/kg, V) with ~20 % "
        "pack overhead (U)"))
    compute_specific_power_w_kg: Positive = Field(97.0, description=(
        "compute mass per W of GPU board power (gpu.tdp_w), servers and cold plates included [W/kg]; "
        "97: a GB200 NVL72 rack, 132 kW at 1.36 t (V as cited)"))
    compute_kg_per_gpu: Positive | None = Field(None, description=(
        "compute mass per GPU [kg]; when given it replaces compute_specific_power_w_kg"))
    thermal_loop_kg_per_kw: NonNegative = Field(5.0, description=(
        "pumps, lines and coolant per kW of heat carried to the radiator (GPUs and bus) [kg/kW]; a judgement (U)"))
    shielding_al_mm: NonNegative | None = Field(None, description=(
        "aluminium shield thickness around the compute [mm]; None: radiation.shielding_al_mm when the scenario "
        "has a radiation section, else 0"))
    shielded_area_m2_per_gpu: NonNegative = Field(0.1, description=(
        "shield area per GPU [m2]; 0.1: a box around an 8-GPU board, a judgement (U)"))
    propulsion_dry_kg: NonNegative = Field(0.0, description=(
        "propulsion dry mass per satellite [kg]; 0: the structure_bus_fraction carries a propulsion allowance"))
    propellant_kg: NonNegative | None = Field(None, description=(
        "propellant per satellite at launch [kg]; default: lifetime.propulsion.propellant_kg when the "
        "scenario has a lifetime section, else 0"))
    structure_bus_fraction: Annotated[float, Field(ge=0.0, le=5.0)] = Field(0.25, description=(
        "structure, bus avionics, communications and propulsion allowance as a fraction of the other dry "
        "masses; 0.25: the x1.2-1.25 of the seed's hand calculation (U)"))


class Launch(Strict):
    vehicle: Literal[tuple(VEHICLE_PRESETS)] = Field("falcon9", description=(
        "falcon9, falcon_heavy, rideshare or starship (a projection)"))
    usd_per_kg: Positive | None = Field(None, description="replaces the vehicle's price per kg [USD/kg]")
    pricing: Literal["per_launch", "per_kg"] | None = Field(None, description=(
        "replaces the vehicle's pricing: per_launch (whole vehicles: launches x capacity x $/kg) or per_kg "
        "(the launched mass x $/kg, as rideshare, or a share of a vehicle filled by others)"))
    capacity_kg: Positive | None = Field(None, description=(
        "replaces the vehicle's capacity to its reference orbit [kg]"))

    def resolved(self) -> Vehicle:
        preset = dict(VEHICLE_PRESETS[self.vehicle])
        if self.usd_per_kg is not None:
            preset["usd_per_kg"] = self.usd_per_kg
        if self.capacity_kg is not None:
            preset["capacity_kg"] = self.capacity_kg
        if self.pricing is not None:
            preset["pricing"] = self.pricing
        return Vehicle(name=self.vehicle, **preset)


class Costs(Strict):
    usd_per_gpu: NonNegative = Field(30000.0, description="one GPU with its share of the server [USD]; U")
    usd_per_array_w: NonNegative = Field(100.0, description=(
        "space solar array per W of beginning-of-life output [USD/W]; a judgement (U)"))
    usd_per_bus: NonNegative = Field(500000.0, description=(
        "the rest of one satellite (structure, avionics, battery, radiator, thermal, integration) [USD]; U"))
    ground_segment_usd: NonNegative = Field(20.0e6, description="ground stations and control centre, once [USD]; U")
    operations_usd_per_year: NonNegative = Field(10.0e6, description="operations of the whole fleet per year [USD]; U")
    replacement_fraction_per_year: Fraction = Field(0.0, description=(
        "fraction of the fleet rebuilt and relaunched each year (replacement launches) [1/yr]"))


class Terrestrial(Strict):
    usd_per_gpu: NonNegative = Field(30000.0, description="one GPU with its share of the server [USD]; U")
    gpu_life_years: Years = Field(5.0, description="amortisation life of the GPUs [yr]; U")
    electricity_usd_per_kwh: NonNegative = Field(0.08, description="electricity price [USD/kWh]; U")
    pue: Annotated[float, Field(ge=1.0, le=5.0)] = Field(1.56, description=(
        "power usage effectiveness; 1.56: Uptime Institute 2024 industry average (V)"))
    facility_usd_per_w: NonNegative = Field(11.0, description=(
        "facility capex per W of critical IT load [USD/W]; 11: $10-12 M per MW (V2)"))
    facility_life_years: Years = Field(15.0, description="amortisation life of the facility [yr]; U")
    useful_fraction: PositiveFraction = Field(0.9, description=(
        "useful share of a terrestrial GPU's hours (failures, maintenance, idle); U"))


@scenario_section("economics")
class EconomicsConfig(Strict):
    mission_years: Years = Field(5.0, description=(
        "mission length [yr]; the run's goodput fraction is taken to hold over all of it"))
    discount_rate: Annotated[float, Field(ge=0.0, le=1.0)] = Field(0.08, description=(
        "annual discount rate of costs and GPU-hours after launch; U"))
    mass: MassModel = Field(default_factory=MassModel)
    launch: Launch = Field(default_factory=Launch)
    costs: Costs = Field(default_factory=Costs)
    terrestrial: Terrestrial = Field(default_factory=Terrestrial)


@scenario_check
def economics_launchable(scenario) -> list[tuple[str, str]]:
    """The vehicle reaches every shell's orbit and carries at least one of its satellites."""
    econ = getattr(scenario, "economics", None)
    if econ is None:
        return []
    from sim.lifetime.economics.launch import fleet_launch_problems
    return fleet_launch_problems(scenario, econ)
