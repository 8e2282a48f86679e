"""Public alias of ``scratchnet.nn.networks``, where the ready-made networks live."""

from scratchnet.nn.networks import reference_cnn, small_cnn  # noqa: F401
