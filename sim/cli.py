"""Command line: odcsim run | campaign | validate | info | report | diff | size | schema | new | export | view |
examples.

Exit status: 0 done; 2 bad input (the message names the file, the field and what is
wrong; no traceback), an output that cannot be written (disk full, no permission, another
process writing it) or a run stopped by a non-finite value; 1 an internal error; 130 after
SIGINT (Ctrl-C) and 143 after SIGTERM, with nothing left under the output name. Only this
module prints.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
EXIT_SIGINT, EXIT_SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM
TEMPLATES = ("walker", "sso", "cluster", "training", "inference", "eo")


class BadInput(Exception):
    """Raised for input errors that are not a ConfigError (existing output, bad paths)."""


class Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt so that writers clean up."""


@contextmanager
def _sigterm_raises():
    """While a command runs, SIGTERM raises Terminated (the default would kill the process
    without removing its temporary files and lock)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="odcsim", description="Discrete-event simulator of orbital data centers.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command")

    r = sub.add_parser("run", help="run one scenario and write its HDF5 result")
    r.add_argument("scenario", help="scenario YAML")
    r.add_argument("-o", "--output", help="result file (default: the scenario's `output`, else results/NAME.h5)")
    r.add_argument("--seed", type=int, help="override the scenario seed")
    r.add_argument("--until", help="override the duration (90s, 45m, 6h, 7d)")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a setting by dotted path, e.g. constellation.0.radiator.area_m2=4")
    r.add_argument("--overwrite", action="store_true", help="replace an existing result file")
    r.add_argument("--quiet", action="store_true", help="no progress bar, no summary")

    c = sub.add_parser("campaign", help="run a Monte Carlo campaign: sweep x seeds, one HDF5 shard per run")
    _add_campaign_arguments(c)

    v = sub.add_parser("validate", help="check a scenario or campaign file and print the resolved configuration")
    v.add_argument("file")
    v.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")

    i = sub.add_parser("info", help="what a result file holds")
    i.add_argument("result")

    d = sub.add_parser("diff", help="compare two result files dataset by dataset (exit 0 identical, 1 different)")
    d.add_argument("a", metavar="A.h5")
    d.add_argument("b", metavar="B.h5")

    sz = sub.add_parser("size", help="mass budget or IT-power target -> IT power, GPUs, satellites, launches, cost")
    sz.add_argument("scenario", help="scenario YAML (its shells are the design; its economics section, or defaults)")
    budget = sz.add_mutually_exclusive_group(required=True)
    budget.add_argument("--mass", help="launched-mass budget, e.g. 100t or 5e4kg")
    budget.add_argument("--power", help="IT-power target, e.g. 1GW or 3MW")
    sz.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")

    ex = sub.add_parser("export", help="the run on a globe: a CZML document for Cesium")
    ex.add_argument("result", help="RESULT.h5")
    ex.add_argument("--czml", required=True, metavar="OUT.czml", help="CZML file to write")
    ex.add_argument("--max-satellites", type=int, default=1000, help="draw at most this many (evenly spaced ids)")
    ex.add_argument("--max-points", type=int, default=1_000_000,
                    help="at most this many position samples in all (every k-th record row)")

    vw = sub.add_parser("view", help="an offline CesiumJS globe of a run (writes a page; --serve shows it)")
    vw.add_argument("source", help="RESULT.h5 or a CZML file from odcsim export")
    vw.add_argument("-o", "--output", help="folder for the page (default: beside the source, NAME_globe/)")
    vw.add_argument("--serve", action="store_true", help="serve it on 127.0.0.1 and open a browser (Ctrl-C stops)")
    vw.add_argument("--port", type=int, default=0, help="port for --serve (default: any free one)")

    exa = sub.add_parser("examples", help="list the shipped example scenarios and campaigns, or copy them to DIR")
    exa.add_argument("directory", nargs="?", help="copy every example (and the JSON Schema) into this folder")

    sch = sub.add_parser("schema", help="print the JSON Schema of scenario and campaign files (for editors)")
    sch.add_argument("--kind", choices=("any", "scenario", "campaign"), default="any",
                     help="one schema for both kinds of file (default), or the schema of one")

    new = sub.add_parser("new", help="write a commented starting scenario that runs as it is")
    new.add_argument("name", help="scenario name; writes NAME.yaml (or -o)")
    new.add_argument("--template", choices=TEMPLATES, default="walker")
    new.add_argument("-o", "--output", help="file to write (default: NAME.yaml)")

    rep = sub.add_parser("report", help="report.html (one self-contained page), PNG figures and a text summary")
    rep.add_argument("result", help="RESULT.h5 or a campaign directory")
    rep.add_argument("-o", "--output", help="directory for the figures (default: beside the result)")
    return p


def _cmd_run(args) -> int:
    from sim.config import load_scenario

    scenario = load_scenario(args.scenario, args.overrides, seed=args.seed, until=args.until)
    output = Path(args.output) if args.output else scenario.default_output()
    if output.exists() and not args.overwrite:
        raise BadInput(f"{output}: already exists; choose another -o or pass --overwrite")
    from sim.core.simulation import Simulation
    sim = Simulation(scenario)
    progress = not args.quiet and sys.stderr.isatty()
    try:
        result = sim.run(output, progress=progress)
    except OSError as exc:
        raise BadInput(f"{output}: cannot write the result ({exc}); nothing was written under this name") from None
    if not args.quiet:
        print(f"wrote {result.path}  ({sim.n_satellites} satellites, {scenario.duration / 3600:g} h "
              f"simulated, {sum(result.events.values())} events)")
        print(_format_summary(result.summary))
    return EXIT_OK


def _format_summary(summary: dict[str, tuple[float, str]]) -> str:
    width = max(len(k) for k in summary)
    lines = []
    for key, (value, unit) in summary.items():
        text = f"{value:.6g}" if isinstance(value, float) else str(value)
        lines.append(f"  {key:<{width}}  {text:>12}  {unit}")
    return "\n".join(lines)


def _cmd_validate(args) -> int:
    from sim.config import load_scenario, read_yaml

    if "scenario" in read_yaml(args.file):
        from sim.campaign import load_campaign
        print(load_campaign(args.file, args.overrides).describe())
        return EXIT_OK
    scenario = load_scenario(args.file, args.overrides)
    print(f"# {args.file}: valid scenario ({len(scenario.constellation)} shells)")
    print(scenario.resolved_yaml(), end="")
    return EXIT_OK


def _cmd_size(args) -> int:
    from sim.config import ConfigError, load_scenario
    from sim.lifetime.economics.config import EconomicsConfig
    from sim.lifetime.economics.launch import fleet_launch_problems
    from sim.lifetime.economics.size import (
        MASS_UNITS_KG,
        POWER_UNITS_W,
        SizingError,
        describe,
        parse_quantity,
        size_fleet,
    )
    from sim.orbits.config import shell_size

    scenario = load_scenario(args.scenario, args.overrides)
    econ = scenario.economics if getattr(scenario, "economics", None) is not None else EconomicsConfig()
    problems = fleet_launch_problems(scenario, econ)
    if problems:
        raise ConfigError(args.scenario, problems)
    option, text = ("--mass", args.mass) if args.mass is not None else ("--power", args.power)
    try:
        value = parse_quantity(text, *((MASS_UNITS_KG, "kg") if option == "--mass" else (POWER_UNITS_W, "w")))
        counts = {shell.name: shell_size(shell, scenario) for shell in scenario.constellation}
        sizing = size_fleet(scenario, econ, fleet_counts=counts,
                            **({"mass_kg": value} if option == "--mass" else {"power_w": value}))
    except SizingError as exc:
        raise ConfigError(args.scenario, [(exc.field, str(exc))]) from None
    except ValueError as exc:
        raise ConfigError(args.scenario, [(option, str(exc))]) from None
    print(f"# {args.scenario}: {option} {text}")
    print(describe(sizing, econ))
    return EXIT_OK


def _cmd_info(args) -> int:
    from sim.io.hdf5 import describe

    print(describe(args.result))
    return EXIT_OK


def _cmd_diff(args) -> int:
    """Like diff(1): 0 when every dataset is byte-identical, 1 when not, 2 on bad input."""
    from sim.io.compare import compare_runs

    differences = compare_runs(args.a, args.b)
    for line in differences:
        print(line)
    if not differences:
        print(f"{args.a} and {args.b}: every dataset identical")
    return 1 if differences else EXIT_OK


def _cmd_report(args) -> int:
    from sim.analysis.html_report import write_run_report
    from sim.analysis.plots import plot_run, summary_table
    from sim.analysis.results import open_run

    path = Path(args.result)
    if path.is_dir():
        from sim.campaign import report_campaign
        for p in report_campaign(path, Path(args.output) if args.output else None):
            print(f"wrote {p}")
        return EXIT_OK
    run = open_run(path)
    out_dir = Path(args.output) if args.output else path.parent / path.stem
    paths = plot_run(run, out_dir)
    table = summary_table(run)
    (out_dir / "summary.txt").write_text(table + "\n")
    paths.append(write_run_report(run, paths, out_dir / "report.html"))
    print(table)
    for p in paths:
        print(f"wrote {p}")
    return EXIT_OK


def _add_campaign_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `odcsim campaign`."""
    parser.add_argument("campaign", metavar="CAMPAIGN.yaml", help="campaign YAML")
    parser.add_argument("-o", "--output", metavar="DIR",
                        help="campaign directory (default: results/<campaign name>/)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="local worker processes (default: the number of cores)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run on an existing dask.distributed cluster")
    parser.add_argument("--resume", action="store_true",
                        help="keep the complete runs of an earlier start; redo missing or partial ones "
                             "(refused if the directory's index is unreadable or holds another campaign)")
    parser.add_argument("--set", dest="campaign_overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a top-level campaign setting, e.g. replicates=2 or duration=2h")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")


def _cmd_campaign(args: argparse.Namespace) -> int:
    """`odcsim campaign`: 0 when every run completed, 1 when some failed; ConfigError for bad input
    (the CLI turns it into status 2). Ctrl-C propagates as KeyboardInterrupt after the index
    has been written."""
    from sim.campaign.plan import load_campaign
    from sim.campaign.runner import run_campaign
    from sim.config import ConfigError
    from sim.io.campaign_store import RUNS_DIR

    if args.workers is not None and args.workers < 1:
        raise ConfigError("--workers", [("workers", "must be at least 1")])
    plan = load_campaign(args.campaign, getattr(args, "campaign_overrides", ()) or ())
    output = Path(args.output) if args.output else Path("results") / plan.name
    quiet = bool(getattr(args, "quiet", False))
    if not quiet:
        print(f"campaign {plan.name!r}: {len(plan.points)} points x {plan.config.replicates} "
              f"replicates = {len(plan.tasks)} runs -> {output}", file=sys.stderr)
    try:
        result = run_campaign(plan, output, workers=args.workers, scheduler=args.scheduler,
                              resume=args.resume, progress=not quiet)
    except OSError as exc:
        raise BadInput(f"{output}: cannot write the campaign ({exc}); the index keeps the runs completed "
                       f"so far (finish with --resume)") from None
    except KeyboardInterrupt:
        print(f"odcsim campaign: interrupted; completed runs are kept in {output} "
              f"(finish with --resume)", file=sys.stderr)
        raise
    if not quiet:
        print(f"{result.n_complete}/{result.n_runs} runs complete"
              + (f" ({result.n_skipped} kept from an earlier start)" if result.n_skipped else "")
              + (f", {result.n_failed} failed (see {output / RUNS_DIR}/*.error.txt)" if result.n_failed else "")
              + f"; index: {result.index_path}")
    return 0 if result.n_failed == 0 else 1


def _files_command(name: str):
    def command(args) -> int:
        from sim import cli_files
        return getattr(cli_files, f"cmd_{name}")(args)
    return command


COMMANDS = {"run": _cmd_run, "campaign": _cmd_campaign, "validate": _cmd_validate, "info": _cmd_info,
            "report": _cmd_report, "diff": _cmd_diff, "size": _cmd_size,
            **{name: _files_command(name) for name in ("schema", "new", "export", "view", "examples")}}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.version:
        from sim import __version__
        print(f"odcsim {__version__}")
        return EXIT_OK
    if args.command is None:
        _parser().print_help()
        return EXIT_BAD_INPUT
    from sim.config import ConfigError
    from sim.core.fleet import NonFiniteError
    bad_input: tuple = (ConfigError, BadInput, NonFiniteError)
    try:
        from sim.io.hdf5 import ResultFileError
        bad_input += (ResultFileError,)
    except ImportError:
        pass
    try:
        with _sigterm_raises():
            return COMMANDS[args.command](args)
    except bad_input as exc:
        print(f"odcsim {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:   # disk full, no permission, another writer: the message names the file
        where = f"{exc.filename}: " if exc.filename and str(exc.filename) not in str(exc) else ""
        print(f"odcsim {args.command}: error: {where}{exc}; nothing was written under the output name",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("odcsim: interrupted; no partial result was written", file=sys.stderr)
        return EXIT_SIGINT
    except Terminated:
        print("odcsim: terminated (SIGTERM); no partial result was written", file=sys.stderr)
        return EXIT_SIGTERM


if __name__ == "__main__":
    raise SystemExit(main())
