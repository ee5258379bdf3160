"""SIGINT and SIGTERM during a run (a subprocess, signalled once its result is being written):
no partial file under the final name, no temporary file or lock left, the conventional exit
status (128 + signal: 130, 143) and no traceback. Two processes asked to write one run file:
the second refuses while the first holds the lock."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from sim.io.atomic import lock_path
from tests.robustness.common import REPO, assert_refused, cli, leftovers, write_scenario

LONG = {"duration": "365d", "dt_s": 10, "record": {"every_s": "1d"}}   # far longer than the test waits


def _start(scenario, output):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "sim", "run", str(scenario), "-o", str(output), "--quiet"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path, proc, timeout_s=600.0):
    """Until `path` exists (the run has built its fleet and opened its file)."""
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run did not start"
        time.sleep(0.2)
    time.sleep(1.0)   # into the ticks


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_a_run(tmp_path, signum, status):
    scenario = write_scenario(tmp_path, **LONG)
    output = tmp_path / "out.h5"
    proc = _start(scenario, output)
    try:
        _wait_for(output.with_name(output.name + ".tmp"), proc)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == status, err
    assert "Traceback" not in err and "no partial result" in err, err
    assert leftovers(output) == []


def test_second_writer_refuses(tmp_path):
    scenario = write_scenario(tmp_path, **LONG)
    output = tmp_path / "out.h5"
    proc = _start(scenario, output)
    try:
        _wait_for(lock_path(output), proc)
        code, out, err = cli(["run", scenario, "-o", output, "--quiet", "--until", "1h"])
        assert_refused(code, out, err, output, f"process {proc.pid}")
        assert lock_path(output).exists(), "the refused writer removed the other's lock"
        proc.terminate()
        proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 143
    assert leftovers(output) == []
