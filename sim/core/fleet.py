"""FleetState: every continuous quantity of every satellite, one NumPy array each.

Subsystems declare the arrays they own (`FieldSpec`: dtype, unit, description, role); the
simulation allocates them once, so the Recorder, the HDF5 `units` attributes and the docs
agree. Nothing here loops over satellites in Python.

Roles: a `parameter` is fixed hardware or orbit data, written once to /satellites; a `state`
is advanced by the kernels; an `accumulator` only grows (time, energy, counts) and feeds the
summary. A parameter that a kernel reads from a packed copy (`FleetState.pack`) is read-only
afterwards: writing it raises PackedFieldError instead of silently changing nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

import numpy as np

Role = Literal["parameter", "state", "accumulator"]
ROLES = ("parameter", "state", "accumulator")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    dtype: str
    unit: str
    description: str
    role: Role = "state"
    vector: bool = False      # shape (3, N) instead of (N,)
    rows: int = 0             # shape (rows, N): a small table per satellite (e.g. one row per cause)
    infinite_ok: bool = False  # +-inf is a value here (a time that never comes); NaN never is

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"field {self.name!r}: role {self.role!r} is not one of {ROLES}")


def field_specs(role: Role, table: dict[str, tuple[str, str, str]],
                vector: Iterable[str] = (), infinite_ok: Iterable[str] = ()) -> tuple[FieldSpec, ...]:
    """FieldSpecs of one role from {name: (dtype, unit, description)}; `infinite_ok` names the
    fields where an infinity is a value (the non-finite guard, sim.core.finite, lets it pass)."""
    vector, infinite_ok = set(vector), set(infinite_ok)
    return tuple(FieldSpec(name, dtype, unit, description, role, name in vector, infinite_ok=name in infinite_ok)
                 for name, (dtype, unit, description) in table.items())


class NonFiniteError(ArithmeticError):
    """A model produced NaN or infinity (found by sim.core.finite at a record step or the end of a
    run): the message names the field, the satellite and the time; no result file is written."""


class PackedFieldError(AttributeError):
    """A packed parameter was written after set-up (the kernel would not see the change)."""


class _PackedArray(np.ndarray):
    """A read-only view of a packed parameter whose write attempts name the remedy."""

    _message = ""

    def __setitem__(self, key, value):
        raise PackedFieldError(self._message)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if out is not None and any(isinstance(o, _PackedArray) for o in out):
            raise PackedFieldError(self._message)
        inputs = tuple(x.view(np.ndarray) if isinstance(x, _PackedArray) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __getitem__(self, key):
        return np.ndarray.__getitem__(self.view(np.ndarray), key)

    def __array_wrap__(self, obj, context=None, return_scalar=False):
        obj = obj.view(np.ndarray)
        return obj[()] if return_scalar else obj


class FleetState:
    """Struct of arrays over N satellites; every declared field is an attribute."""

    def __init__(self, n: int):
        self.n = int(n)
        self.specs: dict[str, FieldSpec] = {}
        self.owner: dict[str, str] = {}
        self._packed: dict[str, str] = {}
        self._unpacked: dict[str, np.ndarray] = {}

    def allocate(self, specs: Iterable[FieldSpec], owner: str) -> None:
        """Zero arrays for `specs`, owned by subsystem `owner`; a name taken twice is an error
        naming both owners."""
        for spec in specs:
            if spec.name in self.specs:
                raise ValueError(f"FleetState field {spec.name!r} of {owner!r} is already declared by "
                                 f"{self.owner[spec.name]!r}")
            self.specs[spec.name] = spec
            self.owner[spec.name] = owner
            shape = (3, self.n) if spec.vector else ((spec.rows, self.n) if spec.rows else (self.n,))
            setattr(self, spec.name, np.zeros(shape, dtype=np.dtype(spec.dtype)))

    def unit(self, name: str) -> str:
        return self.specs[name].unit

    def names(self, role: Role | None = None, owner: str | None = None) -> tuple[str, ...]:
        """Field names in declaration order, optionally of one role and/or owner."""
        return tuple(name for name, spec in self.specs.items()
                     if (role is None or spec.role == role) and (owner is None or self.owner[name] == owner))

    def pack(self, names: Iterable[str], by: str, remedy: str) -> np.ndarray:
        """The parameters `names` as one contiguous (len(names), N) float64 array for a kernel;
        afterwards each of them is read-only, and a write raises PackedFieldError saying
        that `by` packed it and what to do instead (`remedy`)."""
        names = tuple(names)
        packed = np.ascontiguousarray(np.stack([getattr(self, name).astype(np.float64) for name in names]))
        for name in names:
            array = getattr(self, name)
            view = array.view(_PackedArray)
            view._message = (f"FleetState.{name} is packed for the {by} kernel at set-up, so writing it "
                             f"would change nothing; {remedy}")
            view.flags.writeable = False
            object.__setattr__(self, name, view)
            self._packed[name] = by
            self._unpacked[name] = array
        return packed

    def is_packed(self, name: str) -> bool:
        return name in self._packed

    def __setattr__(self, name, value):
        if name in getattr(self, "_packed", {}):
            raise PackedFieldError(f"FleetState.{name} is packed for the {self._packed[name]} kernel; "
                                   f"it cannot be replaced after set-up")
        object.__setattr__(self, name, value)

    def writable(self, name: str) -> np.ndarray:
        """The writable array behind a packed parameter, for its packer alone to update together
        with the packed copy (see the payload's `set_parameter`)."""
        return self._unpacked[name] if name in self._unpacked else getattr(self, name)
