"""TLE and OMM files into python-sgp4 ``Satrec`` objects, their mean elements at the scenario
epoch, and ``SGP4Propagator``, which runs them with the same interface as ``J2Propagator``."""
from __future__ import annotations

import gzip
import io
import json
import math
from pathlib import Path

import numpy as np

from sim.core.constants import SECONDS_PER_DAY
from sim.orbits.shells import MEAN_ELEMENT_KEYS, _pack


def _tle_checksum_ok(line: str) -> bool:
    total = sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68])
    return line[68].isdigit() and total % 10 == int(line[68])


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8-sig")


def load_tle(path, verify_checksum: bool = True) -> list:
    """Load satellites from a TLE file (2- or 3-line, CRLF tolerant) or OMM (.json/.xml/.csv, optionally .gz).

    Blank lines and lines starting with '#' are skipped; text after column 69
    is ignored. A malformed line (or a checksum error, unless
    ``verify_checksum=False``) raises ValueError naming the file and line.
    Elements SGP4 rejects at initialisation (``Satrec.error`` != 0) load and
    later propagate to NaN.
    """
    from sgp4.api import Satrec

    path = Path(path)
    suffixes = [s.lower() for s in path.suffixes]
    kind = suffixes[-2] if suffixes[-1:] == [".gz"] and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if kind in (".json", ".xml", ".csv"):
        return _load_omm(path, kind)

    lines = _read_text(path).splitlines()
    satrecs = []
    lineno = 0
    while lineno < len(lines):
        line = lines[lineno].rstrip()
        lineno += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith("1 "):
            if line.startswith("2 "):
                raise ValueError(f"{path}:{lineno}: TLE line 2 without a line 1 before it")
            continue  # a name line of the 3-line format
        line1 = line
        if lineno >= len(lines):
            raise ValueError(f"{path}:{lineno}: TLE line 1 is not followed by a line 2")
        line2 = lines[lineno].rstrip()
        lineno += 1
        for number, text, at in ((1, line1, lineno - 1), (2, line2, lineno)):
            if not text.startswith(f"{number} ") or len(text) < 69:
                raise ValueError(f"{path}:{at}: malformed TLE line {number} "
                                 f"(expected 69 columns starting with '{number} '): {text!r}")
            if verify_checksum and not _tle_checksum_ok(text):
                raise ValueError(f"{path}:{at}: TLE checksum error in line {number}: {text!r}")
        if line1[2:7] != line2[2:7]:
            raise ValueError(f"{path}:{lineno}: TLE lines 1 and 2 have different catalogue numbers")
        try:
            sat = Satrec.twoline2rv(line1[:69], line2[:69])
        except Exception as exc:  # python-sgp4 raises ValueError/RuntimeError on bad fields
            raise ValueError(f"{path}:{lineno - 1}: cannot parse TLE ({exc})") from None
        satrecs.append(sat)
    if not satrecs:
        raise ValueError(f"{path}: no TLEs found")
    return satrecs


def _load_omm(path: Path, kind: str) -> list:
    from sgp4 import omm
    from sgp4.api import Satrec

    text = _read_text(path)
    if kind == ".json":
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
        if isinstance(records, dict):
            records = [records]
    elif kind == ".xml":
        records = list(omm.parse_xml(io.StringIO(text)))
    else:
        records = list(omm.parse_csv(io.StringIO(text)))
    satrecs = []
    for index, fields in enumerate(records):
        sat = Satrec()
        try:
            omm.initialize(sat, {k: str(v) if v is not None else "" for k, v in fields.items()})
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{path}: OMM record {index}: missing or bad field ({exc})") from None
        satrecs.append(sat)
    if not satrecs:
        raise ValueError(f"{path}: no OMM records found")
    return satrecs


def _split_jd(epoch_jd_utc) -> tuple[float, float]:
    if isinstance(epoch_jd_utc, tuple):
        whole, fraction = (float(x) for x in epoch_jd_utc)
    else:
        whole, fraction = float(epoch_jd_utc), 0.0
    base = math.floor(whole)
    return base, (whole - base) + fraction


def mean_elements(satrecs, epoch_jd_utc) -> dict[str, np.ndarray]:
    """Mean elements of TLE satellites carried to the scenario epoch.

    Uses each Satrec's SGP4 mean elements (Brouwer a, e, i, Ω, ω, M at its own
    epoch, radius of its gravity model) advanced by SGP4's own secular rates
    (nodedot, argpdot, mdot; drag ignored). plane = 0, slot = index in the file.
    """
    base, fraction = _split_jd(epoch_jd_utc)
    count = len(satrecs)
    columns = {k: np.empty(count) for k in MEAN_ELEMENT_KEYS}
    for k, sat in enumerate(satrecs):
        dt_min = ((base - sat.jdsatepoch) + (fraction - sat.jdsatepochF)) * 1440.0
        columns["a_m"][k] = sat.a * sat.radiusearthkm * 1e3
        columns["e"][k] = sat.ecco
        columns["inc_rad"][k] = sat.inclo
        columns["raan_rad"][k] = sat.nodeo + sat.nodedot * dt_min
        columns["argp_rad"][k] = sat.argpo + sat.argpdot * dt_min
        columns["mean_anomaly_rad"][k] = sat.mo + sat.mdot * dt_min
    return _pack(*(columns[k] for k in MEAN_ELEMENT_KEYS), 0, np.arange(count))


class SGP4Propagator:
    """python-sgp4 ``SatrecArray`` behind the J2Propagator interface.

    ``epoch_jd_utc`` is the scenario epoch (a float, or a (whole, fraction) pair
    for full precision); ``propagate(t_s, r, v)`` writes TEME positions (3, N) in
    m and velocities (3, N) in m/s at t_s seconds after it. Satellites SGP4
    cannot propagate (decayed, bad elements) get NaN.
    """

    def __init__(self, satrecs, epoch_jd_utc):
        from sgp4.api import SatrecArray

        self.satrecs = list(satrecs)
        self._array = SatrecArray(self.satrecs)
        self._jd0, self._fr0 = _split_jd(epoch_jd_utc)
        self._jd = np.array([self._jd0])
        self._fr = np.empty(1)

    @property
    def n(self) -> int:
        return len(self.satrecs)

    def propagate(self, t_s: float, r_eci_m: np.ndarray, v_eci_m_s: np.ndarray) -> None:
        self._fr[0] = self._fr0 + float(t_s) / SECONDS_PER_DAY
        error, r_km, v_km_s = self._array.sgp4(self._jd, self._fr)
        np.multiply(r_km[:, 0, :].T, 1e3, out=r_eci_m)
        np.multiply(v_km_s[:, 0, :].T, 1e3, out=v_eci_m_s)
        self.last_error = error[:, 0]

    def failure(self, t_s: float) -> str | None:
        """Why the last `propagate` (at t_s) gave some satellite NaN, naming the first such
        satellite (its index in this shell, catalogue number and SGP4's error), or None."""
        bad = np.flatnonzero(self.last_error)
        if bad.size == 0:
            return None
        from sgp4.api import SGP4_ERRORS
        i = int(bad[0])
        code = int(self.last_error[i])
        number = getattr(self.satrecs[i], "satnum_str", None) or getattr(self.satrecs[i], "satnum", "?")
        return (f"satellite {i} of the TLE shell (catalogue number {number}) and {bad.size - 1} more: SGP4 "
                f"cannot propagate it to {t_s:g} s after the epoch (error {code}: "
                f"{SGP4_ERRORS.get(code, 'unknown')}); choose an epoch near the elements' epoch")
