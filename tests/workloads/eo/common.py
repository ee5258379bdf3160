"""A small eo scenario for the tests: 4 satellites in a 510 km sun-synchronous plane, KSAT's
polar pair (SvalSat, TrollSat), one GPU each."""
from __future__ import annotations

import copy

from sim.config.base import set_dotted
from sim.config.loading import scenario_from_dict

STATIONS = [{"name": "Svalbard", "lat_deg": 78.23, "lon_deg": 15.41},
            {"name": "Troll", "lat_deg": -72.0, "lon_deg": 2.53}]
RATE_GBPS = 0.16

BASE = {
    "name": "eo_test",
    "epoch": "2026-03-20T00:00:00Z",
    "duration": "3h",
    "dt_s": 10,
    "seed": 3,
    "record": {"every_s": 600},
    "defaults": {"gpu": {"preset": "h100-pcie", "count": 1, "tdp_w": 60, "idle_w": 8, "max_clock_mhz": 1300,
                         "idle_clock_mhz": 306, "peak_bf16_tflops": 42.5, "r_jc_k_w": 0.4},
                 "solar_array": {"area_m2": 0.45, "efficiency": 0.3, "tracking": "sun"},
                 "battery": {"capacity_wh": 120}, "bus": {"power_w": 45},
                 "radiator": {"area_m2": 0.25, "emissivity": 0.85, "absorptivity": 0.1, "sides": 2},
                 "thermal": {"c_payload_j_k": 8000, "c_radiator_j_k": 3000, "g_payload_radiator_w_k": 20}},
    "constellation": [{"name": "eo", "sso": {"altitude_km": 510, "ltan_h": 22.5, "count": 4}}],
    "network": {"ground_stations": {"defaults": {"rate_gbps": RATE_GBPS, "min_elevation_deg": 10,
                                                 "clear_sky_probability": 1.0},
                                    "stations": STATIONS}},
    "workloads": {"jobs": [{
        "kind": "eo", "name": "imaging", "members": {"shell": "eo"},
        "camera": {"frame_mb": 100, "frames_per_s": 0.2, "over": "land"},
        "process": "onboard",
        "processing": {"gpu_s_per_frame": 2.0, "keep_fraction": 0.7, "output_mb": 5},
        "storage_gb": 256,
    }]},
}


def eo_dict(**sets) -> dict:
    """BASE with dotted-path overrides, e.g. eo_dict(**{"workloads.jobs.0.storage_gb": 1})."""
    data = copy.deepcopy(BASE)
    for key, value in sets.items():
        set_dotted(data, key, value)
    return data


def eo_scenario(**sets):
    return scenario_from_dict(eo_dict(**sets), "<eo test>")
