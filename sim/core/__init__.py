"""The core: simulation loop, subsystem contract, FleetState, clock, constants and numerics."""
