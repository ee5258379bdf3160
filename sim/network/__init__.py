"""Network pieces used by sim.subsystems.network: ground stations, crosslink topologies,
shortest paths and max–min fair flows. Plain NumPy/SciPy, no SimPy."""
