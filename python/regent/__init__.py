"""Regent's Python runtime: the zygote and the WSGI workers it forks."""

__version__ = "0.1.0"
