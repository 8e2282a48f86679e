"""The layer contract that every layer follows, and the helpers they share.

A layer turns a batch ``x`` into ``y = forward(x, training)`` and, given ``grad_out = dL/dy``,
returns ``backward(grad_out) = dL/dx`` while filling ``grads`` with ``dL/dparam`` for each entry
of ``params`` (same keys). Shapes are NHWC; ``input_shape`` arguments never include the batch.
"""

from __future__ import annotations

import copy

import numpy as np

from scratchnet.nn.im2col import reuse_or_allocate
from scratchnet.nn.checks import pair, positive_int  # noqa: F401  (the layers import them from here)

ACTIVATIONS = (None, "relu")

# Speed trick (cache-sized slices): layers that stream large arrays process the batch in slices
# of about this many bytes, so that what one operation writes is still in the core's own (L2)
# cache when the next one reads it; one core streams from the shared L3 cache or main memory
# several times slower. Sizes and timings: docs/performance.md.
SLICE_BYTES = 1 << 20
# Conv2D's slices feed matrix products, which BLAS splits between its threads: too small a
# product leaves the threads waiting on each other, so these slices are larger (several images
# of the reference model's second layer), chosen by timing 1-16 MB (docs/performance.md).
PRODUCT_SLICE_BYTES = 4 << 20


def check_activation(activation: str | None) -> str | None:
    if activation in ("linear", None):
        return None
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be 'relu' or None, got {activation!r}")
    return activation


class Layer:
    """Base class: no parameters, shape-preserving; subclasses define forward and backward.

    Args:
        name: the layer's name; the model gives one (``default_name``, then ``_1``, ...) if None.
    """

    default_name = "layer"
    # Whether data-parallel training (nn/parallel.py) may run replicas of the layer on different
    # rows of one batch: the plain Dropout draws its own masks, so it may not.
    shares_batches = True

    def __init__(self, name: str | None = None):
        self.name = name
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.input_shape: tuple | None = None
        # The model turns this off for the first layer: nothing upstream needs dL/dx.
        self.needs_input_grad = True
        self._buffers: dict[str, np.ndarray] = {}

    def build(self, input_shape: tuple, rng: np.random.Generator | None = None) -> None:
        """Create parameters for inputs of ``input_shape`` (one sample, no batch axis)."""
        self.input_shape = tuple(int(d) for d in input_shape)

    @property
    def built(self) -> bool:
        return self.input_shape is not None

    def output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        raise NotImplementedError

    def config(self) -> dict:
        """JSON-able constructor arguments: ``type(layer)(**layer.config())`` rebuilds it."""
        return {"name": self.name}

    def buffer(self, name: str, shape: tuple, dtype) -> np.ndarray:
        """A work array kept from one call to the next, so that a training step allocates (and
        page-faults) nothing: the speed trick "reused buffers" (``im2col.reuse_or_allocate``,
        docs/performance.md). Its contents are whatever was left in it.

        A gradient a layer returns may be such an array: it stays valid until the layer's next
        backward call. (Outputs are asked for with ``output``.) Per-slice arrays are asked for
        with the largest slice's shape and cut down: ``self.buffer(...)[:rows]``.
        """
        buffer = self._buffers[name] = reuse_or_allocate(self._buffers.get(name), tuple(shape),
                                                         dtype)
        return buffer

    def output(self, name: str, shape: tuple, dtype, training: bool) -> np.ndarray:
        """The array a forward pass writes its result into. In training, a kept ``buffer``
        (valid until the layer's next forward call); in inference a new array, which belongs
        to the caller: predictions, feature maps and saliency maps are never overwritten."""
        return self.buffer(name, shape, dtype) if training else np.empty(shape, dtype)

    def replica(self) -> "Layer":
        """A copy for one worker of data-parallel training (``scratchnet.nn.parallel``): it shares
        this layer's ``params`` dict, and so its weight arrays, but has its own gradients, work
        arrays and saved inputs, so that several copies can run on different samples at once."""
        twin = copy.copy(self)
        twin.grads = {}
        twin._buffers = {}
        return twin

    def parameter_count(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


def default_rng(rng: np.random.Generator | None) -> np.random.Generator:
    """A layer built on its own (as in tests) gets a fixed-seed generator: still reproducible."""
    return rng if rng is not None else np.random.default_rng(0)
