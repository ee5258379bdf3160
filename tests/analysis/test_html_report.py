"""report.html of a run and of a campaign: self-contained, and it loads in a real browser
(headless chromium) without console errors, every image decodes, and it is not blank."""
from __future__ import annotations

import re

import pytest

from sim.cli import main
from tests.browser import browser_page, open_file, screenshot_spread

SCENARIO = """
name: page
epoch: 2026-03-20T00:00:00Z
duration: 2h
dt_s: 10
seed: 1
record: {every_s: 60s}
constellation:
  - name: walker
    walker: {altitude_km: 550, inclination_deg: 53, planes: 2, sats_per_plane: 3}
    gpu: {preset: h100-sxm, count: 4}
    solar_array: {area_m2: 10.0, efficiency: 0.30, tracking: sun}
    battery: {capacity_wh: 4000}
    radiator: {area_m2: 2.0, emissivity: 0.85, absorptivity: 0.10, sides: 2, orientation: edge_on_sun}
"""


@pytest.fixture(scope="module")
def run_report(tmp_path_factory):
    d = tmp_path_factory.mktemp("page")
    (d / "page.yaml").write_text(SCENARIO)
    assert main(["run", str(d / "page.yaml"), "-o", str(d / "page.h5"), "--quiet"]) == 0
    assert main(["report", str(d / "page.h5"), "-o", str(d / "report")]) == 0
    return d / "report" / "report.html"


def test_the_run_page_is_self_contained_and_in_order(run_report):
    text = run_report.read_text()
    assert not re.search(r'(src|href)="(?!data:|#|runs/|\.\./)', text)   # nothing outside the file
    order = [text.index(s) for s in ("<h2>Goodput</h2>", "<h2>Summary</h2>", "<h2>Figures</h2>",
                                     "<h2>Events</h2>", "<h2>Scenario</h2>")]
    assert order == sorted(order)
    assert "useful_gpu_hours" in text
    assert text.count("data:image/png;base64,") == len(list(run_report.parent.glob("*.png")))


def test_the_run_page_loads_in_a_browser(run_report):
    with browser_page() as (page, errors):
        open_file(page, run_report)
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
        assert images and all(done and width > 0 for done, width in images), images
        assert page.locator("details pre").count() == 1
        assert screenshot_spread(page) > 5.0
        assert errors == []


def test_the_campaign_page_sorts_and_links_its_runs(tmp_path):
    from tests.campaign.campaigns import write_campaign

    campaign = write_campaign(tmp_path, replicates=1)
    out = tmp_path / "out"
    assert main(["campaign", str(campaign), "-o", str(out), "--workers", "1", "--quiet"]) == 0
    assert main(["report", str(out), "-o", str(out / "report")]) == 0
    html_path = out / "report" / "report.html"
    links = re.findall(r'href="(runs/[^"]+\.html)"', html_path.read_text())
    assert links and all((html_path.parent / link).exists() for link in links)
    with browser_page() as (page, errors):
        open_file(page, html_path)
        table = page.locator("table.sortable").first
        first_col = ("Array.from(document.querySelector('table.sortable').tBodies[0].rows)"
                     ".map(r => r.cells[2].dataset.value)")  # the seed column
        table.locator("th").nth(2).click()
        ascending = [float(v) for v in page.evaluate(first_col)]
        table.locator("th").nth(2).click()
        descending = [float(v) for v in page.evaluate(first_col)]
        assert ascending == sorted(ascending) and descending == sorted(ascending, reverse=True)
        images = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
        assert all(w > 0 for w in images)
        page.click(f'a[href="{links[0]}"]')
        page.wait_for_load_state("load")
        assert page.url.endswith(links[0]) and "Summary" in page.content()
        assert errors == []
