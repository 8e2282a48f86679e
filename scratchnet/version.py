"""The package's version, which every model file records (``scratchnet.nn.saving``)."""

__version__ = "0.1.0"
