"""Remake space_weather_1957-2026.csv.gz: the columns the drag model needs (and the radiation
model's Kp), taken from a CelesTrak SW-All file (format 1.2) by the one reader of that format,
sim.radiation.solar_activity.observed_rows. The sunspot number (ISN, SILSO, CC BY-NC 4.0) and
the other columns are left out.

    python sim/data/space_weather/make_space_weather.py SW-All.txt[.gz] OUT.csv.gz
"""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

from sim.radiation.solar_activity import observed_rows

HEADER = ("date,block,f107_obs_sfu,f107_adj_sfu,f107_ctr81_obs_sfu,f107_ctr81_adj_sfu,ap_daily,"
          + ",".join(f"ap3h_{k}" for k in range(8)) + "," + ",".join(f"kp3h_x10_{k}" for k in range(8)))
# whitespace tokens (CelesTrak SW format 1.2): yy mm dd BSRN ND Kp*8 Sum Ap*8 Avg Cp C9 ISN F10.7adj Q
# Ctr81adj Lst81adj F10.7obs Ctr81obs Lst81obs (the daily predictions leave Q blank: one token
# fewer from Ctr81adj on); monthly predictions: yy mm dd BSRN ND ISN F10.7adj
# Ctr81adj Lst81adj F10.7obs Ctr81obs Lst81obs (no Kp, Ap, Q)
DAILY = {"f107_adj": 26, "ctr81_adj": 28, "f107_obs": 30, "ctr81_obs": 31}
MONTHLY = {"f107_adj": 6, "ctr81_adj": 7, "f107_obs": 9, "ctr81_obs": 10}


def rows(path: Path):
    for block, code in (("OBSERVED", "O"), ("DAILY_PREDICTED", "D")):
        for day, t in observed_rows(path, 32, block):
            if len(t) == 32:   # no Q token
                t = t[:27] + ["0"] + t[27:]
            yield (f"{day:%Y-%m-%d},{code},{t[DAILY['f107_obs']]},{t[DAILY['f107_adj']]},"
                   f"{t[DAILY['ctr81_obs']]},{t[DAILY['ctr81_adj']]},{t[22]},"
                   + ",".join(t[14:22]) + "," + ",".join(t[5:13]))
    for day, t in observed_rows(path, 12, "MONTHLY_PREDICTED"):
        yield (f"{day:%Y-%m-%d},M,{t[MONTHLY['f107_obs']]},{t[MONTHLY['f107_adj']]},"
               f"{t[MONTHLY['ctr81_obs']]},{t[MONTHLY['ctr81_adj']]},nan," + ",".join(["nan"] * 16))


def main(src: str, out: str) -> None:
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        raw.write((HEADER + "\n").encode())
        for line in rows(Path(src)):
            raw.write((line + "\n").encode())


if __name__ == "__main__":
    main(*sys.argv[1:3])
