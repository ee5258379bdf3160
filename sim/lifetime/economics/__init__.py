"""Mass, launches and cost: a run (or a design, through `odcsim size`) turned into kilograms, launches and
$ per useful GPU-hour against a terrestrial data centre."""
