"""AP8 trapped-proton maps on a (lat, lon, altitude, energy) grid, computed once and cached.

AP8 (Sawyer & Vette 1976, NSSDC 76-06) through the `aep8` package (IRBEM): omnidirectional
integral proton flux J(>E) in cm⁻² s⁻¹ at geodetic points, with the model's own field and
McIlwain L/B. AP8 answers a few thousand points a second, so the map is built at set-up and
stored as .npz under the cache directory, keyed by the grid, the solar phase and the field
date; the tick only interpolates it.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from sim.radiation.constants import TRAPPED_FLOOR_CM2_S

AP8_MAX_ENERGY_MEV = 400.0


@dataclass(frozen=True)
class FluxMap:
    """J(>E) on a regular grid; `flux_cm2_s` has shape (n_lat, n_lon, n_alt, n_energy)."""

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_km: np.ndarray
    energies_mev: np.ndarray
    flux_cm2_s: np.ndarray
    solar: str

    def maximum(self, energy_mev: float, alt_km: float) -> tuple[float, float, float]:
        """(flux, lat, lon) of the map's maximum at the tabulated energy and altitude."""
        ie = int(np.argmin(np.abs(self.energies_mev - energy_mev)))
        ia = int(np.argmin(np.abs(self.alt_km - alt_km)))
        layer = self.flux_cm2_s[:, :, ia, ie]
        i, j = np.unravel_index(int(np.argmax(layer)), layer.shape)
        return float(layer[i, j]), float(self.lat_deg[i]), float(self.lon_deg[j])


def default_cache_dir() -> Path:
    env = os.environ.get("ODCSIM_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "odcsim"


def regular_grid(step_deg: float, lo: float, hi: float) -> np.ndarray:
    n = int(round((hi - lo) / step_deg))
    return np.linspace(lo, hi, n + 1)


def altitude_grid_km(alt_lo_km: float, alt_hi_km: float, step_km: float) -> np.ndarray:
    """Regular altitudes covering [lo, hi] with at least two levels, aligned to multiples of step."""
    lo = np.floor(alt_lo_km / step_km) * step_km
    hi = max(np.ceil(alt_hi_km / step_km) * step_km, lo + step_km)
    return np.arange(lo, hi + 0.5 * step_km, step_km)


def ap8_map(lat_deg: np.ndarray, lon_deg: np.ndarray, alt_km: np.ndarray, energies_mev: np.ndarray,
            solar: str, when: datetime, cache_dir: Path | None = None) -> FluxMap:
    """The AP8-min or AP8-max map on the grid, from the cache or computed with aep8."""
    lat_deg, lon_deg, alt_km, energies_mev = (np.asarray(x, dtype=float) for x in
                                              (lat_deg, lon_deg, alt_km, energies_mev))
    if solar not in ("min", "max"):
        raise ValueError(f"solar phase must be 'min' or 'max', got {solar!r}")
    field_year = when.year   # the field model's date, to the year (the map barely changes within one)
    key = hashlib.sha256(json.dumps({
        "model": "AP8", "solar": solar, "year": field_year, "lat": lat_deg.round(6).tolist(),
        "lon": lon_deg.round(6).tolist(), "alt": alt_km.round(6).tolist(),
        "e": energies_mev.round(6).tolist()}).encode()).hexdigest()[:16]
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cache / "ap8" / f"ap8{solar}_{field_year}_{key}.npz"
    if path.exists():
        with np.load(path) as z:
            flux = z["flux_cm2_s"]
    else:
        flux = _compute_ap8(lat_deg, lon_deg, alt_km, energies_mev, solar, field_year)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}.npz")
        np.savez_compressed(tmp, flux_cm2_s=flux)
        os.replace(tmp, path)
    return FluxMap(lat_deg, lon_deg, alt_km, energies_mev, flux, solar)


def _compute_ap8(lat_deg, lon_deg, alt_km, energies_mev, solar, year) -> np.ndarray:
    import warnings

    import aep8
    import astropy.units as u
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

    model = aep8.model("p", solar)
    lat, lon, alt = np.meshgrid(lat_deg, lon_deg, alt_km, indexing="ij")
    location = EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, alt * u.km)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # AP8 returns NaN outside its L range
        l_shell, b_ratio = model.geomagnetic_coordinates(location, Time(f"{year}-07-01T00:00:00"))
        energies = np.minimum(energies_mev, AP8_MAX_ENERGY_MEV)
        flux = model.integral_flux_for_geomagnetic_coordinates(
            l_shell[..., None], b_ratio[..., None], energies * u.MeV).to_value(u.cm ** -2 / u.s)
    flux = np.where(np.isfinite(flux) & (flux > 0), flux, 0.0)
    flux[..., energies_mev > AP8_MAX_ENERGY_MEV] = 0.0
    return np.minimum.accumulate(flux, axis=-1)


def energy_scale(energies_mev: np.ndarray, scale_by_energy: dict[float, float] | None) -> np.ndarray:
    """The factor at each of `energies_mev` of a {energy [MeV]: factor} table: linear in
    (ln E, ln factor) between the table's energies, its end factors outside (1 without a table)."""
    e = np.asarray(energies_mev, dtype=float)
    if not scale_by_energy:
        return np.ones_like(e)
    keys = np.array(sorted(scale_by_energy), dtype=float)
    factors = np.array([scale_by_energy[k] for k in sorted(scale_by_energy)], dtype=float)
    return np.exp(np.interp(np.log(e), np.log(keys), np.log(factors)))


def scaled(flux_map: FluxMap, scale_by_energy: dict[float, float] | None) -> FluxMap:
    """The map with J(>E) multiplied by `energy_scale` at its energies; an integral spectrum never
    rises with energy, so factors growing faster than J falls are cut to keep J(>E) non-increasing."""
    if not scale_by_energy:
        return flux_map
    flux = flux_map.flux_cm2_s * energy_scale(flux_map.energies_mev, scale_by_energy)
    return FluxMap(flux_map.lat_deg, flux_map.lon_deg, flux_map.alt_km, flux_map.energies_mev,
                   np.minimum.accumulate(flux, axis=-1), flux_map.solar)


def interpolate_energy(flux_map: FluxMap, energy_mev: float) -> np.ndarray:
    """J(>energy) on the (lat, lon, alt) grid, log–log between tabulated energies."""
    e = flux_map.energies_mev
    if energy_mev <= e[0]:
        return flux_map.flux_cm2_s[..., 0].copy()
    if energy_mev >= e[-1]:
        return np.zeros(flux_map.flux_cm2_s.shape[:3]) if energy_mev > e[-1] else flux_map.flux_cm2_s[..., -1].copy()
    k = int(np.searchsorted(e, energy_mev)) - 1
    w = np.log(energy_mev / e[k]) / np.log(e[k + 1] / e[k])
    lo = np.log(np.maximum(flux_map.flux_cm2_s[..., k], TRAPPED_FLOOR_CM2_S))
    hi = np.log(np.maximum(flux_map.flux_cm2_s[..., k + 1], TRAPPED_FLOOR_CM2_S))
    out = np.exp((1.0 - w) * lo + w * hi)
    return np.where(out > TRAPPED_FLOOR_CM2_S * 1.0001, out, 0.0)
