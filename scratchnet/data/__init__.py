"""Data files: the IDX format, MNIST loading, and verified downloads."""

from scratchnet.data.idx import IDXError, read_idx, write_idx
from scratchnet.data.mnist import load_mnist, to_float_images
from scratchnet.data.mnist_files import MNIST_FILES

__all__ = ["MNIST_FILES", "IDXError", "load_mnist", "read_idx", "to_float_images", "write_idx"]
