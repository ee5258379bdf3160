"""Peak RSS of one run of a tiny scenario (2 satellites, dt 60 s, /timeseries daily) in a fresh
interpreter, for the memory-flatness checks (tests/robustness/test_memory.py, benchmarks)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.robustness.common import REPO, TINY_RUN

PROBE = """
import json, resource, sys
from sim.config import load_scenario
from sim.core.simulation import Simulation
scenario = load_scenario(sys.argv[1], until=sys.argv[2])
Simulation(scenario).run(sys.argv[3])
print(json.dumps({"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def peak_rss_kb(directory: Path, until: str) -> int:
    scenario = directory / f"memory_{until}.yaml"
    scenario.write_text(yaml.safe_dump({**TINY_RUN, "dt_s": 60, "record": {"every_s": "1d"}}))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(scenario), until, str(directory / f"{until}.h5")],
                          cwd=REPO, env=env, capture_output=True, text=True, check=True)
    return int(json.loads(done.stdout.strip().splitlines()[-1])["maxrss_kb"])
