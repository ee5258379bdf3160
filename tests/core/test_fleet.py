"""FleetState: declared fields, their owners, and packed parameters that refuse writes."""
import numpy as np
import pytest

from sim.core.fleet import FieldSpec, FleetState, PackedFieldError, field_specs


def _fleet():
    fleet = FleetState(4)
    fleet.allocate(field_specs("parameter", {"tdp_w": ("f8", "W", "board power")}), "payload")
    fleet.allocate([FieldSpec("soc", "f8", "1", "state of charge")], "payload")
    return fleet


def test_a_name_declared_twice_names_both_owners():
    fleet = _fleet()
    with pytest.raises(ValueError, match="'soc' of 'radiation' is already declared by 'payload'"):
        fleet.allocate([FieldSpec("soc", "f8", "1", "again")], "radiation")


def test_a_role_must_be_known():
    with pytest.raises(ValueError, match="role 'constant'"):
        FieldSpec("x", "f8", "1", "x", role="constant")


def test_packing_makes_the_parameter_read_only_with_a_message_naming_the_remedy():
    fleet = _fleet()
    fleet.tdp_w[:] = [700.0, 600.0, 500.0, 400.0]
    packed = fleet.pack(["tdp_w"], by="payload", remedy="use set_parameter")
    assert packed.shape == (1, 4) and packed[0, 1] == 600.0
    for write in (lambda: fleet.tdp_w.__setitem__(0, 1.0), lambda: fleet.tdp_w.__iadd__(1.0),
                  lambda: setattr(fleet, "tdp_w", np.zeros(4))):
        with pytest.raises(PackedFieldError, match="tdp_w.*payload"):
            write()
    assert float(fleet.tdp_w.sum()) == 2200.0          # reading still works, with plain results
    assert type(fleet.tdp_w * 2) is np.ndarray
    fleet.writable("tdp_w")[0] = 650.0                 # what the packer itself uses
    assert fleet.tdp_w[0] == 650.0 and fleet.is_packed("tdp_w") and not fleet.is_packed("soc")
