"""The `inference` job kind."""
