"""Audio-lyrics fusion workbench: the library behind the dashboard and the command line.

Pipeline order (read the modules in this order to follow one track from disk to screen):
datasets -> features (cached) -> indicators -> rules -> fusion -> clustering -> metrics -> projection.

Nothing in this package imports streamlit.
"""

__version__ = "0.1.0"
