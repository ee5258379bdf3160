import pytest

from tests.robustness.common import tiny_bases
from tests.robustness.fuzz import OUTCOMES


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    """Tiny copies of the shipped base configs (tests/robustness/common.py)."""
    return tiny_bases(tmp_path_factory.mktemp("bases"))


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """Where the fuzz cases write their files, one directory each."""
    return tmp_path_factory.mktemp("cases")


def pytest_terminal_summary(terminalreporter):
    if sum(OUTCOMES.values()):
        terminalreporter.write_line(f"robustness fuzz cases: {OUTCOMES['refused']} refused, "
                                    f"{OUTCOMES['ran']} validated and ran")
