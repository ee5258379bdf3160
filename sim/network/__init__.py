"""Network pieces used by sim.network.subsystem: ground stations, crosslink topologies,
shortest paths and max–min fair flows. Plain NumPy/SciPy, no SimPy."""
