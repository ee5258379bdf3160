"""Scenario section `radiation:` — environment, device classes and mitigations.

Defaults and their sources are listed in docs/models.md; numbers marked U there are
order-of-magnitude placeholders to be replaced by test data for the chosen parts.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sim.config.base import Fraction, NonNegative, Positive, Strict
from sim.config.base import utc_datetime as _utc
from sim.config.sections import scenario_check, scenario_section
from sim.core.constants import SECONDS_PER_HOUR
from sim.core.timescale import parse_utc


class TrappedProtons(Strict):
    enabled: bool = True
    solar: Literal["auto", "min", "max"] = Field("auto", description="AP8-MIN or AP8-MAX; auto: by cycle phase")
    lat_step_deg: Annotated[float, Field(gt=0.0, le=30.0)] = 3.0
    lon_step_deg: Annotated[float, Field(gt=0.0, le=60.0)] = 5.0
    alt_step_km: Annotated[float, Field(gt=0.0)] = 50.0
    energies_mev: list[Positive] = Field(default_factory=lambda: [
        10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 100.0, 150.0, 200.0, 300.0, 400.0])
    cache_dir: str | None = Field(None, description="default $ODCSIM_CACHE or ~/.cache/odcsim")
    scale_by_energy: dict[Positive, Positive] | None = Field(
        None, description="factors on AP8's integral flux J(>E), keyed by energy [MeV], e.g. {10: 4.0, 100: 16.0} to "
                          "match AP9 or mission data; log-log in energy between the keys, the end factors beyond them")

    @field_validator("energies_mev")
    @classmethod
    def _increasing(cls, v):
        if len(v) < 2 or any(b <= a for a, b in zip(v, v[1:])):
            raise ValueError("energies_mev must hold at least two strictly increasing energies")
        return v


class HeavyIons(Strict):
    """GCR nuclei He..Ni behind the shield as an integral LET spectrum (sim.radiation.heavy_ions)."""

    enabled: bool = Field(True, description="heavy-ion SEU/SEL of the device classes that give `heavy_ion` "
                                            "cross-sections (off with cosmic_rays.enabled false)")
    phi_solar_min_mv: Positive = Field(450.0, description="force-field modulation potential at solar minimum [MV]")
    phi_solar_max_mv: Positive = Field(1050.0, description="force-field modulation potential at solar maximum [MV]")


class CosmicRays(Strict):
    enabled: bool = True
    flux_solar_min_cm2_s: NonNegative = 4.0   # free-space omnidirectional, U (order of magnitude)
    flux_solar_max_cm2_s: NonNegative = 2.0
    cutoff_scale_gv: Positive = 1.5           # transmission (1 + R_c/R0)^-k
    cutoff_index: Positive = 1.5
    modulation: Literal["cycle", "f107"] = Field(
        "cycle", description="solar modulation: smooth cosine of the cycle phase, or the 81-day F10.7")
    f107_csv: str | None = Field(None, description="CelesTrak SW-All file (.txt or .txt.gz) for modulation "
                                                  "'f107'; relative to the YAML")
    f107_quiet_sfu: Positive = 70.0           # F10.7 (81-day, adjusted) at which the flux is the solar-min one, U
    f107_active_sfu: Positive = 180.0         # ... and the solar-max one, U
    heavy_ions: HeavyIons = Field(default_factory=HeavyIons)

    @field_validator("f107_csv")
    @classmethod
    def _f107_file(cls, v, info: ValidationInfo):
        if info.data.get("modulation") == "f107" and not v:
            raise ValueError("required for modulation 'f107'")
        return v

    @model_validator(mode="after")
    def _f107_range(self):
        if self.f107_active_sfu <= self.f107_quiet_sfu:
            raise ValueError("f107_active_sfu must exceed f107_quiet_sfu")
        return self


class Geomagnetic(Strict):
    """The dipole cutoff: Størmer's constant and the storm-time suppression (sim.radiation.geomag)."""

    stormer_gv: Positive | None = Field(
        None, description="vertical cutoff at L = 1 [GV]; default: from the epoch's IGRF dipole moment "
                          "(14.16 GV in 2026 with L in WGS84 equatorial radii); 14.9: the 1940s-60s dipole")
    storm_suppression: Literal["off", "kp"] = Field(
        "off", description="kp: the cutoff latitude moves equatorward by cutoff_shift_deg_per_kp x Kp, Kp "
                           "3-hourly from kp_csv")
    kp_csv: str | None = Field(None, description="CelesTrak SW-All file (.txt or .txt.gz) with the 3-hourly Kp; "
                                                 "relative to the YAML")
    cutoff_shift_deg_per_kp: NonNegative = Field(
        0.6, description="equatorward shift of the cutoff invariant latitude per unit Kp [deg] (U)")

    @field_validator("kp_csv")
    @classmethod
    def _kp_file(cls, v, info: ValidationInfo):
        if info.data.get("storm_suppression") == "kp" and not v:
            raise ValueError("required for storm_suppression 'kp'")
        return v


class SolarEvents(Strict):
    mode: Literal["off", "synthetic", "replay"] = "synthetic"
    replay_csv: str | None = Field(None, description="NOAA-style CSV (begin_utc, max_utc, max_pfu_gt10MeV); "
                                                     "relative to the YAML")
    replay_shift: str | None = Field(None, description="historical instant replayed at the scenario epoch "
                                                       "(ISO 8601); default: historical dates")
    cycle_minimum: datetime = datetime(2019, 12, 1, tzinfo=timezone.utc)   # cycle 25 minimum (SILSO)
    cycle_years: Positive = 11.0
    active_start_years: NonNegative = 2.0
    active_years: Positive = 7.0
    # JPL model (ECSS-E-ST-10-04C Annex I.2.3): w events per active year, each with a log-normal
    # >10 MeV fluence; w, μ, σ U (MODELS.md §6: w ≈ 6.15, μ ≈ 8.27, σ ≈ 0.9–1.1, ECSS Table I-2 not
    # verified). Frequency and fluence from the one model: the annual fluence is their compound sum.
    events_per_active_year: NonNegative = Field(
        6.15, description="mean number of SPEs per active year (JPL w); each draws its fluence from "
                          "fluence_log10_mean/sd, so this rate and those set the annual fluence together")
    events_per_quiet_year: NonNegative = 0.5
    rise_median_h: Positive = 6.0
    decay_median_h: Positive = 24.0
    duration_sigma_ln: NonNegative = 0.7
    gamma_mean: Positive = 2.5
    gamma_sd: NonNegative = 0.5
    # JPL-91 structure (ECSS-E-ST-10-04C): log10 of the >10 MeV event fluence [cm⁻², omnidirectional]
    # ~ Normal(μ, σ); values U (MODELS.md §6). The peak is drawn from the largest events of the S-scale
    # distribution (as many per cycle as the rates give), rank-correlated with the fluence (Gaussian
    # copula, ρ U); the decay time follows from fluence and peak.
    fluence_model: Literal["jpl91", "profile"] = Field(
        "jpl91", description="jpl91: sampled log-normal fluence sets the decay time; profile: decay "
                             "log-normal(decay_median_h), fluence follows")
    fluence_log10_mean: float = 8.27
    fluence_log10_sd: NonNegative = 1.0
    fluence_peak_correlation: Annotated[float, Field(ge=0.0, le=1.0)] = 0.8
    decay_min_h: Positive = 2.0
    replay_gamma: Positive = 2.0
    replay_decay_h: Positive = 24.0
    replay_largest: Annotated[int, Field(ge=1)] | None = Field(
        None, description="replay only the n events of the list with the largest >10 MeV peak, largest first, "
                          "the k-th beginning replay_first_onset_h + k replay_spacing_h after the epoch (a worst case "
                          "from the list; replay_shift does not apply)")
    replay_first_onset_h: NonNegative = Field(0.0, description="onset of the first replay_largest event after the "
                                                               "epoch [h]")
    replay_spacing_h: Positive = Field(48.0, description="onset spacing of the replay_largest events [h]")
    replay_fluence_scale: Positive = Field(
        1.0, description="factor on the >10 MeV fluence of every replayed event: rise, decay and spectrum kept, "
                         "the peak raised to give it (sim.radiation.spe.scale_fluence); e.g. a Carrington-class event")

    _utc_minimum = field_validator("cycle_minimum", mode="before")(classmethod(lambda cls, v: _utc(v)))

    @field_validator("replay_csv")
    @classmethod
    def _csv_for_replay(cls, v, info: ValidationInfo):
        if info.data.get("mode") == "replay" and not v:
            raise ValueError("required for mode 'replay'")
        return v

    @field_validator("replay_shift")
    @classmethod
    def _iso_shift(cls, v):
        if v is not None:
            parse_utc(v)   # kept as written; parsed where it is used
        return v

    @model_validator(mode="after")
    def _cycle(self):
        if self.active_start_years + self.active_years > self.cycle_years:
            raise ValueError("active_start_years + active_years exceeds cycle_years")
        if self.replay_largest is not None and self.replay_shift is not None:
            raise ValueError("replay_shift does not apply with replay_largest (its events begin at "
                             "replay_first_onset_h, replay_spacing_h apart)")
        return self


class Weibull(Strict):
    """σ(L) = sigma_sat_cm2 (1 − exp(−((L − L0)/W)^s)) for LET L > L0 (heavy-ion test data fit)."""

    l0_mev_cm2_mg: NonNegative = Field(description="onset LET L0 [MeV cm2/mg]")
    width_mev_cm2_mg: Positive = Field(description="Weibull width W [MeV cm2/mg]")
    shape: Positive = Field(description="Weibull shape s")
    sigma_sat_cm2: NonNegative = Field(description="saturation cross-section [cm2]; per bit for seu, per device "
                                                   "for sel")


class HeavyIonSigma(Strict):
    seu: Weibull | None = Field(None, description="bit upsets: σ per bit (× the class's bits)")
    sel: Weibull | None = Field(None, description="latch-up: σ per device")


class DeviceClass(Strict):
    """One kind of device: how many, how sensitive, and what an upset does."""

    name: str
    per: Literal["gpu", "satellite"] = "gpu"
    count: Annotated[int, Field(ge=0)] = 1
    bits: NonNegative = 0.0
    sigma_bit_cm2: NonNegative = 0.0
    ecc: bool = False
    word_bits: Annotated[int, Field(ge=1)] = 64
    mbu_fraction: Fraction = 0.0
    detect_fraction: Fraction = 0.0
    sigma_sefi_cm2: NonNegative = 0.0
    sefi_downtime_median_s: Positive = 60.0
    sefi_downtime_sigma_ln: NonNegative = 1.0
    sigma_sel_cm2: NonNegative = 0.0
    sel_downtime_s: Positive = 300.0
    sel_destructive_probability: Fraction = 0.0
    takes_down_gpus: bool = True
    dose_degrade_krad: Positive | None = None
    dose_degrade_factor: Annotated[float, Field(ge=1.0)] = 10.0
    dose_fail_krad: Positive | None = None
    heavy_ion: HeavyIonSigma | None = Field(None, description="heavy-ion Weibull cross-sections (seu, sel); "
                                                              "absent: protons only")


# Heavy-ion Weibull parameters of the default classes: judgements (U), not test data of these parts.
# SEL: commercial bulk CMOS latches with onsets of a few to a few tens of MeV cm²/mg and saturation
# 1e-5..1e-3 cm² per device; SEU: σ_sat per bit near the sensitive area of a cell (modern SRAM ~1e-9 cm²;
# DRAM ~1e-12: 1e-2..1e-1 cm² per 4-8 Gb device), onsets ≤ 1 MeV cm²/mg.
_SEL_CMOS = {"l0_mev_cm2_mg": 8.0, "width_mev_cm2_mg": 30.0, "shape": 2.0, "sigma_sat_cm2": 1.0e-4}


def default_devices() -> list[DeviceClass]:
    return [
        DeviceClass(name="gpu_logic", per="gpu", count=1, bits=1.0e8, sigma_bit_cm2=1.0e-15, ecc=False,
                    detect_fraction=0.0, sigma_sefi_cm2=1.0e-10, sefi_downtime_median_s=60.0,
                    sigma_sel_cm2=1.0e-12, sel_destructive_probability=0.01, dose_fail_krad=15.0,
                    heavy_ion={"seu": {"l0_mev_cm2_mg": 0.5, "width_mev_cm2_mg": 10.0, "shape": 1.5,
                                       "sigma_sat_cm2": 2.0e-9}, "sel": _SEL_CMOS}),
        DeviceClass(name="hbm", per="gpu", count=1, bits=6.87e11, sigma_bit_cm2=2.0e-17, ecc=True, word_bits=64,
                    mbu_fraction=0.01, sigma_sefi_cm2=1.0e-9, sefi_downtime_median_s=30.0,
                    dose_degrade_krad=2.0, dose_fail_krad=15.0,
                    heavy_ion={"seu": {"l0_mev_cm2_mg": 1.0, "width_mev_cm2_mg": 20.0, "shape": 1.5,
                                       "sigma_sat_cm2": 2.0e-12}}),
        DeviceClass(name="host", per="satellite", count=1, bits=3.0e8, sigma_bit_cm2=1.0e-14, ecc=True,
                    mbu_fraction=0.01, detect_fraction=0.9, sigma_sefi_cm2=1.0e-10,
                    sefi_downtime_median_s=120.0, sigma_sel_cm2=1.0e-12, sel_destructive_probability=0.01,
                    heavy_ion={"seu": {"l0_mev_cm2_mg": 0.5, "width_mev_cm2_mg": 10.0, "shape": 1.5,
                                       "sigma_sat_cm2": 1.0e-9}, "sel": _SEL_CMOS}),
    ]


class Mitigations(Strict):
    ecc: bool = Field(True, description="false switches ECC off on every class")
    scrub_interval_s: Positive | None = SECONDS_PER_HOUR
    redundancy: Literal["none", "dmr", "tmr"] = "none"
    power_down: Literal["none", "spe", "saa", "spe_saa"] = "none"
    power_down_spe_cm2_s: Positive = 100.0   # local SPE flux above the device threshold
    power_down_saa_cm2_s: Positive = 50.0    # local trapped flux above the device threshold


@scenario_section("radiation")
class RadiationConfig(Strict):
    shielding_al_mm: NonNegative = 10.0
    upset_threshold_mev: Positive = Field(20.0, description="proton energy at the device above which σ applies")
    environment_every_s: NonNegative = Field(
        60.0, description="each satellite's fluxes, cutoff and dose rate are refreshed this often (staggered "
                          "across ticks; 0 or ≤ dt_s: every tick); the hazard and dose integrate every tick")
    trapped: TrappedProtons = Field(default_factory=TrappedProtons)
    cosmic_rays: CosmicRays = Field(default_factory=CosmicRays)
    geomagnetic: Geomagnetic = Field(default_factory=Geomagnetic)
    spe: SolarEvents = Field(default_factory=SolarEvents)
    devices: list[DeviceClass] = Field(default_factory=default_devices)
    mitigations: Mitigations = Field(default_factory=Mitigations)

    @model_validator(mode="after")
    def _unique_names(self):
        names = [d.name for d in self.devices]
        if len(set(names)) != len(names):
            raise ValueError(f"device class names must be unique, got {names}")
        return self


def _unreadable(scenario, name: str, read) -> str | None:
    """Why `read(path)` fails on the file `name` of the scenario, or None."""
    path = scenario.resolve_path(name)
    if not path.is_file():
        return f"file not found: {path}"
    try:
        read(path)
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        why = str(exc).removeprefix(f"{path}: ")
        return f"cannot read {path}: {why}"
    return None


@scenario_check
def radiation_input_files(scenario) -> list[tuple[str, str]]:
    """The files the radiation section reads at set-up exist and parse: the replayed SPE list
    (mode 'replay'), the F10.7 file (modulation 'f107' of enabled cosmic rays) and the Kp file
    (storm_suppression 'kp')."""
    cfg = getattr(scenario, "radiation", None)
    if cfg is None:
        return []
    from sim.radiation import solar_activity, spe
    problems = []
    if cfg.spe.mode == "replay":
        why = _unreadable(scenario, cfg.spe.replay_csv, spe.read_event_list)
        if why:
            problems.append(("radiation.spe.replay_csv", why))
    gcr = cfg.cosmic_rays
    if gcr.enabled and gcr.modulation == "f107":
        why = _unreadable(scenario, gcr.f107_csv, solar_activity.read_f107_81day)
        if why:
            problems.append(("radiation.cosmic_rays.f107_csv", why))
    if cfg.geomagnetic.storm_suppression == "kp":
        why = _unreadable(scenario, cfg.geomagnetic.kp_csv, solar_activity.read_kp_3h)
        if why:
            problems.append(("radiation.geomagnetic.kp_csv", why))
    return problems
