"""Set-up of the radiation environment of a run (NumPy, once): the trapped-proton map on the
run's grid, the solar-modulated GCR flux table, the solar particle events, the SPE dose tables.

The tick then reads these through sim.radiation.tick; plots rebuild the same map grid
(`trapped_grid`) so they hit the same AP8 cache entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from sim.core.constants import R_EARTH_EQUATORIAL_M, SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_JULIAN_YEAR
from sim.core.timescale import parse_utc
from sim.radiation import solar_activity, transport, trapped
from sim.radiation import spe as spe_model
from sim.radiation.config import RadiationConfig, SolarEvents, TrappedProtons

ALT_MARGIN_KM = 40.0   # geodetic height exceeds r − R_eq by up to 21 km at the poles
SPE_PFU_TO_OMNI = 4.0 * np.pi   # pfu (cm⁻² s⁻¹ sr⁻¹), isotropic → omnidirectional cm⁻² s⁻¹
SPE_DOSE_LOG_EMIN = np.log(np.geomspace(1.0, 3.0e4, 48))
GCR_TABLE_STEP_S = 6 * SECONDS_PER_HOUR
GCR_CUTOFF_STEP_GV = 0.005   # the transmission table in R_c: linear error < 1e-5
GCR_CUTOFF_MAX_GV = 16.0     # above the Størmer cutoff at the equator at the ground (14.2 GV in 2026, 14.9 in 1945)


# ---------------------------------------------------------------- trapped protons

def solar_cycle_phase_years(cfg: RadiationConfig, epoch: datetime) -> float:
    s = cfg.spe
    return spe_model.solar_cycle_phase_years(epoch, s.cycle_minimum, s.cycle_years)


def ap8_phase(cfg: RadiationConfig, epoch: datetime) -> str:
    """'min' or 'max': the configured AP8 model, or for 'auto' the one of the cycle phase at epoch."""
    if cfg.trapped.solar != "auto":
        return cfg.trapped.solar
    s = cfg.spe
    active = spe_model.is_active(solar_cycle_phase_years(cfg, epoch), s.active_start_years, s.active_years)
    return "max" if active else "min"


def trapped_grid(tp: TrappedProtons, a_m: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lat [deg], lon [deg], alt [km]) of the AP8 map covering orbits of semi-major axes a_m [m]
    and eccentricities e."""
    perigee_km = (a_m * (1.0 - e) - R_EARTH_EQUATORIAL_M) / 1e3
    apogee_km = (a_m * (1.0 + e) - R_EARTH_EQUATORIAL_M) / 1e3
    lat = trapped.regular_grid(tp.lat_step_deg, -90.0, 90.0)
    lon = trapped.regular_grid(tp.lon_step_deg, -180.0, 180.0)
    alt = trapped.altitude_grid_km(max(perigee_km.min() - ALT_MARGIN_KM, 100.0),
                                   apogee_km.max() + ALT_MARGIN_KM, tp.alt_step_km)
    return lat, lon, alt


@dataclass
class EnvironmentMap:
    """The trapped map of a run: AP8 J(>E) × trapped.scale_by_energy (flux_map, None when trapped protons are off), the
    encoded (lat, lon, alt) map and its axes, and the resampled Earth-fixed map of the tick."""

    flux_map: trapped.FluxMap | None
    log_map: np.ndarray
    grid_axes: np.ndarray
    env_map: np.ndarray
    env_axes: np.ndarray


def environment_map(cfg: RadiationConfig, a_m: np.ndarray, e: np.ndarray, epoch: datetime,
                    device_floor_mev: float) -> EnvironmentMap:
    from sim.radiation import environment_map as kernels

    tp = cfg.trapped
    lat, lon, alt = trapped_grid(tp, a_m, e)
    energies = np.asarray(tp.energies_mev)
    if tp.enabled:
        flux_map = trapped.scaled(trapped.ap8_map(lat, lon, alt, energies, ap8_phase(cfg, epoch), epoch, tp.cache_dir),
                                  tp.scale_by_energy)
        upset_flux = trapped.interpolate_energy(flux_map, device_floor_mev)
        dose = transport.dose_rate_rad_s(energies, flux_map.flux_cm2_s, cfg.shielding_al_mm)
    else:
        flux_map = None
        upset_flux = np.zeros((lat.size, lon.size, alt.size))
        dose = np.zeros_like(upset_flux)
    log_map = kernels.encode_log_map(upset_flux, dose)
    grid_axes = np.array([lat[0], lat[1] - lat[0], lat.size, lon[0], lon[1] - lon[0], lon.size,
                          alt[0], (alt[1] - alt[0]) if alt.size > 1 else 1.0, alt.size], dtype=np.float64)
    # the same map on Earth-fixed (z/r, pseudo-angle, r) nodes at twice the resolution, so the
    # tick needs no trigonometry
    n_u = int(np.ceil(2.0 / np.radians(tp.lat_step_deg / 2.0))) + 1
    n_p = int(np.ceil(4.0 / (np.radians(tp.lon_step_deg) / 4.0)))
    r0_m = float((a_m * (1.0 - e)).min()) - 10e3
    r1_m = float((a_m * (1.0 + e)).max()) + 10e3
    dr_m = tp.alt_step_km * 1e3 / 2.0
    n_r = max(2, int(np.ceil((r1_m - r0_m) / dr_m)) + 1)
    env_map = np.zeros((n_u, n_p + 1, n_r, 2))
    kernels.resample_map(log_map, grid_axes, n_u, n_p, r0_m, dr_m, n_r, env_map)
    return EnvironmentMap(flux_map, log_map, grid_axes, env_map, kernels.environment_axes(n_u, n_p, r0_m, dr_m, n_r))


# ---------------------------------------------------------------- galactic cosmic rays

def gcr_transmission(cfg: RadiationConfig) -> np.ndarray:
    """(1 + R_c/R0)^-k on R_c = 0, GCR_CUTOFF_STEP_GV, … GCR_CUTOFF_MAX_GV."""
    gcr = cfg.cosmic_rays
    rc_gv = np.arange(0.0, GCR_CUTOFF_MAX_GV + GCR_CUTOFF_STEP_GV, GCR_CUTOFF_STEP_GV)
    return (1.0 + rc_gv / gcr.cutoff_scale_gv) ** (-gcr.cutoff_index)


def gcr_table(cfg: RadiationConfig, epoch: datetime, duration_s: float, resolve_path) -> tuple[np.ndarray, np.ndarray]:
    """(t [s], free-space GCR flux [1/(cm2 s)]) every GCR_TABLE_STEP_S of the run, smoothly
    modulated (sim.radiation.solar_activity)."""
    gcr = cfg.cosmic_rays
    grid_s, m = gcr_modulation(cfg, epoch, duration_s, resolve_path)
    if not gcr.enabled:
        return grid_s, np.zeros_like(grid_s)
    return grid_s, gcr.flux_solar_min_cm2_s + (gcr.flux_solar_max_cm2_s - gcr.flux_solar_min_cm2_s) * m


def gcr_modulation(cfg: RadiationConfig, epoch: datetime, duration_s: float, resolve_path):
    """(t [s], solar modulation m ∈ [0, 1]) every GCR_TABLE_STEP_S of the run (0 throughout with cosmic
    rays off): the GCR protons' flux and the heavy ions' rates (sim.radiation.heavy_ions) both follow it."""
    gcr = cfg.cosmic_rays
    grid_s = np.arange(0.0, duration_s + 2 * GCR_TABLE_STEP_S, GCR_TABLE_STEP_S)
    if not gcr.enabled:
        return grid_s, np.zeros_like(grid_s)
    if gcr.modulation == "f107":
        days, sfu = solar_activity.read_f107_81day(resolve_path(gcr.f107_csv))
        m = solar_activity.f107_modulation(solar_activity.days_since_unix(epoch) + grid_s / SECONDS_PER_DAY,
                                           days, sfu, gcr.f107_quiet_sfu, gcr.f107_active_sfu)
    else:
        m = solar_activity.cycle_modulation(solar_cycle_phase_years(cfg, epoch) + grid_s / SECONDS_PER_JULIAN_YEAR,
                                            cfg.spe.cycle_years)
    return grid_s, m


# ---------------------------------------------------------------- solar particle events

def spe_events(s: SolarEvents, epoch: datetime, duration_s: float, rng: np.random.Generator,
               resolve_path) -> list[spe_model.SolarParticleEvent]:
    """The run's events: none, a synthetic draw from `rng`, or the replayed list (its dates
    moved by replay_shift → epoch when given)."""
    if s.mode == "off":
        return []
    if s.mode == "replay":
        if s.replay_largest:
            events = spe_model.largest_replay(
                resolve_path(s.replay_csv), s.replay_largest, duration_s,
                first_onset_s=s.replay_first_onset_h * SECONDS_PER_HOUR,
                spacing_s=s.replay_spacing_h * SECONDS_PER_HOUR, decay_h=s.replay_decay_h, gamma=s.replay_gamma)
        else:
            shift_s = (epoch - parse_utc(s.replay_shift)).total_seconds() if s.replay_shift else 0.0
            events = spe_model.replay_events(resolve_path(s.replay_csv), epoch - timedelta(seconds=shift_s),
                                             duration_s, decay_h=s.replay_decay_h, gamma=s.replay_gamma)
        return [spe_model.scale_fluence(ev, s.replay_fluence_scale) for ev in events]
    return spe_model.synthetic_events(
        rng, epoch, duration_s, cycle_minimum=s.cycle_minimum, cycle_years=s.cycle_years,
        active_start_years=s.active_start_years, active_years=s.active_years,
        events_per_active_year=s.events_per_active_year, events_per_quiet_year=s.events_per_quiet_year,
        rise_median_h=s.rise_median_h, decay_median_h=s.decay_median_h,
        duration_sigma_ln=s.duration_sigma_ln, gamma_mean=s.gamma_mean, gamma_sd=s.gamma_sd,
        fluence_model=s.fluence_model, fluence_log10_mean=s.fluence_log10_mean,
        fluence_log10_sd=s.fluence_log10_sd, fluence_peak_correlation=s.fluence_peak_correlation)


class SpeDoseTables:
    """rad per unit >10 MeV fluence on the SPE_DOSE_LOG_EMIN grid, per spectral index (cached)."""

    def __init__(self, shielding_al_mm: float):
        self.shielding_al_mm = shielding_al_mm
        self._tables: dict[float, np.ndarray] = {}

    def __call__(self, gamma: float) -> np.ndarray:
        key = round(gamma, 3)
        if key not in self._tables:
            self._tables[key] = transport.power_law_dose_table(key, self.shielding_al_mm, np.exp(SPE_DOSE_LOG_EMIN))
        return self._tables[key]
