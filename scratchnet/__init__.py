"""scratchnet: a convolutional neural network written from scratch in NumPy."""

from scratchnet.nn.model import Sequential
from scratchnet.nn.trainer import History
from scratchnet.nn.loading import ModelFileError, load_model
from scratchnet.version import __version__

__all__ = ["Sequential", "History", "ModelFileError", "load_model", "__version__"]
