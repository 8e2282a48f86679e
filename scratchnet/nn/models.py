"""Ready-made architectures."""

from __future__ import annotations

from scratchnet.nn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from scratchnet.nn.model import Sequential

def reference_cnn(seed: int = 0, input_shape=(28, 28, 1), classes: int = 10) -> Sequential:
    """The tutorial's Keras MNIST network: 2,380,938 parameters for 28x28x1 inputs.

    Conv 32@3x3 ReLU -> Conv 64@3x3 ReLU -> MaxPool 2 -> Dropout .25 -> Flatten
    -> Dense 256 ReLU -> Dropout .5 -> Dense 10 (logits; softmax is fused into the loss)
    """
    return Sequential([
        Conv2D(32, 3, activation="relu"),
        Conv2D(64, 3, activation="relu"),
        MaxPool2D(2),
        Dropout(0.25),
        Flatten(),
        Dense(256, activation="relu"),
        Dropout(0.5),
        Dense(classes),
    ], input_shape=input_shape, seed=seed)


def small_cnn(seed: int = 0, input_shape=(28, 28, 1), classes: int = 10) -> Sequential:
    """A model that trains in seconds (tests, quick tries): ~98% on MNIST after one epoch."""
    return Sequential([
        Conv2D(8, 3, activation="relu"),
        MaxPool2D(2),
        Conv2D(16, 3, activation="relu"),
        MaxPool2D(2),
        Flatten(),
        Dense(64, activation="relu"),
        Dense(classes),
    ], input_shape=input_shape, seed=seed)
