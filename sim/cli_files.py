"""The commands that write files for other tools and people: `odcsim export` (CZML), `view`
(a CesiumJS globe), `examples`, `schema` (JSON Schema for editors) and `new` (a template).
sim.cli parses the arguments and turns BadInput into exit status 2."""
from __future__ import annotations

from pathlib import Path

from sim.cli import EXIT_OK, BadInput


def cmd_export(args) -> int:
    from sim.analysis.czml import write_czml
    from sim.analysis.results import open_run

    if args.max_satellites < 1 or args.max_points < 1:
        raise BadInput("--max-satellites and --max-points must be at least 1")
    out = Path(args.czml)
    if not out.parent.is_dir():
        raise BadInput(f"{out}: its directory does not exist")
    with open_run(args.result) as run:
        write_czml(run, out, max_satellites=args.max_satellites, max_points=args.max_points)
    print(f"wrote {out}")
    return EXIT_OK


def cmd_view(args) -> int:
    import tempfile

    from sim.analysis import globe

    source = Path(args.source)
    if not source.exists():
        raise BadInput(f"{source}: file not found")
    out_dir = Path(args.output) if args.output else source.with_name(f"{source.stem}_globe")
    try:
        globe.cesium_dir()
    except globe.CesiumMissing as exc:
        raise BadInput(str(exc)) from None
    if source.suffix.lower() == ".czml":
        page = globe.write_viewer(source, out_dir, source.stem)
    else:
        from sim.analysis.czml import write_czml
        from sim.analysis.results import open_run
        with open_run(source) as run, tempfile.TemporaryDirectory() as tmp:
            scene = write_czml(run, Path(tmp) / "scene.czml")
            page = globe.write_viewer(scene, out_dir, run.config.get("name") or source.stem)
    print(f"wrote {page} (serve the folder over http: odcsim view {source} --serve)")
    if args.serve:
        import webbrowser
        server = globe.serve(out_dir, args.port)
        print(f"serving {server.url} (Ctrl-C stops)")
        webbrowser.open(server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.server_close()
    return EXIT_OK


def examples_dir() -> Path:
    """The shipped example configs: sim/examples in an installed wheel, configs/ in a checkout."""
    installed = Path(__file__).resolve().parent / "examples"
    return installed if installed.is_dir() else Path(__file__).resolve().parents[1] / "configs"


def cmd_examples(args) -> int:
    import shutil

    files = sorted(p for p in examples_dir().iterdir() if p.suffix in (".yaml", ".json"))
    if args.directory is None:
        for p in files:
            if p.suffix == ".yaml":
                print(p.name)
        return EXIT_OK
    target = Path(args.directory)
    clash = [p.name for p in files if (target / p.name).exists()]
    if clash:
        raise BadInput(f"{target}: already holds {', '.join(clash)}; choose an empty folder")
    target.mkdir(parents=True, exist_ok=True)
    for p in files:
        shutil.copyfile(p, target / p.name)
    print(f"copied {len(files)} files to {target}; try: odcsim run {target / 'quickstart.yaml'}")
    return EXIT_OK


def cmd_schema(args) -> int:
    import json

    from sim.config import json_schema

    make = {"any": json_schema.odcsim_json_schema, "scenario": json_schema.scenario_json_schema,
            "campaign": json_schema.campaign_json_schema}[args.kind]
    print(json.dumps(make(), indent=1))
    return EXIT_OK


def cmd_new(args) -> int:
    import re

    from sim.config.base import DATA_DIR

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", args.name):
        raise BadInput(f"{args.name!r}: a scenario name is letters, digits, '_', '-' and '.'")
    output = Path(args.output) if args.output else Path(f"{args.name}.yaml")
    if output.exists():
        raise BadInput(f"{output}: already exists; choose another name or -o")
    text = (DATA_DIR / "templates" / f"{args.template}.yaml").read_text().replace("TEMPLATE_NAME", args.name)
    output.write_text(text)
    print(f"wrote {output} (template {args.template}); try: odcsim run {output}")
    return EXIT_OK
