"""Scenarios of the inference tests, built as dicts (no file needed)."""
from __future__ import annotations

import copy
import math

from sim.config.loading import scenario_from_dict
from sim.core.timescale import gmst_rad, julian_date_utc

GEO_A_KM = 42164.17  # (μ/ω²)^(1/3): a geostationary orbit
EPOCH = "2026-06-21T00:00:00Z"  # solstice: a geostationary satellite sees no eclipse


def geo_dict(*, servers: int = 8, service_s: float = 1.0, rate_per_s: float = 6.4, duration: str = "1d",
             resolution_s: float = 0.02, distribution: str = "exponential", seed: int = 3) -> dict:
    """One geostationary satellite with 1 GPU of `servers` request streams straight above one
    equatorial station: always reachable. Requests of 1 context and 10 generated tokens with a
    decode rate giving the mean service time `service_s` (prefill negligible)."""
    lon = -math.degrees(gmst_rad(julian_date_utc(EPOCH)))  # the satellite is on the x axis at the epoch
    lon = (lon + 180.0) % 360.0 - 180.0
    return {
        "name": "geo_queue", "epoch": EPOCH, "duration": duration, "dt_s": 10, "seed": seed,
        "record": {"every_s": "6h"},
        "constellation": [{
            "name": "geo", "elements": [{"a_km": GEO_A_KM, "inclination_deg": 0.0}],
            "gpu": {"preset": "h100-sxm", "count": 1},
            "solar_array": {"area_m2": 10.0}, "battery": {"capacity_wh": 5000},
            "radiator": {"area_m2": 6.0, "sides": 2}}],
        "network": {"ground_stations": {"stations": [{"name": "Equator", "lat_deg": 0.0, "lon_deg": lon}]}},
        "workloads": {"jobs": [{
            "kind": "inference", "name": "q", "members": {"all": True},
            "arrivals": {"process": "poisson", "rate_per_s": rate_per_s},
            "requests": {"context_tokens": 1, "generated_tokens": 10},
            "service": {"prefill_tokens_per_s": 1e9, "decode_tokens_per_s": 10 * servers / service_s,
                        "concurrency": servers, "distribution": distribution},
            "queue": {"resolution_s": resolution_s, "max_wait_s": 120},
            "reachability": {"max_path_ms": 200}}]},
    }


SHELL = {
    "name": "tiny_inference", "epoch": "2026-03-20T00:00:00Z", "duration": "1h", "dt_s": 10, "seed": 5,
    "record": {"every_s": 600},
    "constellation": [{"name": "shell", "walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 12,
                                                   "sats_per_plane": 12, "phasing": 5},
                       "gpu": {"preset": "h100-sxm", "count": 4}}],
    "network": {
        "crosslinks": {"topology": "grid", "max_range_km": 5400},
        "ground_stations": {"defaults": {"min_elevation_deg": 10}, "stations": [
            {"name": "London", "lat_deg": 51.5, "lon_deg": -0.13},
            {"name": "Nairobi", "lat_deg": -1.29, "lon_deg": 36.82},
            {"name": "Sydney", "lat_deg": -33.87, "lon_deg": 151.21},
            {"name": "Svalbard", "lat_deg": 78.23, "lon_deg": 15.41}]}},
    "workloads": {"jobs": [{
        "kind": "inference", "name": "chat", "members": {"shell": "shell"},
        "arrivals": {"process": "poisson", "rate_per_s": 20.0},
        "placement": "nearest"}]},
}


def shell_dict(**job) -> dict:
    """144 satellites in 12 planes with +Grid crosslinks and four stations (Svalbard, at 78° N,
    never sees the 53° shell), one inference job (its settings updated with `job`)."""
    data = copy.deepcopy(SHELL)
    data["workloads"]["jobs"][0].update(job)
    return data


def scenario(data: dict, until: str | None = None):
    data = copy.deepcopy(data)
    if until is not None:
        data["duration"] = until
    return scenario_from_dict(data)
