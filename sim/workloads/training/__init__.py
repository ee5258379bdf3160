"""The `training` job kind."""
