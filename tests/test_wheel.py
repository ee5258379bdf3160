"""The package people install: `python -m build` makes a wheel that carries the shipped data and
the example configs, and that wheel, installed into a fresh environment, runs a shipped example
from a folder outside the repository."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if not (REPO / ".git").exists():
        pytest.skip("the version comes from git: a checkout is needed")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
                   check=True, capture_output=True, timeout=600)
    (path,) = out.glob("odcsim-*.whl")
    return path


def test_the_wheel_carries_data_and_examples(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped_data = {f"sim/data/{p.relative_to(REPO / 'sim' / 'data').as_posix()}"
                    for p in (REPO / "sim" / "data").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert shipped_data <= names
    assert {f"sim/examples/{p.name}" for p in (REPO / "configs").glob("*.yaml")} <= names
    assert "sim/examples/odcsim.schema.json" in names and "sim/_version.py" in names
    assert re.fullmatch(r"odcsim-\d+\.\d+\.\d+.*-py3-none-any\.whl", wheel.name)


def test_the_installed_wheel_runs_a_shipped_example(wheel, tmp_path):
    """A fresh venv gets the wheel alone (--no-deps); its dependencies come from this
    environment's site-packages through a .pth line (which, unlike a site directory, does not
    run this checkout's editable-install hook), so `sim` is imported from the wheel."""
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    env_python = env / "bin" / "python"
    site = Path(subprocess.run([str(env_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                    "--target", str(site), str(wheel)], check=True, timeout=300)
    work = tmp_path / "work"
    environ = {**os.environ, "PYTHONPATH": ""}
    where = subprocess.run([str(env_python), "-c", "import sim; print(sim.__file__, sim.__version__)"],
                           cwd=tmp_path, check=True, capture_output=True, text=True, env=environ).stdout
    assert str(site) in where and "0.0.0+unknown" not in where   # the version came from git
    odcsim = [str(env_python), "-m", "sim"]
    subprocess.run([*odcsim, "examples", str(work)], cwd=tmp_path, check=True, capture_output=True, env=environ)
    result = subprocess.run([*odcsim, "run", str(work / "quickstart.yaml"), "--until", "10m",
                             "-o", str(tmp_path / "q.h5"), "--quiet"], cwd=tmp_path, capture_output=True,
                            text=True, env=environ, timeout=900)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "q.h5").exists()

