"""The Sequential model: a list of layers trained end to end.

    logits = layers[-1](... layers[0](x))          forward, x (N, H, W, C)
    loss   = SoftmaxCrossEntropy(logits, y)
    grad   = layers[0].backward(... layers[-1].backward(dL/dlogits))
    optimizer.step(params, grads)                   in place

Everything random (initial weights, shuffling, dropout masks, augmentation) draws from one
``numpy.random.Generator`` owned by the model and seeded explicitly, so the same seed gives the
same weights and the same loss curve, and a checkpoint that stores the generator's state resumes
exactly where training stopped.

The model computes; it does not loop or share out work. ``fit`` hands its batches to the training
loop (``scratchnet.nn.trainer``), which runs the training step on one thread or several, and
``save`` hands the model to the file format (``scratchnet.nn.saving``).
"""

from __future__ import annotations

import os
from typing import Callable, Sequence

import numpy as np

from scratchnet.nn import saving
from scratchnet.nn.checks import non_negative_int, positive_int
from scratchnet.nn.layers import Layer, Softmax
from scratchnet.nn.layers.activations import softmax
from scratchnet.nn.losses import SoftmaxCrossEntropy, score
from scratchnet.nn.optimizers import Optimizer
from scratchnet.nn.trainer import (Augment, Callback, EpochBatches, History, Trainer, TrainState,
                                   training_loop)


class Sequential:
    """A stack of layers trained end to end, with Keras' workflow: compile, fit, evaluate,
    predict, summary, save (``load_model`` reads it back).

    Args:
        layers: the layers, first to last (``scratchnet.nn.layers`` or ``scratchnet.nn.plain``).
        input_shape: one sample's shape, e.g. ``(28, 28, 1)``; the model is built at once when
            it is given, else at the first call that sees data.
        seed: seeds the model's generator, which draws the initial weights, the shuffling,
            dropout and augmentation: the same seed gives the same training.
    """

    def __init__(self, layers: Sequence[Layer], input_shape: Sequence[int] | None = None,
                 seed: int = 0):
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("a Sequential model needs at least one layer")
        for layer in self.layers:
            if not isinstance(layer, Layer):
                raise TypeError(f"expected layer objects, got {layer!r}")
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.input_shape: tuple | None = None
        self.optimizer: Optimizer | None = None
        self.loss = SoftmaxCrossEntropy()
        self.train_state = TrainState()
        self.stop_training = False
        # What the model file says about the model (``save(path, metadata=)``): {} until
        # ``load_model`` reads a file.
        self.metadata: dict = {}
        self._name_layers()
        if input_shape is not None:
            self.build(input_shape)

    # ----------------------------------------------------------------------------------- building
    def _name_layers(self) -> None:
        """Keras-style unique names: conv2d, conv2d_1, dense, dense_1, ..."""
        taken = {layer.name for layer in self.layers if layer.name}
        counts: dict[str, int] = {}
        for layer in self.layers:
            if layer.name:
                continue
            base = layer.default_name
            while True:
                index = counts.get(base, 0)
                counts[base] = index + 1
                name = base if index == 0 else f"{base}_{index}"
                if name not in taken:
                    break
            layer.name = name
            taken.add(name)
        if len(taken) != len(self.layers):
            raise ValueError("layer names must be unique")

    def build(self, input_shape: Sequence[int]) -> None:
        """Create every layer's parameters.

        Args:
            input_shape: one sample's shape, without the batch axis, e.g. ``(28, 28, 1)``.
        """
        shape = tuple(int(d) for d in input_shape)
        if any(d < 1 for d in shape):
            raise ValueError(f"input_shape must be positive, got {tuple(input_shape)}")
        self.input_shape = shape
        for layer in self.layers:
            layer.build(shape, rng=self.rng)
            shape = layer.output_shape(shape)
        # Nothing before the first layer needs dL/dx: skip that (costly) product.
        self.layers[0].needs_input_grad = False
        self.output_shape = shape

    @property
    def built(self) -> bool:
        return self.input_shape is not None

    def compile(self, optimizer: Optimizer | None = None,
                loss: SoftmaxCrossEntropy | None = None) -> None:
        """Choose how the model learns.

        Args:
            optimizer: default ``Adadelta()`` with the reference recipe (1.0, 0.95, 1e-7).
            loss: default ``SoftmaxCrossEntropy()``, on the last layer's logits.
        """
        from scratchnet.nn.optimizers import Adadelta
        self.optimizer = optimizer if optimizer is not None else Adadelta()
        self.loss = loss if loss is not None else SoftmaxCrossEntropy()

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Every trainable array, keyed ``"layer_name/param_name"``."""
        return {f"{layer.name}/{key}": value
                for layer in self.layers for key, value in layer.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        return {f"{layer.name}/{key}": value
                for layer in self.layers for key, value in layer.grads.items()}

    def count_params(self) -> int:
        return sum(layer.parameter_count() for layer in self.layers)

    # ------------------------------------------------------------------------------ computation
    def _check_input(self, x: np.ndarray, argument: str = "x") -> np.ndarray:
        if not isinstance(x, np.ndarray):
            x = np.asarray(x)
        if not self.built:
            self.build(x.shape[1:])
        if x.ndim != len(self.input_shape) + 1 or x.shape[1:] != self.input_shape:
            raise ValueError(f"{argument} must have shape (N, {', '.join(map(str, self.input_shape))}),"
                             f" got {x.shape}")
        if not np.issubdtype(x.dtype, np.floating):
            raise ValueError(f"{argument} must hold floating-point images scaled to [0, 1], got "
                             f"dtype {x.dtype} (see scratchnet.data.mnist.to_float_images)")
        return x

    def _check_labels(self, y: np.ndarray, count: int, argument: str = "y") -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != count:
            raise ValueError(f"{argument} must hold {count} integer labels, got shape {y.shape}")
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"{argument} must hold integer labels, got dtype {y.dtype}")
        classes = self.output_shape[-1]
        if count and (y.min() < 0 or y.max() >= classes):
            raise ValueError(f"{argument} must hold labels in 0..{classes - 1}, "
                             f"found {y.min()}..{y.max()}")
        return y

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Every layer's forward pass in turn: the logits (N, classes), or the probabilities
        if the model ends in Softmax."""
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        """Every layer's backward pass from dL/d(output), last layer first, filling each
        layer's ``grads``; returns dL/dx (None when the first layer does not compute it)."""
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def gradients(self, x: np.ndarray, y: np.ndarray,
                  mean_over: int | None = None) -> tuple[float, int]:
        """The gradient part of a training step: forward with dropout on, the loss, backward.

        Leaves dL/dparam in every layer's ``grads`` and returns the mean loss over x and the
        number of samples classified correctly. ``mean_over`` (default ``len(x)``) is how many
        samples the loss is the mean of: a data-parallel worker passing the whole batch's size
        gets its rows' share of the batch's gradients.

        Args:
            x: images (N, H, W, C), floating point.
            y: integer labels (N,).
            mean_over: the size of the whole batch these rows belong to.
        """
        out = self.forward(x, training=True)
        loss = self.loss.forward(out, y)
        correct = int((out.argmax(axis=1) == y).sum())
        self.backward(self.loss.backward(mean_over=mean_over))
        return loss, correct

    def train_on_batch(self, x: np.ndarray, y: np.ndarray) -> float:
        """One forward, backward and optimizer step (``Trainer.train_step``, on this thread);
        returns the batch's mean loss.

        Args:
            x: images (N, H, W, C), floating point in [0, 1].
            y: integer labels (N,).
        """
        x = self._check_input(x)
        y = self._check_labels(y, len(x))
        return Trainer(self).train_step(x, y)[0]

    def predict_logits(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """The last layer's outputs (N, classes), in a new array the caller owns.

        Args:
            x: images (N, H, W, C), floating point in [0, 1].
            batch_size: images per forward pass.
        """
        x = self._check_input(x)
        if len(x) == 0:
            return np.empty((0, *self.output_shape), np.result_type(x, *self.params.values()))
        first = self.forward(x[:batch_size])
        out = np.empty((len(x), *first.shape[1:]), dtype=first.dtype)
        out[:len(first)] = first
        for i in range(batch_size, len(x), batch_size):
            out[i:i + batch_size] = self.forward(x[i:i + batch_size])
        return out

    def predict(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Class probabilities (N, classes), each row summing to 1.

        Args:
            x: images (N, H, W, C), floating point in [0, 1].
            batch_size: images per forward pass.
        """
        out = self.predict_logits(x, batch_size)
        return out if isinstance(self.layers[-1], Softmax) else softmax(out)

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> tuple[float, float]:
        """Mean cross-entropy loss and accuracy (a fraction) over (x, y).

        Args:
            x: images (N, H, W, C), floating point in [0, 1].
            y: integer labels (N,).
            batch_size: images per forward pass.
        """
        x = self._check_input(x)
        y = self._check_labels(y, len(x))
        if len(x) == 0:
            raise ValueError("cannot evaluate on an empty set")
        return score(self.predict_logits(x, batch_size), y)

    def input_gradient(self, x: np.ndarray, output_grad: np.ndarray) -> np.ndarray:
        """d(sum(output * output_grad))/dx in inference mode: e.g. a saliency map.

        ``output_grad`` (N, classes) weights the last layer's outputs (the logits, unless the
        model ends in Softmax); a one-hot row gives the gradient of that class score with
        respect to the input pixels. Like any backward pass it overwrites the layers' ``grads``.

        Args:
            x: images (N, H, W, C), floating point.
            output_grad: (N, classes) weights of the last layer's outputs.
        """
        x = self._check_input(x)
        first = self.layers[0]
        self.forward(x, training=False)
        first.needs_input_grad = True
        try:
            return self.backward(np.asarray(output_grad, dtype=x.dtype))
        finally:
            first.needs_input_grad = False

    def feature_maps(self, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """Each layer's output for x in inference mode, as (layer name, array) pairs.

        Args:
            x: images (N, H, W, C), floating point in [0, 1].
        """
        x = self._check_input(x)
        maps = []
        for layer in self.layers:
            x = layer.forward(x, training=False)
            maps.append((layer.name, x))
        return maps

    # ---------------------------------------------------------------------------------- training
    def fit(self, x: np.ndarray, y: np.ndarray, epochs: int = 1, batch_size: int = 128,
            validation_data: tuple[np.ndarray, np.ndarray] | None = None,
            callbacks: Sequence[Callback] = (), shuffle: bool = True, resume: bool = False,
            augment: Augment | None = None, workers: int | None = None) -> History:
        """Train for ``epochs`` epochs of mini-batches and return the per-epoch History.

        The inputs are checked here; the epochs run in the training loop
        (``scratchnet.nn.trainer.training_loop``). A callback can set
        ``model.stop_training = True`` to stop after the current batch. Results depend on the
        number of workers only through the rounding of sums.

        Args:
            x: training images (N, H, W, C), floating point in [0, 1].
            y: integer labels (N,).
            epochs: epochs in all (with ``resume``, counting those already done).
            batch_size: samples per optimizer step.
            validation_data: ``(x_val, y_val)``, evaluated after every epoch as ``val_loss``
                and ``val_acc``.
            callbacks: ``Callback`` objects, called at the start and end of training, of every
                epoch and after every batch.
            shuffle: a new random sample order every epoch (else the order of x).
            resume: continue from ``self.train_state`` (as ``load_model`` restores it from a
                checkpoint), even from the middle of an epoch; the result is identical to an
                uninterrupted run with as many workers.
            augment: ``augment(batch, rng) -> batch``, applied to every training batch.
            workers: threads that share each batch (``scratchnet.nn.parallel.worker_count``);
                by default one per core when NumPy's BLAS can be held to one thread each, else
                one; plain layers and optimizers train on one.
        """
        x = self._check_input(x)
        y = self._check_labels(y, len(x))
        non_negative_int(epochs, "epochs")
        positive_int(batch_size, "batch_size")
        if len(x) == 0:
            raise ValueError("cannot fit on an empty training set")
        if validation_data is not None:
            val_x = self._check_input(validation_data[0], "validation images")
            validation_data = (val_x, self._check_labels(validation_data[1], len(val_x),
                                                         "validation labels"))
        if self.optimizer is None:
            self.compile()
        if not resume:
            self.train_state = TrainState()
        batches = EpochBatches(x, y, batch_size, self.rng, shuffle, self.train_state)
        return training_loop(self, batches, epochs, workers, callbacks, augment,
                             validation_data)

    # ---------------------------------------------------------------------------------- summary
    def summary(self, print_fn: Callable[[str], None] = print) -> None:
        """Print each layer's output shape and parameter count, as Keras does.

        Args:
            print_fn: called with each line of the table.
        """
        if not self.built:
            raise ValueError("the model is not built yet: pass input_shape or call build()")
        rows = [("Layer (type)", "Output Shape", "Param #")]
        shape = self.input_shape
        for layer in self.layers:
            shape = layer.output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", str((None, *shape)),
                         f"{layer.parameter_count():,}"))
        widths = [max(len(row[i]) for row in rows) + 3 for i in range(3)]
        line = "-" * sum(widths)
        print_fn(line)
        for index, row in enumerate(rows):
            print_fn("".join(cell.ljust(width) for cell, width in zip(row, widths)))
            print_fn("=" * sum(widths) if index == 0 else line)
        print_fn(f"Total params: {self.count_params():,}")

    # ------------------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike, metadata: dict | None = None) -> None:
        """Write the model to one ``.npz`` file, atomically: a crash never leaves half a file.

        The file (``scratchnet.nn.saving``) holds the architecture (JSON), the weights, the
        optimizer's state, the random generator's state, where training stands, and
        ``metadata`` (any JSON-able dict). ``load_model`` reads it back.

        Args:
            path: where to write; its folder is created if need be.
            metadata: stored as it is and returned by ``load_model`` as ``model.metadata``.
        """
        saving.save_model(self, path, metadata)
