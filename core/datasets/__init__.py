"""Dataset sources: synthetic songs (built-in), GTZAN, a folder of your own music, a CSV manifest."""
