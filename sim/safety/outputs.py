"""The safety subsystem's tables and summary: /safety/close_approaches and /safety/pairs of the
formation, /safety/conjunctions (the CCSDS CDM 508.0-B-1 fields) and /safety/catalogue_pairs of
the catalogue screening."""
from __future__ import annotations

from datetime import timedelta

import numpy as np

PC_METHOD = ("MONTE_CARLO: Gaussian RTN offsets of both objects held over the encounter, hits where the "
             "offset relative path comes within the hard-body radius (sim.safety.kernels)")


def _table(columns: dict[str, np.ndarray], dtypes: dict[str, str], n: int) -> np.ndarray:
    rows = np.zeros(n, dtype=[(k, dtypes[k]) for k in columns])
    for k, v in columns.items():
        rows[k] = v
    return rows


def _units(rows: np.ndarray, units: dict[str, str], **attrs) -> tuple[np.ndarray, dict]:
    return rows, {**{f"{k}__units": u for k, u in units.items() if k in rows.dtype.names}, **attrs}


RTN = ("radial", "in_track", "cross_track")


def formation_tables(sub) -> dict:
    pairs, fc = sub.form, sub.cfg.formation
    ev, pc = pairs.event_rows()
    p = ev[:, 0].astype(np.int64)
    cols = {"t_s": ev[:, 1], "sat_a": pairs.a[p], "sat_b": pairs.b[p], "miss_m": ev[:, 2],
            "relative_speed_m_s": ev[:, 3], **{f"{q}_m": ev[:, 5 + k] for k, q in enumerate(RTN)}, "pc": pc}
    dtypes = {k: "f8" for k in cols} | {"sat_a": "i4", "sat_b": "i4"}
    units = {"t_s": "s", "miss_m": "m", "relative_speed_m_s": "m s-1", "pc": "1", **{f"{q}_m": "m" for q in RTN}}
    common = {"threshold_m": fc.threshold_m, "screening_radius_m": fc.screening_radius_m,
              "hard_body_radius_m": pairs.hbr_m, "pc_method": PC_METHOD}
    approaches = _units(_table(cols, dtypes, p.size), units, **common,
                        frame="relative position of sat_b from sat_a in sat_a's RTN frame at the TCA")
    s = pairs.pairs()
    cols = {"sat_a": s["a"], "sat_b": s["b"], "min_separation_m": s["min_separation_m"], "t_min_s": s["t_min_s"],
            "seconds_below_threshold": s["seconds_below_threshold"], "close_approaches": s["close_approaches"],
            "max_pc": s["max_pc"]}
    dtypes = {k: "f8" for k in cols} | {"sat_a": "i4", "sat_b": "i4", "close_approaches": "i4"}
    units = {"min_separation_m": "m", "t_min_s": "s", "seconds_below_threshold": "s", "max_pc": "1"}
    return {"close_approaches": approaches, "pairs": _units(_table(cols, dtypes, pairs.n_pairs), units, **common)}


def catalogue_tables(sub) -> dict:
    pairs, cc, cat = sub.cat, sub.cfg.catalogue, sub.catalogue
    ev, pc = pairs.event_rows()
    p = ev[:, 0].astype(np.int64)
    obj = pairs.b[p]
    epoch = sub.ctx.scenario.epoch
    tca = [(epoch + timedelta(seconds=float(t))).strftime("%Y-%m-%dT%H:%M:%S.%f") for t in ev[:, 1]]
    cols = {"tca": np.array(tca, dtype="S26"), "tca_s": ev[:, 1], "object1_sat": pairs.a[p],
            "object2_norad": cat.norad[obj], "object2_designator": np.array([cat.designator[j] for j in obj], "S12"),
            "object2_name": np.array([cat.names[j] for j in obj], "S32"), "miss_distance_m": ev[:, 2],
            "relative_speed_m_s": ev[:, 3],
            **{f"relative_position_{q}_m": ev[:, 5 + k] for k, q in enumerate("rtn")},
            **{f"relative_velocity_{q}_m_s": ev[:, 8 + k] for k, q in enumerate("rtn")},
            "collision_probability": pc, "avoidance": (pc >= cc.pc_threshold).astype(np.int8)}
    dtypes = {k: "f8" for k in cols} | {"tca": "S26", "object1_sat": "i4", "object2_norad": "i4",
                                        "object2_designator": "S12", "object2_name": "S32", "avoidance": "i1"}
    units = {"tca_s": "s", "miss_distance_m": "m", "relative_speed_m_s": "m s-1", "collision_probability": "1",
             **{f"relative_position_{q}_m": "m" for q in "rtn"},
             **{f"relative_velocity_{q}_m_s": "m s-1" for q in "rtn"}}
    attrs = {"standard": "CCSDS 508.0-B-1 Conjunction Data Message fields", "tca__time_system": "UTC",
             "ref_frame": "RTN of object1 (the fleet satellite) at the TCA; object2 relative to object1",
             "collision_probability_method": PC_METHOD, "hard_body_radius_m": pairs.hbr_m,
             "object1_sigma_rtn_m": pairs.sigma_a, "object2_sigma_rtn_m": pairs.sigma_b,
             "threshold_m": cc.threshold_m, "pc_threshold": cc.pc_threshold}
    conj = _units(_table(cols, dtypes, p.size), units, **attrs)
    s = pairs.pairs()
    close = np.flatnonzero(s["min_separation_m"] < cc.threshold_m)
    cols = {"sat": s["a"][close], "object2_norad": cat.norad[s["b"][close]],
            "min_separation_m": s["min_separation_m"][close], "t_min_s": s["t_min_s"][close],
            "seconds_below_threshold": s["seconds_below_threshold"][close], "max_pc": s["max_pc"][close]}
    dtypes = {k: "f8" for k in cols} | {"sat": "i4", "object2_norad": "i4"}
    units = {"min_separation_m": "m", "t_min_s": "s", "seconds_below_threshold": "s", "max_pc": "1"}
    return {"conjunctions": conj,
            "catalogue_pairs": _units(_table(cols, dtypes, close.size), units, threshold_m=cc.threshold_m)}


def tables(sub) -> dict:
    out = {}
    if sub.form is not None:
        out |= formation_tables(sub)
    if sub.cat is not None:
        out |= catalogue_tables(sub)
    return out


def summary(sub) -> dict[str, tuple[float, str]]:
    out: dict[str, tuple[float, str]] = {}
    if sub.form is not None:
        s, fc = sub.form.pairs(), sub.cfg.formation
        low = float(s["min_separation_m"].min()) if s["min_separation_m"].size else np.inf
        out |= {"min_separation_m": (min(low, fc.screening_radius_m), "m"),
                "close_approaches": (float(s["close_approaches"].sum()), "1"),
                "seconds_below_threshold": (float(s["seconds_below_threshold"].sum()), "s"),
                "max_pc": (float(s["max_pc"].max()) if s["max_pc"].size else 0.0, "1"),
                "pairs_tracked": (float(sub.form.n_pairs), "1"), "screens": (float(sub.screens), "1"),
                "pc_unsampled_ticks": (float(sub.form.missed[0]), "1")}
    if sub.cat is not None:
        cc = sub.cfg.catalogue
        _, pc = sub.cat.event_rows()
        s = sub.cat.pairs()
        low = float(s["min_separation_m"].min()) if s["min_separation_m"].size else np.inf
        out |= {"conjunctions": (float(pc.size), "1"),
                "avoidance_manoeuvres": (float((pc >= cc.pc_threshold).sum()), "1"),
                "max_conjunction_pc": (float(pc.max()) if pc.size else 0.0, "1"),
                "catalogue_min_separation_m": (min(low, cc.threshold_m), "m"),
                "catalogue_objects": (float(sub.catalogue.n), "1")}
    return out
