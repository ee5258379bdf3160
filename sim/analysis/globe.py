"""`odcsim view`: a static page with an offline CesiumJS globe showing a run's CZML.

CesiumJS comes from the npm package `cesium` (its Build/Cesium folder, with the Natural Earth II
imagery, so no token and no network are needed); `make` installs it into
.venv/share/odcsim/cesium (or point ODCSIM_CESIUM_DIR at a Build/Cesium folder). Browsers do not
run Cesium's web workers from file:// pages, so the page is served from localhost
(`odcsim view ... --serve`, or any static server in the folder).
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

CESIUM_VERSION = "1.145.0"
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><link rel="icon" href="data:,">
<script>window.CESIUM_BASE_URL = "cesium/";</script>
<script src="cesium/Cesium.js"></script>
<link href="cesium/Widgets/widgets.css" rel="stylesheet">
<style>html,body,#globe{{width:100%;height:100%;margin:0;padding:0;overflow:hidden}}</style>
</head><body><div id="globe"></div>
<script>
const imagery = Cesium.TileMapServiceImageryProvider.fromUrl(
  Cesium.buildModuleUrl("Assets/Textures/NaturalEarthII"));
const viewer = new Cesium.Viewer("globe", {{
  baseLayer: Cesium.ImageryLayer.fromProviderAsync(imagery), baseLayerPicker: false,
  geocoder: false, sceneModePicker: false, navigationHelpButton: false, fullscreenButton: false,
  terrainProvider: new Cesium.EllipsoidTerrainProvider(), shouldAnimate: true}});
Cesium.CzmlDataSource.load("scene.czml").then(function (source) {{
  viewer.dataSources.add(source);
  viewer.clock.shouldAnimate = true;
  window.odcsimSatellites = source.entities.values.filter(e => e.id.startsWith("sat/")).length;
  document.body.dataset.loaded = "1";
}}).catch(function (error) {{ console.error("scene.czml: " + error); }});
</script></body></html>
"""


class CesiumMissing(RuntimeError):
    """CesiumJS is not installed where odcsim looks for it."""


def cesium_dir() -> Path:
    """The Build/Cesium folder: $ODCSIM_CESIUM_DIR, else the one `make` installs."""
    env = os.environ.get("ODCSIM_CESIUM_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(sys.prefix) / "share" / "odcsim" / "cesium" / "node_modules" / "cesium" / "Build" / "Cesium")
    for path in candidates:
        if (path / "Cesium.js").exists():
            return path
    raise CesiumMissing(
        f"CesiumJS is not installed (looked in {', '.join(str(p) for p in candidates)}); install it with "
        f"`npm install --prefix {Path(sys.prefix) / 'share' / 'odcsim' / 'cesium'} cesium@{CESIUM_VERSION}` "
        f"(`make` does this) or set ODCSIM_CESIUM_DIR to a Build/Cesium folder")


def write_viewer(czml_path: Path, out_dir: Path, title: str) -> Path:
    """out_dir/index.html, out_dir/scene.czml and out_dir/cesium (a link to Build/Cesium, or a
    copy where links are not possible); returns index.html."""
    source = cesium_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(czml_path, out_dir / "scene.czml")
    link = out_dir / "cesium"
    if link.is_symlink() or link.is_file():
        link.unlink()
    if not link.exists():
        try:
            link.symlink_to(source, target_is_directory=True)
        except OSError:
            shutil.copytree(source, link)
    page = out_dir / "index.html"
    page.write_text(PAGE.format(title=title.replace("<", "&lt;")))
    return page


def serve(directory: Path, port: int = 0):
    """A static HTTP server on 127.0.0.1 for `directory` (port 0: any free port); call
    .serve_forever() on it; its URL is server.url."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Quiet, directory=str(directory)))
    server.url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    return server
