"""The layers: each module opens with its forward and backward equations."""

from scratchnet.layers.activations import ReLU, Softmax
from scratchnet.layers.base import Layer
from scratchnet.layers.conv import Conv2D
from scratchnet.layers.dense import Dense, Flatten
from scratchnet.layers.dropout import Dropout
from scratchnet.layers.pool import MaxPool2D

__all__ = ["Layer", "Conv2D", "MaxPool2D", "Dense", "Flatten", "Dropout", "ReLU", "Softmax"]
