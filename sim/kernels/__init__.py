"""Numba kernels: pure functions over NumPy arrays, no SimPy, no I/O, no objects."""
