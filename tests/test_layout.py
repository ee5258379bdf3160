"""The layout rules of DESIGN.md that make the house navigable, as tests.

- Kernel modules (every module that imports numba) import only numpy, numba, math and the
  standard library, sim.core.constants and sim.core.numerics, and other kernel or pure-constant
  modules: never a subsystem, a scenario section, SimPy, h5py or pydantic (also not through the
  modules they import).
- No module over ~400 lines.
- Only sim.io imports h5py.
"""
import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
MAX_LINES = 400
FORBIDDEN_PACKAGES = {"simpy", "h5py", "pydantic", "yaml", "xarray", "pandas", "matplotlib", "tqdm"}
FORBIDDEN_SIM = ("sim.config", "sim.io", "sim.campaign", "sim.analysis", "sim.cli", "sim.core.simulation",
                 "sim.core.subsystem", "sim.core.events", "sim.core.registry", "sim.core.fleet", "sim.core.clock")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in SIM.rglob("*.py")}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth of the file (lazy imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names
                         if f"{node.module}.{alias.name}" in MODULES)
    return names


def _is_kernel(name: str) -> bool:
    return any(i == "numba" or i.startswith("numba.") for i in _imports(MODULES[name]))


KERNELS = sorted(name for name in MODULES if _is_kernel(name))


def _violations(name: str, seen: set[str]) -> list[str]:
    out = []
    for imported in sorted(_imports(MODULES[name])):
        top = imported.split(".")[0]
        if top in FORBIDDEN_PACKAGES:
            out.append(f"{name} imports {imported}")
        elif top == "sim" and imported in MODULES:
            leaf = imported.rsplit(".", 1)[-1]
            if imported.startswith(FORBIDDEN_SIM) or leaf in ("subsystem", "config", "plots") \
                    or imported == "sim":
                out.append(f"{name} imports {imported}")
            elif imported not in seen:
                seen.add(imported)
                out += _violations(imported, seen)
    return out


def test_there_are_kernel_modules_to_check():
    assert {"sim.payload.tick", "sim.orbits.j2", "sim.core.numerics"} <= set(KERNELS)


@pytest.mark.parametrize("name", KERNELS)
def test_kernel_modules_import_no_subsystem_simpy_h5py_or_pydantic(name):
    assert _violations(name, {name}) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_400_lines(name):
    assert len(MODULES[name].read_text().splitlines()) <= MAX_LINES


def test_only_sim_io_imports_h5py():
    users = [name for name, path in MODULES.items() if "h5py" in _imports(path)]
    assert users and all(name.startswith("sim.io") for name in users), users
