"""The package version, the single source for pyproject.toml (hatch reads it from here).

A literal rather than ``importlib.metadata.version()``: the User-Agent needs it at import
time, and importing ``importlib.metadata`` and scanning the installed distributions costs
tens of milliseconds of cold start.
"""

__version__ = "0.1.0"
