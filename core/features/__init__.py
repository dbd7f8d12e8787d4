"""Multi-level audio and lyrics features, cached on disk."""
