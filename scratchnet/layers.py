"""Public alias of ``scratchnet.nn.layers``, where the layers live."""

from scratchnet.nn.layers import (Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D,  # noqa: F401
                                  ReLU, Softmax)
