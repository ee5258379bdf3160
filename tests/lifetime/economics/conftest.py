"""Scenarios of the economics tests, written as YAML so that `odcsim validate`/`size` read them."""
from __future__ import annotations

import yaml

# one satellite design of 10 H100-class GPUs (7 kW of IT load) per the hand calculation,
# expressed per kW of IT load (MODELS.md §12.3): array 1.1 kW per kW at 30 % and 1361 W/m2;
# radiator area of the ISS's 645 m2 per 126 kW; battery 2 kg/kW at 160 Wh/kg (320 Wh per kW)
IT_KW = 7.0
HAND_HARDWARE = {
    "gpu": {"preset": "h100-sxm", "count": 10},
    "solar_array": {"area_m2": 1.1 * IT_KW * 1000.0 / (0.30 * 1361.0), "efficiency": 0.30},
    "radiator": {"area_m2": IT_KW * 645.0 / 126.0},
    "battery": {"capacity_wh": 320.0 * IT_KW},
}
HAND_MASS = {"thermal_loop_kg_per_kw": 0.0, "shielding_al_mm": 0.0, "battery_specific_energy_wh_kg": 160.0,
             "structure_bus_fraction": 0.25, "compute_specific_power_w_kg": 97.0}


def scenario_yaml(tmp_path, economics=None, shell=None, name="econ", hardware=None, **top) -> str:
    data = {"name": name, "epoch": "2026-03-20T00:00:00Z", "duration": "1h", "dt_s": 30,
            "record": {"every_s": "10m"},
            "constellation": [{"name": "s", **(shell or {"sso": {"altitude_km": 550, "count": 4}}),
                               **(hardware or {})}], **top}
    if economics is not None:
        data["economics"] = economics
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)
