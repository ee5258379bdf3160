"""The `eo` job kind."""
