"""Which satellites a job runs on: one or more shells, a list of satellite ids, or the fleet."""
from __future__ import annotations

import numpy as np
from pydantic import model_validator

from sim.config.base import Strict


class Members(Strict):
    """Exactly one of `shell` (a shell name or a list of them), `satellites` (ids 0..N-1) or
    `all: true`. A cluster is a shell."""

    shell: str | list[str] | None = None
    satellites: list[int] | None = None
    all: bool = False

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k, v in (("shell", self.shell), ("satellites", self.satellites)) if v is not None]
        if self.all:
            given.append("all")
        if len(given) != 1:
            raise ValueError(f"members needs exactly one of shell, satellites or all: true; got "
                             f"{', '.join(given) or 'none'}")
        if self.satellites is not None and not self.satellites:
            raise ValueError("members.satellites is empty")
        return self

    @property
    def shells(self) -> list[str]:
        return [self.shell] if isinstance(self.shell, str) else list(self.shell or [])


def shell_ranges(scenario) -> dict[str, range] | None:
    """Satellite ids of each shell by name (without building the fleet); None when a shell's
    size cannot be known (an unreadable TLE file, reported by the orbits check)."""
    from sim.orbits.config import shell_size
    out, start = {}, 0
    try:
        for shell in scenario.constellation:
            n = shell_size(shell, scenario)
            out[shell.name] = range(start, start + n)
            start += n
    except (OSError, ValueError):
        return None
    return out


def member_problems(members: Members, ranges: dict[str, range], where: str) -> tuple[list, np.ndarray]:
    """(problems [(path, message)], the satellite ids) of one job's members."""
    n = sum(len(r) for r in ranges.values())
    if members.all:
        return [], np.arange(n)
    if members.satellites is not None:
        ids = np.asarray(members.satellites, dtype=np.int64)
        bad = [i for i in members.satellites if not 0 <= i < n]
        if bad:
            return [(f"{where}.satellites", f"satellite ids {bad} outside 0..{n - 1}")], ids
        if len(set(members.satellites)) != len(members.satellites):
            return [(f"{where}.satellites", "a satellite is listed twice")], ids
        return [], np.sort(ids)
    problems, ids = [], []
    for name in members.shells:
        if name not in ranges:
            problems.append((f"{where}.shell", f"no shell named {name!r}; shells: {', '.join(ranges)}"))
        else:
            ids.extend(ranges[name])
    return problems, np.asarray(sorted(set(ids)), dtype=np.int64)


def resolve(members: Members, ranges: dict[str, range]) -> np.ndarray:
    """The satellite ids of validated members, ascending."""
    return member_problems(members, ranges, "members")[1]
