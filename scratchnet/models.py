"""Public alias of ``scratchnet.nn.models``, where the ready-made networks live."""

from scratchnet.nn.models import reference_cnn, small_cnn  # noqa: F401
