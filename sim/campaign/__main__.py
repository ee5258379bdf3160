"""`python -m sim.campaign CAMPAIGN.yaml ...`: the same as `odcsim campaign`."""
from __future__ import annotations

import argparse
import sys

from sim.campaign import add_campaign_arguments, cmd_campaign
from sim.config import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.campaign",
                                     description="Run a Monte Carlo campaign (sweep x seeds).")
    add_campaign_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cmd_campaign(args)
    except ConfigError as exc:
        print(f"campaign: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
