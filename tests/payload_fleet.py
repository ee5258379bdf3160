"""Kept for the payload tests' imports; the harness lives in tests/helpers.py."""
from tests.helpers import PAYLOAD_BASE as BASE, R_ORBIT_M, make_payload_fleet  # noqa: F401
