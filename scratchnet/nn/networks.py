"""Ready-made architectures, built from the fast layers or (``plain=True``) their plain twins
in ``scratchnet.nn.plain``: the same seed gives the same initial weights either way."""

from __future__ import annotations

from scratchnet.nn import layers
from scratchnet.nn import plain as plain_layers
from scratchnet.nn.model import Sequential


def reference_cnn(seed: int = 0, input_shape=(28, 28, 1), classes: int = 10,
                  plain: bool = False) -> Sequential:
    """The tutorial's Keras MNIST network: 2,380,938 parameters for 28x28x1 inputs.

    Conv 32@3x3 ReLU -> Conv 64@3x3 ReLU -> MaxPool 2 -> Dropout .25 -> Flatten
    -> Dense 256 ReLU -> Dropout .5 -> Dense 10 (logits; softmax is fused into the loss)

    With ``plain=True`` the layers and the loss are the plain ones (``scratchnet.nn.plain``);
    compile the model with a plain optimizer too to train it (``training.runs.build_model`` does).
    """
    nn = plain_layers if plain else layers
    model = Sequential([
        nn.Conv2D(32, 3, activation="relu"),
        nn.Conv2D(64, 3, activation="relu"),
        nn.MaxPool2D(2),
        nn.Dropout(0.25),
        nn.Flatten(),
        nn.Dense(256, activation="relu"),
        nn.Dropout(0.5),
        nn.Dense(classes),
    ], input_shape=input_shape, seed=seed)
    if plain:
        model.loss = plain_layers.SoftmaxCrossEntropy()
    return model


def small_cnn(seed: int = 0, input_shape=(28, 28, 1), classes: int = 10,
              plain: bool = False) -> Sequential:
    """A model that trains in seconds (tests, quick tries): ~98% on MNIST after one epoch."""
    nn = plain_layers if plain else layers
    model = Sequential([
        nn.Conv2D(8, 3, activation="relu"),
        nn.MaxPool2D(2),
        nn.Conv2D(16, 3, activation="relu"),
        nn.MaxPool2D(2),
        nn.Flatten(),
        nn.Dense(64, activation="relu"),
        nn.Dense(classes),
    ], input_shape=input_shape, seed=seed)
    if plain:
        model.loss = plain_layers.SoftmaxCrossEntropy()
    return model
