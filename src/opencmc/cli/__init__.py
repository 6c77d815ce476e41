"""The ``opencmc`` command: engines on files, and the server and its administration."""

from opencmc.cli.main import app, main

__all__ = ["app", "main"]
