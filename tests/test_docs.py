"""The documentation site builds in MkDocs' strict mode: a broken link, a missing page or an
API reference that does not resolve fails it. The notebooks are not executed here (their
execution is tests/analysis/test_notebooks.py); `make docs` executes them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_site_builds_strictly(tmp_path):
    env = {**os.environ, "ODCSIM_DOCS_EXECUTE": "false"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    site = tmp_path / "site"
    for page in ("index.html", "tutorials/radiator/index.html", "reference/scenario/index.html",
                 "reference/api/index.html", "models/index.html", "notebooks/run_in_depth/index.html"):
        assert (site / page).exists(), page
    scenario = (site / "reference" / "scenario" / "index.html").read_text()
    assert "radiator" in scenario and "area_m2" in scenario and "ltan_band_h" in scenario
    api = (site / "reference" / "api" / "index.html").read_text()
    assert "open_run" in api and "RunResult" in api


def test_a_broken_link_fails_the_build(tmp_path):
    """The strict mode is on: a page that links nowhere stops the build."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# x\n\n[nowhere](missing.md)\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nstrict: true\n")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--site-dir", str(tmp_path / "site")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
