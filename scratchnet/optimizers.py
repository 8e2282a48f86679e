"""Public alias of ``scratchnet.nn.optimizers``, where the optimizers live."""

from scratchnet.nn.optimizers import OPTIMIZERS, SGD, Adadelta, Adam, Optimizer  # noqa: F401
