"""scratchnet: a convolutional neural network written from scratch in NumPy."""

__version__ = "0.1.0"

from scratchnet.nn.model import History, Sequential  # noqa: E402
from scratchnet.nn.saving import ModelFileError, load_model  # noqa: E402

__all__ = ["Sequential", "History", "ModelFileError", "load_model", "__version__"]
