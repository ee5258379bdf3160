"""One writer per run file: `<output>.lock` is created with O_EXCL (holding "pid host") and
removed when the writer finishes or fails. A lock whose process is gone on this host is stale
and taken over; a lock of a live process, or of another host (which cannot be checked), is
refused by name. (Two live processes: tests/robustness/test_signals.py.)"""
from __future__ import annotations

import os
import subprocess

from sim.io.atomic import acquire_lock, lock_path, release_lock
from tests.robustness.common import assert_refused, cli, leftovers, write_scenario


def test_lock_of_a_live_process_is_refused(tmp_path):
    scenario, output = write_scenario(tmp_path), tmp_path / "out.h5"
    lock = acquire_lock(output)   # this process: alive
    try:
        code, out, err = cli(["run", scenario, "-o", output, "--quiet"])
        assert_refused(code, out, err, output, f"process {os.getpid()}", lock)
        assert lock.exists() and not output.exists()
    finally:
        release_lock(lock)


def test_lock_of_another_host_is_refused(tmp_path):
    scenario, output = write_scenario(tmp_path), tmp_path / "out.h5"
    lock_path(output).write_text("1 some-other-host\n")
    code, out, err = cli(["run", scenario, "-o", output, "--quiet"])
    assert_refused(code, out, err, output, "some-other-host")


def test_stale_lock_is_taken_over_and_removed(tmp_path):
    scenario, output = write_scenario(tmp_path), tmp_path / "out.h5"
    dead = subprocess.Popen(["true"])
    dead.wait()
    lock_path(output).write_text(f"{dead.pid} {os.uname().nodename}\n")
    code, _, err = cli(["run", scenario, "-o", output, "--quiet"])
    assert code == 0, err
    assert leftovers(output) == [output]


def test_lock_removed_after_a_failed_run(tmp_path):
    scenario, output = write_scenario(tmp_path, dt_s=-1), tmp_path / "out.h5"
    code, out, err = cli(["run", scenario, "-o", output, "--quiet"])
    assert_refused(code, out, err, scenario, "dt_s")
    assert leftovers(output) == []
