"""OpenCMC: the one-stop CMC platform for bio ventures."""

__version__ = "0.1.0"
