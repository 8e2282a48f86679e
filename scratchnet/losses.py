"""Public alias of ``scratchnet.nn.losses``, where the loss lives."""

from scratchnet.nn.losses import SoftmaxCrossEntropy  # noqa: F401
