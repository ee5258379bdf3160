"""The radiation environment at set-up: AP8 trapped-proton maps, the geomagnetic dipole and
cutoff rigidity, proton transport through aluminium, and solar particle event timelines.

Nothing here runs per tick; the tick kernels live in sim.kernels.radiation.
"""
