"""odcsim: a discrete-event simulator of orbital data centers."""
__version__ = "0.1.0"
