from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
TEST_DATA = PROJECT_DIR / "tests" / "data"            # verification vectors that ship with the tests
SHARED_DATA = PROJECT_DIR.parent / "shared" / "data"  # reference data without a licence to ship


def shared_data(*parts: str) -> Path:
    """A reference file of ../shared/data (data whose licence does not let it ship with the
    project), or skip the test saying why. The one way tests reach ../shared."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not available: {path} (../shared/data is absent beside this clone; "
                    f"its licence keeps it out of the repository)")
    return path


def verification_data(*parts: str) -> Path:
    """A verification file shipped in tests/data (see tests/data/SOURCE.md)."""
    return TEST_DATA.joinpath(*parts)


def sgp4_verification_file(name: str) -> Path:
    """Vallado's SGP4-VER.TLE / tcppver.out, shipped inside the python-sgp4 package."""
    import sgp4
    return Path(sgp4.__file__).parent / name


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
