"""Teaching a person's handwriting in the last layer only: a regularised fit on cached features.

The network's last layer maps the features h (N, D) of the layer before it to the logits
z = h W + b (N, C). Teaching changes W (D, C) and b (C,) only, so every other layer's output is
computed once per drawing and the fit takes a fraction of a second. It minimises

    J(W, b) = sum_n w_n CE(softmax(h_n W + b), t_n) + (strength / 2) (|W - W0|^2 + |b - b0|^2)

over the person's drawings (each with augmented copies) and replayed training samples, where
W0, b0 are the base model's last layer, t_n a target distribution over the C classes (one-hot
for a drawing) and w_n the sample's weight. Pulling the weights back towards the base model's,
not towards zero, is biased regularisation (Kienzle and Chellapilla, "Personalized handwriting
recognition via biased regularization", ICML 2006). The replayed samples' targets are the base
model's own probabilities for them (distillation, as in Li and Hoiem's "Learning without
Forgetting", 2016), so that with nothing to teach J is smallest at W0, b0: the base model is
kept, and teaching moves it only as far as the drawings ask.

Gradient, with P = softmax(h W + b) (N, C) and G = w (P - T) (rows scaled by w_n):

    dJ/dW = h^T G + strength (W - W0)          (D, C)
    dJ/db = sum_n G_n + strength (b - b0)       (C,)

J is ``strength``-strongly convex and L-smooth with L <= strength + lambda_max(sum_n w_n x_n
x_n^T) / 2, x_n = (h_n, 1), since the Hessian of cross-entropy in the logits, diag(p) - p p^T,
is at most 1/2. ``fit_regularised`` runs Nesterov's accelerated gradient for strongly convex
functions with step 1/L and momentum (sqrt(k) - 1) / (sqrt(k) + 1), k = L / strength, from
W0, b0; lambda_max comes from a few power iterations. The features come out of a ReLU, so they
are all non-negative and their mean direction makes lambda_max large; given a ``centre`` mu
(the replayed samples' mean), the fit measures them from it, z = (h - mu) W + c, which cuts L
about threefold (and the steps needed with it). The pull then holds W and c = b + mu W, the
logits at the mean feature, near the base model's: the same kind of regularisation, centred.

Which samples are replayed (``teaching_set``): ``replay_count`` of the pool at random, weighing
``replay_weight`` in all (each drawing weighs 1, shared with its copies), and the ``nearest``
pool samples to each drawing taught (cosine of the features), each weighing ``nearest_weight``
times a random one. The nearest ones are the training digits the person's digit could be taken
for: where the decision boundary moves, replay holds it.

A network with classes beyond the ten digits (a "not a digit" output) is taught the
same way: a drawing's target is its digit's one-hot row over all C outputs, and the replay pool
holds training samples of every class, so the extra outputs keep their decision regions; or,
with ``frozen``, their columns of W and entries of b stay exactly the base model's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scratchnet.nn.layers import Dense
from scratchnet.nn.layers.activations import softmax_and_log
from scratchnet.nn.model import Sequential
from scratchnet.nn.parallel import replica
from scratchnet.training.augment import augment
from scratchnet.training.stroke_jitter import jittered_copies

POWER_ITERATIONS = 30
SMOOTHNESS_MARGIN = 1.05     # on the power-iteration estimate of lambda_max, which is from below


# ------------------------------------------------------------------------------- the math
def regularised_loss(kernel: np.ndarray, bias: np.ndarray, inputs: np.ndarray,
                     targets: np.ndarray, weights: np.ndarray, anchor_kernel: np.ndarray,
                     anchor_bias: np.ndarray, strength: float
                     ) -> tuple[float, np.ndarray, np.ndarray]:
    """J(W, b) and its gradients (see the module docstring).

    Parameters
    ----------
    kernel, bias : W (D, C) and b (C,), where J and its gradient are taken.
    inputs : h (N, D).
    targets : t (N, C), each row a distribution over the classes.
    weights : w (N,), each sample's weight.
    anchor_kernel, anchor_bias : W0 (D, C) and b0 (C,).
    strength : the pull towards the anchor, >= 0.

    Returns J, dJ/dW (D, C) and dJ/db (C,).
    """
    probabilities, log_probabilities = softmax_and_log(inputs @ kernel + bias)
    loss = -float((weights[:, None] * targets * log_probabilities).sum())
    kernel_shift, bias_shift = kernel - anchor_kernel, bias - anchor_bias
    loss += 0.5 * strength * float((kernel_shift ** 2).sum() + (bias_shift ** 2).sum())
    grad_logits = weights[:, None] * (probabilities - targets)
    grad_kernel = inputs.T @ grad_logits + strength * kernel_shift
    grad_bias = grad_logits.sum(axis=0) + strength * bias_shift
    return loss, grad_kernel, grad_bias


def smoothness(inputs: np.ndarray, weights: np.ndarray, strength: float) -> float:
    """An upper bound (up to the power iteration's accuracy) on the Lipschitz constant L of
    dJ/d(W, b): strength + lambda_max(sum_n w_n x_n x_n^T) / 2 with x_n = (h_n, 1)."""
    vector = np.ones(inputs.shape[1] + 1)
    top = 0.0
    for _ in range(POWER_ITERATIONS):
        projected = weights * (inputs @ vector[:-1] + vector[-1])        # (N,)
        product = np.append(inputs.T @ projected, projected.sum())
        top = float(np.linalg.norm(product))
        if top == 0.0:
            break
        vector = product / top
    return strength + SMOOTHNESS_MARGIN * top / 2


def fit_regularised(inputs: np.ndarray, targets: np.ndarray, weights: np.ndarray,
                    anchor_kernel: np.ndarray, anchor_bias: np.ndarray, strength: float,
                    steps: int, centre: np.ndarray | None = None,
                    frozen: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Minimise J (module docstring) from the anchor by ``steps`` steps of Nesterov's method.

    Arguments as ``regularised_loss``; ``strength`` must be above 0. ``centre`` (D,): measure
    the inputs from it (the centred J of the module docstring). ``frozen`` (C,) bool marks
    classes whose column of W and entry of b stay exactly the anchor's. Returns new arrays W
    (D, C) and b (C,) in the anchor's dtype; the arguments are not changed.
    """
    if not strength > 0:
        raise ValueError(f"strength must be above 0, got {strength!r}")
    if inputs.ndim != 2 or anchor_kernel.shape != (inputs.shape[1], targets.shape[1]):
        raise ValueError(f"inputs (N, D) and targets (N, C) need an anchor kernel (D, C); got "
                         f"{inputs.shape}, {targets.shape} and {anchor_kernel.shape}")
    anchor = anchor_kernel.astype(np.float64)
    inputs = inputs.astype(np.float64)
    start_bias = anchor_bias.astype(np.float64)
    if centre is not None:
        inputs -= centre
        start_bias = start_bias + centre @ anchor
    kernel, bias = anchor, start_bias
    free = np.ones(kernel.shape[1]) if frozen is None else (~np.asarray(frozen, bool)) * 1.0
    step = 1.0 / smoothness(inputs, weights, strength)
    condition = np.sqrt(1.0 / (step * strength))
    momentum = (condition - 1) / (condition + 1)
    look_kernel, look_bias = kernel, bias
    for _ in range(steps):
        _, grad_kernel, grad_bias = regularised_loss(look_kernel, look_bias, inputs, targets,
                                                     weights, anchor, start_bias, strength)
        new_kernel = look_kernel - step * grad_kernel * free
        new_bias = look_bias - step * grad_bias * free
        look_kernel = new_kernel + momentum * (new_kernel - kernel)
        look_bias = new_bias + momentum * (new_bias - bias)
        kernel, bias = new_kernel, new_bias
    if centre is not None:
        bias = bias - centre @ kernel
        if frozen is not None:          # exactly the anchor's, not b0 + mu W0 - mu W0
            bias[np.asarray(frozen, bool)] = anchor_bias[np.asarray(frozen, bool)]
    return kernel.astype(anchor_kernel.dtype), bias.astype(anchor_bias.dtype)


# ---------------------------------------------------------------------------- on a model
def last_dense(model: Sequential) -> Dense:
    """The model's last layer, which must be a Dense layer with a bias (it gives the logits)."""
    layer = model.layers[-1]
    if not isinstance(layer, Dense) or not layer.use_bias:
        raise ValueError(f"teaching the last layer needs a model ending in a Dense layer with a "
                         f"bias; this one ends in {type(layer).__name__} {layer.name!r}")
    return layer


def features(model: Sequential, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """What the last layer reads, float32 (N, D): ``x`` (N, 28, 28, 1) through every other
    layer, in inference mode (dropout off)."""
    last_dense(model)
    out = np.empty((len(x), model.layers[-1].input_shape[0]), np.float32)
    for start in range(0, len(x), batch_size):
        batch = x[start:start + batch_size]
        for layer in model.layers[:-1]:
            batch = layer.forward(batch, training=False)
        out[start:start + batch_size] = batch
    return out


def with_last_layer(model: Sequential, kernel: np.ndarray, bias: np.ndarray) -> Sequential:
    """A model that reads as ``model`` but with the given last layer. Every other layer's
    weights are shared with ``model``, not copied, so making one costs next to nothing; its
    layers have work arrays of their own (``scratchnet.nn.parallel.replica``), so the two models can read
    on different threads at once."""
    twin = replica(model)
    twin.layers[-1].params = {"kernel": kernel, "bias": bias}
    return twin


def unit_rows(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12)


@dataclass(frozen=True)
class Replay:
    """Training samples replayed while teaching, computed once per base model: their features
    (R, D) and the base model's probabilities for them (R, C), the distillation targets. Build
    it from a random draw of the training set, so that its first samples are a random draw."""

    features: np.ndarray
    targets: np.ndarray

    @classmethod
    def from_images(cls, model: Sequential, images: np.ndarray) -> "Replay":
        """``images`` (R, 28, 28, 1), in random order: training samples of every class the model
        reads (MNIST digits, and the extra classes' samples for a network with more outputs)."""
        layer = last_dense(model)
        inputs = features(model, images)
        probabilities, _ = softmax_and_log(
            inputs.astype(np.float64) @ layer.params["kernel"] + layer.params["bias"])
        return cls(inputs, probabilities)

    @property
    def centre(self) -> np.ndarray:
        """The samples' mean feature (D,), float64."""
        return self.features.mean(axis=0, dtype=np.float64)

    def nearest(self, queries: np.ndarray, count: int) -> np.ndarray:
        """Indices of the ``count`` samples most like each of ``queries`` (Q, D), by the cosine
        of their features: (Q * count,), a sample near two queries listed twice."""
        if count == 0 or len(queries) == 0:
            return np.zeros(0, np.intp)
        similarity = unit_rows(queries) @ unit_rows(self.features).T          # (Q, R)
        return np.argpartition(-similarity, count - 1, axis=1)[:, :count].ravel()


# ------------------------------------------------------------------------------ teaching
@dataclass(frozen=True)
class LastLayerSettings:
    """How the last layer is taught (module docstring). The values were chosen on half of the
    development people (docs/teaching.md); ``copies`` are of each drawing, jittered at the
    stroke level (``scratchnet.training.stroke_jitter``). ``replay_weight=300`` keeps every
    development person's MNIST accuracy within about 0.1 point of the base model's, but teaches
    less (K = 1: 99.0% instead of 99.4% of the tune half's other drawings)."""

    strength: float = 1.0
    replay_weight: float = 10.0
    replay_count: int = 2000
    nearest: int = 20
    nearest_weight: float = 5.0
    copies: int = 16
    steps: int = 100


def teaching_set(drawings: list[np.ndarray], labels: np.ndarray, replay: Replay,
                 settings: LastLayerSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the fit runs on: inputs (N, D), targets (N, C) and weights (N,).

    ``drawings``: for each drawing taught, the features of the drawing and its copies (1 + A,
    D), the drawing's own first. ``labels`` (T,) their classes.
    """
    classes = replay.targets.shape[1]
    inputs = [np.concatenate(drawings)] if drawings else []
    targets = [np.eye(classes)[np.repeat(labels, [len(d) for d in drawings])]] if drawings else []
    weights = [np.full(len(d), 1.0 / len(d)) for d in drawings]
    random = np.arange(min(settings.replay_count, len(replay.features)))
    near = replay.nearest(np.stack([d[0] for d in drawings]), settings.nearest) if drawings \
        else np.zeros(0, np.intp)
    each = settings.replay_weight / max(len(random), 1)
    for chosen, weight in ((random, each), (near, each * settings.nearest_weight)):
        inputs.append(replay.features[chosen])
        targets.append(replay.targets[chosen])
        weights.append(np.full(len(chosen), weight))
    return np.concatenate(inputs), np.concatenate(targets), np.concatenate(weights)


class LastLayerTeacher:
    """Teaches a model's last layer someone's drawings, one at a time, as they press a digit
    key after drawing: each ``teach`` adds a drawing and fits the last layer again, from the
    base model's, on every drawing taught so far.

    Args:
        model: the base model (never changed); it must end in a Dense layer with a bias.
        replay: its ``Replay``, computed once (a random draw of its training samples).
        settings: ``LastLayerSettings``.
        frozen: (C,) bool, the classes whose weights stay the base model's (None: none).
        seed: seeds the copies' jitter, drawing by drawing.
    """

    def __init__(self, model: Sequential, replay: Replay,
                 settings: LastLayerSettings = LastLayerSettings(),
                 frozen: np.ndarray | None = None, seed: int = 0):
        layer = last_dense(model)
        if replay.targets.shape[1] != layer.units or replay.features.shape[1] != \
                layer.input_shape[0]:
            raise ValueError(f"the replay set is for another network: features "
                             f"{replay.features.shape[1]} and classes "
                             f"{replay.targets.shape[1]}, the model's last layer reads "
                             f"{layer.input_shape[0]} and gives {layer.units}")
        self.model, self.replay, self.settings = model, replay, settings
        self.frozen, self.seed = frozen, seed
        self.centre = replay.centre
        self.drawings: list[np.ndarray] = []
        self.labels: list[int] = []

    @property
    def taught(self) -> int:
        return len(self.labels)

    def teach(self, image: np.ndarray, label: int, strokes: list[dict] | None = None,
              canvas: tuple[int, int] | None = None) -> Sequential:
        """Add one drawing (``add``) and return the model taught every drawing so far."""
        self.add(image, label, strokes, canvas)
        return self.taught_model()

    def add(self, image: np.ndarray, label: int, strokes: list[dict] | None = None,
            canvas: tuple[int, int] | None = None) -> None:
        """Add one drawing to those taught, without fitting ("Teach my handwriting" adds every
        saved digit, then fits once).

        ``image`` (28, 28) or (28, 28, 1): the drawing as the network reads it. With its
        ``strokes`` and ``canvas`` the copies are drawn again from the strokes
        (``stroke_jitter``); without (a digit saved as a picture), ``image`` is warped
        (``augment``). The features of the drawing and its copies are kept.
        """
        layer = last_dense(self.model)
        if not 0 <= int(label) < layer.units:
            raise ValueError(f"label must be a class of the model, 0..{layer.units - 1}; "
                             f"got {label!r}")
        image = np.asarray(image, np.float32).reshape(1, 28, 28, 1)
        rng = np.random.default_rng([self.seed, len(self.labels)])
        count = self.settings.copies
        if strokes is not None:
            copies = jittered_copies(strokes, canvas, count, rng)
        else:
            copies = augment(np.repeat(image, count, axis=0), rng)
        self.drawings.append(features(self.model, np.concatenate([image, copies])))
        self.labels.append(int(label))

    def taught_model(self) -> Sequential:
        """The base model with the last layer fitted to every drawing taught so far (the base
        model itself when none is)."""
        if not self.labels:
            return self.model
        layer = last_dense(self.model)
        inputs, targets, weights = teaching_set(self.drawings, np.asarray(self.labels),
                                                self.replay, self.settings)
        kernel, bias = fit_regularised(inputs, targets, weights, layer.params["kernel"],
                                       layer.params["bias"], self.settings.strength,
                                       self.settings.steps, centre=self.centre,
                                       frozen=self.frozen)
        return with_last_layer(self.model, kernel, bias)

    def read_right(self, model: Sequential, label: int) -> tuple[int, int]:
        """How many of the drawings of ``label`` taught so far ``model`` (this teacher's base
        model or one it taught) reads right, and how many there are."""
        rows = [drawing[0] for drawing, taught in zip(self.drawings, self.labels)
                if taught == label]
        if not rows:
            return 0, 0
        layer = last_dense(model)
        logits = np.stack(rows).astype(np.float64) @ layer.params["kernel"] + layer.params["bias"]
        return int((logits.argmax(axis=1) == label).sum()), len(rows)
