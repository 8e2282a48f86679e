"""Making digits look like MNIST's, whatever they come as: a picture, or a drawing's strokes.

    images.py         any picture of one digit -> a 28x28 MNIST-style digit (to_mnist);
                      opening image files safely (load_image)
    strokes.py        the one stroke type (Stroke), its JSON record, checking strokes and canvases
    rendering.py      strokes drawn as the screen shows them (render_strokes) and as the network
                      reads them, with MNIST's pen (strokes_to_mnist)
    shape.py          how a digit is shaped: stroke_thickness, slant, deslant
    network_input.py  28x28 digits -> the network's batch (N, 28, 28, 1) (to_network_input)

The names below are the package's public interface (``from scratchnet.preprocess import
to_mnist``); code inside scratchnet imports each from the module that owns it.
"""

from scratchnet.preprocess.images import BlankImageError, ImageFileError, load_image, to_mnist
from scratchnet.preprocess.network_input import to_network_input
from scratchnet.preprocess.rendering import strokes_to_mnist
from scratchnet.preprocess.shape import deslant, slant, stroke_thickness
from scratchnet.preprocess.strokes import Stroke

__all__ = ["BlankImageError", "ImageFileError", "Stroke", "deslant", "load_image", "slant",
           "stroke_thickness", "strokes_to_mnist", "to_mnist", "to_network_input"]
