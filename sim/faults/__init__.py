"""Fault injection: the `faults:` section, the fault timeline and the subsystem that applies it."""
