"""Formation and conjunction safety: close approaches, collision probability, catalogue screening."""
