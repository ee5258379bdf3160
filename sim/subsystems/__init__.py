"""Subsystems: SimPy processes and per-tick updates, one module each."""
