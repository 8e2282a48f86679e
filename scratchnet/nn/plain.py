"""Plain layers, loss and optimizers: the network's math written as it reads, for study.

Each class here is the twin of a fast one in ``scratchnet.nn.layers`` / ``nn.losses`` /
``nn.optimizers`` (``TWINS`` pairs them): the same constructor arguments and argument checks,
``config()``, parameter names and initial weights, the same results up to float rounding
(``tests/test_plain.py`` checks that), but none of the speed tricks. A layer keeps only what its
backward pass needs and returns new arrays every call. Shapes are NHWC; N is the batch.

    Conv2D     cols = im2col(pad(x))                       (N*OH*OW, KH*KW*C)
               y    = act(cols @ K + b)                    (N, OH, OW, F)
               dK   = cols.T @ g     db = sum(g)     dx = unpad(col2im(g @ K.T))
    MaxPool2D  y    = max over each window                 dx = grad to each window's argmax
    Dense      y    = act(x @ W + b)                       dW = x.T @ g   db = sum(g)   dx = g @ W.T
    Dropout    y    = x * m / q,  m = rng.random(shape) < q               dx = grad_out * m / q
    loss       L    = -mean(log softmax(z)[label])         dL/dz = (softmax(z) - onehot) / N

(g, ``grad`` in the code, is grad_out, times (y > 0) when the layer has a fused ReLU.)
``Flatten``, ``ReLU`` and ``Softmax`` are already plain in ``scratchnet.nn.layers`` and are used
from there.

The fast layers compute the same arithmetic, arranged for the cache and the BLAS library; each
difference is named, with its reason, where it is made, and measured in docs/performance.md;
docs/tour.md walks through them. Two of their tricks change a result, and their modules say how:
which maximum of a pooling window takes the gradient on a tie (here argmax's, the first in
reading order), and how dropout draws its mask (here ``rng.random``, so the same seed gives
other masks than the fast layer's 16-bit draws).

Build the plain network with ``reference_cnn(plain=True)`` and train it with
``python scripts/train.py --plain`` (slowly). A plain model saves exactly as a fast one (same
class names, configs, weights and optimizer slots), so ``load_model`` gives the fast twin back,
and ``make_plain`` turns it plain again. Plain models train on one thread (``fit`` picks one
worker for them): the plain ``Dropout`` draws its own masks, and the plain optimizers have no
update slices to share out.
"""

from __future__ import annotations

import numpy as np

from scratchnet.nn import layers as fast
from scratchnet.nn import optimizers as fast_optimizers
from scratchnet.nn.checks import fraction, nesterov_flag, positive_number
from scratchnet.nn.im2col import col2im, sliding_windows
from scratchnet.nn.initializers import kernel_initializer
from scratchnet.nn.layers.activations import ReLU, Softmax, softmax_and_log
from scratchnet.nn.layers.base import Layer, check_activation, default_rng, pair, positive_int
from scratchnet.nn.layers.conv import same_padding
from scratchnet.nn.layers.dense import Flatten
from scratchnet.nn.layers.dropout import check_rate

__all__ = ["Conv2D", "MaxPool2D", "Dense", "Flatten", "Dropout", "ReLU", "Softmax",
           "SoftmaxCrossEntropy", "SGD", "Adam", "Adadelta", "TWINS", "im2col", "make_plain", "plain_twin"]


def im2col(x: np.ndarray, kernel_h: int, kernel_w: int, stride) -> np.ndarray:
    """Every receptive field of ``x`` (N, H, W, C) as a row: (N*OH*OW, KH*KW*C), a new array."""
    windows = sliding_windows(x, kernel_h, kernel_w, stride)      # (N, OH, OW, KH, KW, C) view
    return windows.reshape(-1, kernel_h * kernel_w * x.shape[3])  # the one copy


class Conv2D(Layer):
    """2-D convolution (cross-correlation), written as im2col -> matmul -> col2im.

    Args:
        filters: number of output channels F.
        kernel_size: int or (KH, KW).
        strides: int or a pair of equal ints.
        padding: "valid" (no padding) or "same" (output ceil(H / stride), as TensorFlow pads).
        activation: None or "relu" (fused).
        use_bias: whether to add a bias per filter.
        name: the layer's name (the model gives one if None).

    Input shape: (N, H, W, C). Output shape: (N, OH, OW, F).
    """

    default_name = "conv2d"

    def __init__(self, filters: int, kernel_size=3, strides=1, padding: str = "valid",
                 activation: str | None = None, use_bias: bool = True, name: str | None = None):
        super().__init__(name)
        self.filters = positive_int(filters, "filters")
        self.kernel_h, self.kernel_w = pair(kernel_size, "kernel_size")
        stride_h, stride_w = pair(strides, "strides")
        if stride_h != stride_w:
            raise ValueError(f"strides must be equal along both axes, got {strides!r}")
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.stride, self.padding = stride_h, padding
        self.activation = check_activation(activation)
        self.use_bias = bool(use_bias)

    def build(self, input_shape, rng=None):
        super().build(input_shape)
        height, width, channels = self.input_shape
        self.pads = ((0, 0), (0, 0))
        if self.padding == "same":
            self.pads = (same_padding(height, self.kernel_h, self.stride),
                         same_padding(width, self.kernel_w, self.stride))
        shape = (self.kernel_h, self.kernel_w, channels, self.filters)
        self.params = {"kernel": kernel_initializer(
            default_rng(rng), shape, self.kernel_h * self.kernel_w * channels,
            self.kernel_h * self.kernel_w * self.filters, self.activation)}
        if self.use_bias:
            self.params["bias"] = np.zeros(self.filters, dtype=np.float32)

    def output_shape(self, input_shape):
        height, width, _ = input_shape
        if self.padding == "same":
            return (-(-height // self.stride), -(-width // self.stride), self.filters)
        return ((height - self.kernel_h) // self.stride + 1,
                (width - self.kernel_w) // self.stride + 1, self.filters)

    def forward(self, x, training=False):
        xp = np.pad(x, ((0, 0), *self.pads, (0, 0)))                  # (N, Hp, Wp, C)
        out_h, out_w, _ = self.output_shape(x.shape[1:])
        self.cols = im2col(xp, self.kernel_h, self.kernel_w, self.stride)
        z = self.cols @ self.params["kernel"].reshape(-1, self.filters)   # (N*OH*OW, F)
        if self.use_bias:
            z = z + self.params["bias"]
        y = np.maximum(z, 0) if self.activation == "relu" else z
        self.x_shape, self.xp_shape, self.y = x.shape, xp.shape, y
        return y.reshape(len(x), out_h, out_w, self.filters)

    def backward(self, grad_out):
        kernel = self.params["kernel"]
        grad = grad_out.reshape(-1, self.filters)                       # (N*OH*OW, F)
        if self.activation == "relu":
            grad = grad * (self.y > 0)
        self.grads = {"kernel": (self.cols.T @ grad).reshape(kernel.shape)}
        if self.use_bias:
            self.grads["bias"] = grad.sum(axis=0)
        grad_cols = grad @ kernel.reshape(-1, self.filters).T           # (N*OH*OW, KH*KW*C)
        grad_xp = col2im(grad_cols, self.xp_shape, self.kernel_h, self.kernel_w, self.stride)
        (top, _), (left, _) = self.pads
        height, width = self.x_shape[1:3]
        return grad_xp[:, top:top + height, left:left + width, :]

    def config(self):
        return {"filters": self.filters, "kernel_size": [self.kernel_h, self.kernel_w],
                "strides": self.stride, "padding": self.padding, "activation": self.activation,
                "use_bias": self.use_bias, "name": self.name}


class MaxPool2D(Layer):
    """Max pooling; each window's gradient goes to its argmax, on a tie the first maximum in
    reading (row-major) order.

    Args:
        pool_size: int or (PH, PW).
        strides: int or (SH, SW); None means pool_size.
        name: the layer's name.

    Input shape: (N, H, W, C). Output shape: (N, (H - PH) // SH + 1, (W - PW) // SW + 1, C).
    """

    default_name = "max_pooling2d"

    def __init__(self, pool_size=2, strides=None, name: str | None = None):
        super().__init__(name)
        self.pool_h, self.pool_w = pair(pool_size, "pool_size")
        self.strides = (self.pool_h, self.pool_w) if strides is None else pair(strides, "strides")

    def output_shape(self, input_shape):
        height, width, channels = input_shape
        return ((height - self.pool_h) // self.strides[0] + 1,
                (width - self.pool_w) // self.strides[1] + 1, channels)

    def forward(self, x, training=False):
        windows = sliding_windows(x, self.pool_h, self.pool_w, self.strides)  # (N,OH,OW,PH,PW,C)
        # Each window's values in reading order, k = a*PW + b: argmax gives the first maximum.
        flat = windows.reshape(*windows.shape[:3], self.pool_h * self.pool_w, x.shape[3])
        self.x_shape, self.argmax = x.shape, flat.argmax(axis=3)        # (N, OH, OW, C)
        return windows.max(axis=(3, 4))

    def backward(self, grad_out):
        # one_hot[n, i, j, k, c] = (k == argmax[n, i, j, c]): each window's gradient at its argmax
        one_hot = np.arange(self.pool_h * self.pool_w)[:, None] == self.argmax[:, :, :, None, :]
        windows = one_hot * grad_out[:, :, :, None, :]                  # (N, OH, OW, PH*PW, C)
        return col2im(windows, self.x_shape, self.pool_h, self.pool_w, self.strides)

    def config(self):
        return {"pool_size": [self.pool_h, self.pool_w], "strides": list(self.strides),
                "name": self.name}


class Dense(Layer):
    """Fully connected layer: y = act(x @ W + b).

    Args:
        units: number of outputs U.
        activation: None or "relu" (fused).
        use_bias: whether to add a bias per unit.
        name: the layer's name.

    Input shape: (N, D). Output shape: (N, U).
    """

    default_name = "dense"

    def __init__(self, units: int, activation: str | None = None, use_bias: bool = True,
                 name: str | None = None):
        super().__init__(name)
        self.units = positive_int(units, "units")
        self.activation = check_activation(activation)
        self.use_bias = bool(use_bias)

    def build(self, input_shape, rng=None):
        super().build(input_shape)
        (fan_in,) = self.input_shape
        self.params = {"kernel": kernel_initializer(default_rng(rng), (fan_in, self.units),
                                                    fan_in, self.units, self.activation)}
        if self.use_bias:
            self.params["bias"] = np.zeros(self.units, dtype=np.float32)

    def output_shape(self, input_shape):
        return (self.units,)

    def forward(self, x, training=False):
        z = x @ self.params["kernel"]
        if self.use_bias:
            z = z + self.params["bias"]
        self.x = x
        self.y = np.maximum(z, 0) if self.activation == "relu" else z
        return self.y

    def backward(self, grad_out):
        grad = grad_out * (self.y > 0) if self.activation == "relu" else grad_out
        self.grads = {"kernel": self.x.T @ grad}
        if self.use_bias:
            self.grads["bias"] = grad.sum(axis=0)
        return grad @ self.params["kernel"].T

    def config(self):
        return {"units": self.units, "activation": self.activation, "use_bias": self.use_bias,
                "name": self.name}


class Dropout(Layer):
    """Inverted dropout: in training y = x * m / q, with m ~ Bernoulli(q), q = 1 - rate.

    m is ``rng.random(x.shape) < q`` with the model's generator: each uniform draw in [0, 1) is
    below q with probability q.

    Args:
        rate: share of the inputs set to zero in training, in [0, 0.9999] (the fast layer's
            bound, so that a model of either kind loads as the other).
        name: the layer's name.

    Input and output shape: any.
    """

    default_name = "dropout"
    shares_batches = False     # draws its own masks: training runs on one thread

    def __init__(self, rate: float, name: str | None = None):
        super().__init__(name)
        self.rate = check_rate(rate)

    def build(self, input_shape, rng=None):
        super().build(input_shape)
        self.rng = default_rng(rng)

    def forward(self, x, training=False):
        self.mask = None
        if not training or self.rate == 0:
            return x
        q = 1 - self.rate
        m = self.rng.random(x.shape) < q                                # m ~ Bernoulli(q)
        self.mask = m / x.dtype.type(q)                                 # m / q
        return x * self.mask

    def backward(self, grad_out):
        return grad_out if self.mask is None else grad_out * self.mask

    def config(self):
        return {"rate": self.rate, "name": self.name}


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) (N, K) against integer labels (N,)."""

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        self.probs, log_probs = softmax_and_log(logits)
        self.labels = labels
        return float(-log_probs[np.arange(len(labels)), labels].mean())

    def backward(self, mean_over: int | None = None) -> np.ndarray:
        """dL/dlogits; ``mean_over`` (default N) is the count L is the mean over."""
        grad = self.probs.copy()
        grad[np.arange(len(self.labels)), self.labels] -= 1
        return grad / (mean_over or len(self.labels))

    def config(self) -> dict:
        return {}


class Optimizer:
    """Base: ``step`` updates each parameter in place by the rule in ``delta``.

    The state per parameter (``slots``) is keyed as the fast optimizers key it, so a plain
    optimizer's state saves and loads as theirs.
    """

    slots: tuple[str, ...] = ()

    def __init__(self, learning_rate: float):
        self.learning_rate = positive_number(learning_rate, "learning_rate")
        self.iterations = 0
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def step(self, params, grads) -> None:
        """p <- p - delta(g) for every parameter, in place."""
        self.iterations += 1
        for key, param in params.items():
            if self.slots and key not in self.state:
                self.state[key] = {slot: np.zeros_like(param) for slot in self.slots}
            param -= self.delta(grads[key], self.state.get(key))

    def delta(self, grad: np.ndarray, state: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def config(self) -> dict:
        return {"learning_rate": self.learning_rate}


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, as torch.optim.SGD.

    Args:
        learning_rate: lr.
        momentum: in [0, 1); 0 for plain SGD.
        nesterov: use Nesterov momentum (needs momentum > 0).
    """

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False):
        super().__init__(learning_rate)
        self.momentum = fraction(momentum, "momentum")
        self.nesterov = nesterov_flag(nesterov, self.momentum)
        self.slots = ("momentum_buffer",) if self.momentum else ()

    def delta(self, grad, state):
        if not self.momentum:
            return self.learning_rate * grad
        b = state["momentum_buffer"]
        b[...] = grad if self.iterations == 1 else self.momentum * b + grad
        return self.learning_rate * (grad + self.momentum * b if self.nesterov else b)

    def config(self):
        return {"learning_rate": self.learning_rate, "momentum": self.momentum,
                "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015).

    Args:
        learning_rate: lr.
        beta_1: decay of the mean of the gradients m.
        beta_2: decay of the mean of their squares v.
        epsilon: added to sqrt(v) to keep the step finite.
    """

    slots = ("exp_avg", "exp_avg_sq")

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-8):
        super().__init__(learning_rate)
        self.beta_1, self.beta_2 = fraction(beta_1, "beta_1"), fraction(beta_2, "beta_2")
        self.epsilon = float(epsilon)

    def delta(self, grad, state):
        m, v, t = state["exp_avg"], state["exp_avg_sq"], self.iterations
        m[...] = self.beta_1 * m + (1 - self.beta_1) * grad
        v[...] = self.beta_2 * v + (1 - self.beta_2) * grad ** 2
        m_hat, v_hat = m / (1 - self.beta_1 ** t), v / (1 - self.beta_2 ** t)
        return self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)

    def config(self):
        return {"learning_rate": self.learning_rate, "beta_1": self.beta_1,
                "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012).

    Args:
        learning_rate: lr (1.0 in the paper and the reference recipe).
        rho: decay of the running means v (of g^2) and u (of the updates squared).
        epsilon: keeps the square roots away from 0.
    """

    slots = ("square_avg", "acc_delta")

    def __init__(self, learning_rate: float = 1.0, rho: float = 0.95, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.rho, self.epsilon = fraction(rho, "rho"), float(epsilon)

    def delta(self, grad, state):
        v, u = state["square_avg"], state["acc_delta"]
        v[...] = self.rho * v + (1 - self.rho) * grad ** 2
        dx = np.sqrt((u + self.epsilon) / (v + self.epsilon)) * grad
        u[...] = self.rho * u + (1 - self.rho) * dx ** 2
        return self.learning_rate * dx

    def config(self):
        return {"learning_rate": self.learning_rate, "rho": self.rho, "epsilon": self.epsilon}


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adadelta": Adadelta}

# Each fast class and its plain twin.
TWINS = {
    fast.Conv2D: Conv2D, fast.MaxPool2D: MaxPool2D, fast.Dense: Dense, fast.Dropout: Dropout,
    fast.Flatten: Flatten, fast.ReLU: ReLU, fast.Softmax: Softmax,
    fast_optimizers.SGD: SGD, fast_optimizers.Adam: Adam, fast_optimizers.Adadelta: Adadelta,
}


def plain_twin(fast_object):
    """A new plain layer or optimizer with the configuration of ``fast_object``."""
    twin_class = TWINS.get(type(fast_object))
    if twin_class is None:
        raise ValueError(f"{type(fast_object).__name__} has no plain twin in "
                         f"scratchnet.nn.plain.TWINS")
    return twin_class(**fast_object.config())


def make_plain(model) -> None:
    """Swap a built ``Sequential``'s layers, loss and optimizer for their plain twins, in place.

    The twins take over the same weight arrays, names, optimizer state and random generator, so
    training goes on exactly where it stood (``train.py --plain --resume`` uses this: a saved
    model always loads with the fast layers).
    """
    scratch = np.random.default_rng(0)      # the twins' own initial weights are thrown away
    for index, layer in enumerate(model.layers):
        twin = plain_twin(layer)
        twin.build(layer.input_shape, rng=scratch)
        twin.params, twin.needs_input_grad = layer.params, layer.needs_input_grad
        if isinstance(twin, Dropout):
            twin.rng = model.rng
        model.layers[index] = twin
    model.loss = SoftmaxCrossEntropy()
    if model.optimizer is not None:
        optimizer = plain_twin(model.optimizer)
        optimizer.iterations, optimizer.state = model.optimizer.iterations, model.optimizer.state
        model.optimizer = optimizer
