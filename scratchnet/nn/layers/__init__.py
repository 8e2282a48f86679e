"""The layers: each module opens with its forward and backward equations."""

from scratchnet.nn.layers.activations import ReLU, Softmax
from scratchnet.nn.layers.base import Layer
from scratchnet.nn.layers.conv import Conv2D
from scratchnet.nn.layers.dense import Dense, Flatten
from scratchnet.nn.layers.dropout import Dropout
from scratchnet.nn.layers.pool import MaxPool2D

__all__ = ["Layer", "Conv2D", "MaxPool2D", "Dense", "Flatten", "Dropout", "ReLU", "Softmax"]
