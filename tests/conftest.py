from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_DIR.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A file of ../shared/data, or skip the test saying why."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not available: {path} (../shared is absent)")
    return path


TINY_SCENARIO = {
    "name": "tiny",
    "epoch": "2026-03-20T00:00:00Z",
    "duration": "2h",
    "dt_s": 30,
    "seed": 7,
    "record": {"every_s": 120},
    "constellation": [
        {"name": "walker", "walker": {"altitude_km": 550, "inclination_deg": 53, "planes": 2,
                                       "sats_per_plane": 2, "phasing": 1}},
        {"name": "sso", "sso": {"altitude_km": 650, "ltan_h": 18, "count": 2},
         "radiator": {"area_m2": 1.0}},
    ],
}


@pytest.fixture
def tiny_scenario_file(tmp_path):
    import yaml
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY_SCENARIO))
    return path
