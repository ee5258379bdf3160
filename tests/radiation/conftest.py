import pytest

# The root scenario model is built when sim.config is first imported; importing a section
# module (sim.radiation.config) first would build it while that module is half-initialised,
# without its section. Import sim.config before any test module does.
import sim.config  # noqa: F401,E402


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    """One AP8 cache for the session's radiation tests (maps are keyed by grid)."""
    path = tmp_path_factory.getbasetemp() / "ap8cache"
    path.mkdir(exist_ok=True)
    return str(path)
