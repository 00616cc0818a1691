"""seedrunner's version, in a module of its own so that any layer may read it (the package
root imports everything above it); pyproject.toml's version must equal it (tested)."""

__version__ = "0.2.0"
