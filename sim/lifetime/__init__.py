"""Mission life: drag, decay and station-keeping (this package), ageing, mass and cost."""
