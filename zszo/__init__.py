"""ZSZO: the shared command line, settings, web helpers and the demo city."""

__version__ = "0.1.0"
