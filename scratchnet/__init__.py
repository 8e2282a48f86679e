"""scratchnet: a convolutional neural network written from scratch in NumPy."""

__version__ = "0.1.0"

from scratchnet.model import Sequential, History, ModelFileError, load_model  # noqa: E402

__all__ = ["Sequential", "History", "ModelFileError", "load_model", "__version__"]
