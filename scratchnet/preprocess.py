"""Turn any picture of one digit into a 28x28 image that looks like an MNIST digit.

The network only reads digits prepared the way MNIST's were. LeCun, Cortes and Burges describe
it (http://yann.lecun.com/exdb/mnist/): the digits "were size normalized to fit in a 20x20 pixel
box while preserving their aspect ratio" (with anti-aliasing, hence grey levels), then "centered
in a 28x28 image by computing the center of mass of the pixels, and translating the image so as
to position this point at the center of the 28x28 field". ``to_mnist`` repeats those steps:

    gray  = luma of the picture, in [0, 1]; transparent pixels are shown on a white page
            (black if the visible pixels are mostly light), so they become background
    back  = the level of the outermost ring of pixels: its median says light or dark (a stroke
            touching the edge is outvoted), its upper or lower quartile how light or dark
    ink   = back - gray if the background is light else gray - back,  clipped at 0
    box   = bounding box of the pixels with ink > 25% of the largest ink  (noise is not ink)
    patch = box resized so its longest side is 20 px, aspect ratio kept (averaging areas)
    out   = patch pasted in 28x28 with its centre of mass at row 14, column 14, / its maximum

so the result has white (1) ink on black (0). Row and column 14 (counting from 0) is where the
published digits have it: the 10,000 test digits average (13.99, 14.01), all within 13.5..14.5.
The shift is a whole number of pixels, as in MNIST, and is clipped so the digit stays inside.

``load_image`` opens files for it, refusing anything that is not a usable image with
``ImageFileError`` before a large image is decoded.

Drawings come as strokes, not pictures. ``strokes_to_mnist`` is the one path from the strokes the
drawing app records (and saves) to the network's input, used by the app, by fine-tuning and by
evaluation. It draws the strokes with a round pen and hands the picture to ``to_mnist``, but it
does not keep the brush the user chose: it draws with a pen as thick, relative to the size of
the digit, as the pens of MNIST's writers were (``PEN_TO_SIZE``), so that a digit drawn small or
large, with a fine or a broad brush, reaches the network as the same image:

    size  = longest side of the bounding box of the stroke points (canvas pixels), at least the
            widest brush (a dot has no size of its own), the box clipped to the canvas
    pen   = PEN_TO_SIZE * size
    image = the strokes, scaled so that size = STROKE_RENDER_SIZE pixels, drawn with the scaled
            pen (round caps and joins) on a black page, only what lies on the canvas
    out   = to_mnist(image)

How thick MNIST's strokes are was measured with ``stroke_thickness`` (ink area over half the
outline's length) on the 60,000 training digits: a median of 2.36 px (10th-90th percentile
1.75-3.26) in digits whose longest side is 20 px. The pen adds half its width at either end of
the digit, so a pen of t px in a 20 px digit is t / (20 - t) = 2.36 / 17.64 = 0.134 of the
size of the stroke points' bounding box. Measured the same way on what ``strokes_to_mnist``
makes of the 1,300 drawings of the dev set (../shared/drawn/, drawn with a 20 px brush, digits
200 px tall) the median is 2.34 px at any size; with the brush as drawn it is 1.83 px, and 3.33
and 4.96 px when the same digits are drawn 100 and 60 px tall. ``strokes_to_mnist(...,
pen="drawn")`` keeps each stroke's own width, as the screen shows it, for measuring.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Sequence, Union

import numpy as np
from PIL import Image, ImageDraw

from scratchnet.nn.checks import is_integer, is_real

# Above this, an image is refused before it is decoded. A 40-megapixel picture is larger than a
# page scanned at 600 dpi (35 Mpx) and than most phone photos; decoding it and the float copies
# ``to_mnist`` makes take under 1 GB. Larger files are more likely a mistake, or a tiny file whose
# header asks for gigabytes (a "decompression bomb"), than a digit.
MAX_PIXELS = 40_000_000

MNIST_SIZE = 28        # side of the output image
BOX_SIZE = 20          # longest side of the digit inside it
CENTRE = 14.0          # row and column of the centre of mass, counting pixels from 0
MIN_CONTRAST = 0.1     # below this (of the full range) no pixel is ink: noise, paper texture
INK_THRESHOLD = 0.25   # share of the largest ink a pixel needs to count for the bounding box
LIGHT_INK = 0.75       # visible pixels lighter than this on average are light ink on transparency

# Strokes (see the module docstring for how these were chosen).
MNIST_STROKE_THICKNESS = 2.36      # median ``stroke_thickness`` of the MNIST training digits, px
PEN_TO_SIZE = MNIST_STROKE_THICKNESS / (BOX_SIZE - MNIST_STROKE_THICKNESS)     # = 0.134
STROKE_RENDER_SIZE = 200           # strokes are drawn at this size (px) before to_mnist shrinks
                                   # them 10-fold, averaging areas: smooth grey edges
PEN_CHOICES = ("mnist", "drawn")
INK = 255                          # strokes are white on black, the polarity of MNIST
PAPER = 0

# EXIF orientation tag values and the transposition that puts the picture upright (how phones
# record a photo taken sideways).
_EXIF_ORIENTATION = 0x0112
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
            6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}

ImageLike = Union[Image.Image, np.ndarray]


class BlankImageError(ValueError):
    """The image holds no ink: every pixel is (nearly) the background colour."""


class ImageFileError(ValueError):
    """A file is not a usable image; the message names the file and what was wrong."""


def load_image(path: str | os.PathLike) -> Image.Image:
    """Open an image file and decode it fully, refusing anything that is not a usable image.

    The size in the file's header is checked before any pixel is decoded: more than
    ``MAX_PIXELS`` pixels, or a width or height of 0, is refused. Of an animated image (GIF,
    APNG, WebP) the first frame is returned. A photo's EXIF orientation is applied, so the digit
    stands upright as it does in a photo viewer. The image keeps its mode (L, RGB, RGBA, P, 1,
    CMYK, I;16, I, F, ...); ``to_mnist`` reads them all.

    Raises
    ------
    ImageFileError
        The path is missing or a directory, the file is not an image Pillow can read, it is
        truncated or damaged, or it is empty or too large.
    """
    name = os.fspath(path)             # named in messages as the caller spelled it
    path = Path(path)
    if path.is_dir():
        raise ImageFileError(f"{name}: is a directory, not an image file")
    if not path.exists():
        raise ImageFileError(f"{name}: no such file")
    if not path.is_file():
        raise ImageFileError(f"{name}: not a regular file")
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own limit and raises above twice it; ours is lower, but
            # refuse in either case rather than print a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:       # reads the header only
                _check_size(name, image.size)
                image.load()                      # the first frame, for an animation
                _check_size(name, image.size)
                orientation = _orientation(image)
                if orientation in _UPRIGHT:
                    image = image.transpose(_UPRIGHT[orientation])
            return image
    except ImageFileError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageFileError(f"{name}: the image is too large, more than the limit of "
                             f"{MAX_PIXELS:,} pixels; not decoding it ({error})") from error
    except PermissionError as error:
        raise ImageFileError(f"{name}: cannot open it: {error.strerror}") from error
    except Image.UnidentifiedImageError as error:
        raise ImageFileError(f"{name}: not a readable image: its format is not one Pillow knows, "
                             "or its header is invalid (e.g. a width or height of 0)") from error
    except Exception as error:
        # A damaged file can make a decoder raise nearly anything (OSError for truncated data,
        # SyntaxError, struct.error, IndexError, ...): all mean the file cannot be used.
        raise ImageFileError(f"{name}: cannot be read as an image, it may be truncated or "
                             f"damaged ({type(error).__name__}: {error})") from error


def _orientation(image: Image.Image) -> int | None:
    """The EXIF orientation tag, or None; damaged EXIF data does not make the picture unusable."""
    try:
        return image.getexif().get(_EXIF_ORIENTATION)
    except Exception:
        return None


def _check_size(name: str, size: tuple[int, int]) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ImageFileError(f"{name}: the image is {width}x{height} pixels; it holds nothing")
    if width * height > MAX_PIXELS:
        raise ImageFileError(f"{name}: the image is {width}x{height} = {width * height:,} pixels, "
                             f"more than the limit of {MAX_PIXELS:,}; not decoding it")


def to_mnist(image: ImageLike) -> np.ndarray:
    """Make a picture of one digit look like an MNIST digit (see the module docstring).

    Parameters
    ----------
    image : PIL.Image.Image or numpy.ndarray
        Any size and any Pillow mode; or an array (H, W), (H, W, 1) grey, (H, W, 2) grey and
        alpha, (H, W, 3) RGB or (H, W, 4) RGBA, of uint8 (0-255), uint16 (0-65535), bool, or
        floats in [0, 1]. Other numbers are read as 0-1, 0-255 or 0-65535, whichever is the
        smallest range that holds the largest value. Dark ink on light paper and light ink on a
        dark background both work; transparent pixels count as background.

    Returns
    -------
    numpy.ndarray
        float32, shape (28, 28), values in [0, 1], white ink (1) on black (0), maximum 1.

    Raises
    ------
    BlankImageError
        No pixel differs from the background by ``MIN_CONTRAST`` or more.
    ValueError
        The array has an unsupported shape or holds NaN or infinity.
    """
    gray = _grayscale(image)
    ring = np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])
    background = _background(ring)
    # In place (gray is a copy made above): for a large photo it is the biggest array here.
    if background < 0.5:
        ink = np.subtract(gray, background, out=gray)      # light ink on a dark background
    else:
        ink = np.subtract(background, gray, out=gray)      # dark ink on light paper
    np.maximum(ink, 0, out=ink)
    contrast = float(ink.max())
    if contrast < MIN_CONTRAST:
        raise BlankImageError(f"the image is blank: no pixel differs from the background by "
                              f"{MIN_CONTRAST:.0%} or more (largest difference {contrast:.1%})")
    is_ink = ink > INK_THRESHOLD * contrast
    rows = np.flatnonzero(is_ink.any(axis=1))
    cols = np.flatnonzero(is_ink.any(axis=0))
    box = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    patch = _fit_in_box(box)
    canvas = np.zeros((MNIST_SIZE, MNIST_SIZE), np.float32)
    top, left = _centring_offset(patch)
    canvas[top:top + patch.shape[0], left:left + patch.shape[1]] = patch
    return canvas / canvas.max()


def to_network_input(digits: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
    """Stack 28x28 digits from ``to_mnist`` into the model's input, float32 (N, 28, 28, 1).

    ``digits`` is one (28, 28) array, an (N, 28, 28) array, or a sequence of (28, 28) arrays.
    """
    batch = np.asarray(digits, dtype=np.float32)
    if batch.ndim == 2:
        batch = batch[np.newaxis]
    if batch.ndim != 3 or batch.shape[1:] != (MNIST_SIZE, MNIST_SIZE):
        raise ValueError(f"expected 28x28 digits, shape (28, 28) or (N, 28, 28), got {batch.shape}")
    return batch[..., np.newaxis]


def stroke_thickness(images: np.ndarray) -> np.ndarray:
    """How thick the strokes of each digit are, in pixels: ink area over half the outline's length.

    A stroke of length L and thickness t covers L * t pixels and is outlined by about 2 L of
    edge (both sides; its two ends add 2 t, a loop's inside counts as a side), so t is about
    2 * area / outline. Both are read off grey levels, so anti-aliased edges count in part:

        area    = sum of the pixel values
        outline = sum over pixels of |gradient| (forward differences, the image padded with 0)

    Parameters
    ----------
    images : (N, H, W) or (H, W), ink high (1 or 255) on 0.

    Returns
    -------
    numpy.ndarray
        float64 (N,), or a 0-d array for one image; NaN for an image without ink.
    """
    batch = np.asarray(images, dtype=np.float64)
    single = batch.ndim == 2
    if single:
        batch = batch[np.newaxis]
    if batch.ndim != 3:
        raise ValueError(f"expected images (N, H, W) or (H, W), got shape {batch.shape}")
    padded = np.pad(batch, ((0, 0), (1, 1), (1, 1)))
    across = np.diff(padded, axis=2)[:, :-1, :]
    down = np.diff(padded, axis=1)[:, :, :-1]
    outline = np.sqrt(across ** 2 + down ** 2).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        thickness = 2 * batch.sum(axis=(1, 2)) / outline
    return thickness[0] if single else thickness


Point = tuple[float, float]


def strokes_to_mnist(strokes: Sequence[dict], canvas: tuple[int, int] = (280, 280),
                     pen: str = "mnist") -> np.ndarray:
    """The network's input for a drawing given as strokes (see the module docstring).

    Parameters
    ----------
    strokes : list of ``{"width": w, "points": [[x, y], ...]}``
        What the drawing app records and saves: each stroke's brush width and the points the
        pen passed through, in canvas pixels (x to the right, y down, from the top-left corner).
    canvas : (width, height)
        The canvas, in whole pixels; ink beyond it is not part of the drawing.
    pen : "mnist" or "drawn"
        "mnist" (the default, what the app reads): a pen ``PEN_TO_SIZE`` times the digit's
        size, whatever the brush. "drawn": each stroke's own brush width, drawn on the canvas
        pixel for pixel, as the screen shows it (for measuring what the brush does).

    Returns
    -------
    numpy.ndarray
        float32 (28, 28) in [0, 1], white ink on black, maximum 1, as ``to_mnist``.

    Raises
    ------
    BlankImageError
        No strokes, or no ink on the canvas (every point far outside it).
    ValueError
        A stroke is not ``{"width": positive number, "points": non-empty list of [x, y]}``, a
        number is NaN or infinite, the canvas is not two whole numbers above 0, or ``pen`` is
        neither choice. The message names the stroke and point.
    """
    checked = check_strokes(strokes)
    size = _check_canvas_size(canvas)
    if pen not in PEN_CHOICES:
        raise ValueError(f"pen must be one of {', '.join(map(repr, PEN_CHOICES))}, got {pen!r}")
    if not checked:
        raise BlankImageError("the drawing is empty: there are no strokes")
    if pen == "drawn":
        return to_mnist(render_strokes(checked, size))
    return to_mnist(_render_normalised(checked, size))


def check_strokes(strokes, name: str = "strokes") -> list[dict]:
    """Strokes as plain data, ``[{"width": float, "points": [(x, y), ...]}, ...]``, or a
    ``ValueError`` naming the first stroke or point that is not right. An empty list is allowed
    (an empty drawing); a stroke with no points is not."""
    if not isinstance(strokes, (list, tuple)):
        raise ValueError(f"{name} must be a list of {{'width': ..., 'points': [[x, y], ...]}}, "
                         f"got {type(strokes).__name__}")
    result = []
    for index, stroke in enumerate(strokes):
        where = f"{name}[{index}]"
        if not isinstance(stroke, dict) or set(stroke) != {"width", "points"}:
            keys = sorted(stroke) if isinstance(stroke, dict) else type(stroke).__name__
            raise ValueError(f"{where} must be a dict with the keys 'width' and 'points', "
                             f"got {keys}")
        width = stroke["width"]
        if not is_finite_number(width) or width <= 0:
            raise ValueError(f"{where}['width'] must be a finite number above 0, got {width!r}")
        points = stroke["points"]
        if not isinstance(points, (list, tuple, np.ndarray)) or len(points) == 0:
            raise ValueError(f"{where}['points'] must be a non-empty list of [x, y], "
                             f"got {points!r}")
        for point_index, point in enumerate(points):
            if not (isinstance(point, (list, tuple, np.ndarray)) and len(point) == 2
                    and all(is_finite_number(value) for value in point)):
                raise ValueError(f"{where}['points'][{point_index}] must be [x, y] with finite "
                                 f"numbers, got {point!r}")
        result.append({"width": float(width),
                       "points": [(float(x), float(y)) for x, y in points]})
    return result


def is_finite_number(value) -> bool:
    """A real number (not a bool) that is neither NaN nor infinite."""
    if not is_real(value):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:               # an integer too large for a float
        return False


def _check_canvas_size(canvas) -> tuple[int, int]:
    if not (isinstance(canvas, (list, tuple)) and len(canvas) == 2
            and all(is_integer(value) and value > 0 for value in canvas)):
        raise ValueError(f"canvas must be (width, height) in whole pixels above 0, "
                         f"got {canvas!r}")
    return int(canvas[0]), int(canvas[1])


def draw_dot(draw: ImageDraw.ImageDraw, point: Point, width: float) -> None:
    """A round spot of the pen, ``width`` across, centred on ``point``."""
    x, y = point
    radius = width / 2
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=INK)


def draw_segment(draw: ImageDraw.ImageDraw, start: Point, end: Point, width: float) -> None:
    """The pen dragged from ``start`` to ``end``: a line and a round cap at ``end``."""
    draw.line([start, end], fill=INK, width=max(1, round(width)))
    draw_dot(draw, end, width)


def render_strokes(strokes: Sequence[dict], size: tuple[int, int], scale: float = 1.0,
                   origin: Point = (0.0, 0.0), pen: float | None = None) -> Image.Image:
    """Checked strokes drawn with a round pen on a black "L" image of ``size`` (width, height).

    A point (x, y) lands on ((x - origin x) * scale, (y - origin y) * scale); the pen is each
    stroke's width, or ``pen`` for all of them, times ``scale``. Every point gets a dot of the
    pen's width and consecutive points a line between them: round caps and joins, so a single
    click leaves a dot and sharp turns leave no notches.
    """
    image = Image.new("L", size, PAPER)
    draw = ImageDraw.Draw(image)
    left, top = origin
    for stroke in strokes:
        width = (stroke["width"] if pen is None else pen) * scale
        points = [((x - left) * scale, (y - top) * scale) for x, y in stroke["points"]]
        draw_dot(draw, points[0], width)
        for start, end in zip(points, points[1:]):
            draw_segment(draw, start, end, width)
    return image


def _render_normalised(strokes: list[dict], canvas: tuple[int, int]) -> Image.Image:
    """The strokes scaled to ``STROKE_RENDER_SIZE`` with a pen ``PEN_TO_SIZE`` of the digit's
    size: the part of the canvas around the digit, as an image."""
    points = np.array([point for stroke in strokes for point in stroke["points"]])
    # The box of the points that the canvas shows: a stroke that runs off the canvas is cut.
    low = np.clip(points.min(axis=0), 0, canvas)
    high = np.clip(points.max(axis=0), 0, canvas)
    size = max(float((high - low).max()), max(stroke["width"] for stroke in strokes))
    pen = PEN_TO_SIZE * size
    margin = 0.75 * pen         # room for the pen, the same in the image at every size
    left, top = np.maximum(low - margin, 0)
    right, bottom = np.minimum(high + margin, canvas)
    scale = STROKE_RENDER_SIZE / size
    width = max(1, math.ceil((right - left) * scale))
    height = max(1, math.ceil((bottom - top) * scale))
    return render_strokes(strokes, (width, height), scale, (float(left), float(top)), pen)


def slant(digits: np.ndarray) -> np.ndarray:
    """How far each digit leans: columns moved per row down, from its second moments.

    For a digit's intensities I over rows r and columns c, with means r0 and c0,
    ``slant = sum (r - r0)(c - c0) I / sum (r - r0)^2 I``: the slope of the least-squares line
    c(r) through the ink. Negative when the top leans right (rows count downwards).
    ``digits`` (N, H, W) or (N, H, W, 1); returns (N,) float64 (0 for a blank image).
    """
    images = np.asarray(digits, dtype=np.float64).reshape(len(digits), *np.shape(digits)[1:3])
    height, width = images.shape[1:]
    rows = np.arange(height, dtype=np.float64)[None, :, None]
    cols = np.arange(width, dtype=np.float64)[None, None, :]
    mass = images.sum(axis=(1, 2))
    safe = np.where(mass > 0, mass, 1)
    row_mean = (images * rows).sum(axis=(1, 2)) / safe
    col_mean = (images * cols).sum(axis=(1, 2)) / safe
    dr = rows - row_mean[:, None, None]
    dc = cols - col_mean[:, None, None]
    covariance = (images * dr * dc).sum(axis=(1, 2))
    spread = (images * dr * dr).sum(axis=(1, 2))
    return np.divide(covariance, spread, out=np.zeros_like(covariance), where=spread > 0)


def deslant(digits: np.ndarray) -> np.ndarray:
    """Stand each digit upright: shear its rows sideways by its ``slant``, about the row of its
    centre of mass, as LeCun et al.'s "deskewed" MNIST results do (the second moments give the
    shear that makes the ink's principal axis vertical).

    ``out[r, c] = in[r, c + slant (r - r0)]``, interpolated linearly along the row, zero
    outside. ``digits`` (N, H, W) or (N, H, W, 1) floats; returns a new array of the same shape
    and dtype.
    """
    digits = np.asarray(digits)
    images = digits.reshape(len(digits), *digits.shape[1:3])
    count, height, width = images.shape
    shear = slant(images)
    mass = images.sum(axis=(1, 2), dtype=np.float64)
    rows = np.arange(height, dtype=np.float64)
    row_mean = (images.sum(axis=2) @ rows) / np.where(mass > 0, mass, 1)
    source = (np.arange(width)[None, None, :]
              + (shear[:, None] * (rows[None, :] - row_mean[:, None]))[:, :, None])  # (N, H, W)
    source = np.clip(source, -1, width)
    left = np.floor(source)
    weight = (source - left).astype(images.dtype)
    padded = np.zeros((count, height, width + 3), dtype=images.dtype)   # zero border: -1, W, W+1
    padded[:, :, 1:width + 1] = images
    index = left.astype(np.intp) + 1
    before = np.take_along_axis(padded, index, axis=2)
    after = np.take_along_axis(padded, index + 1, axis=2)
    return ((1 - weight) * before + weight * after).reshape(digits.shape)


def _grayscale(image: ImageLike) -> np.ndarray:
    """Luma (H, W) float32 in [0, 1], a new array; transparent pixels are shown on a page."""
    if isinstance(image, Image.Image):
        gray, alpha = _pillow_pixels(image)
    else:
        gray, alpha = _array_pixels(np.asarray(image))
    if gray.size == 0:
        raise ValueError(f"the image is empty: shape {gray.shape}")
    if alpha is not None and alpha.min() < 1:
        # Show the picture on a page, as a viewer does: a white one, unless the visible pixels
        # are mostly light (white ink made for a dark background), then a black one. White is
        # favoured because dark ink often keeps a wide light fringe from the paper it was drawn
        # on (a GIF whose white was made transparent): its visible pixels average near 0.5.
        opacity = float(alpha.sum())
        if opacity == 0:
            raise BlankImageError("the image is blank: every pixel is fully transparent")
        paper = 0.0 if float((gray * alpha).sum()) / opacity > LIGHT_INK else 1.0
        gray = gray * alpha + paper * (1 - alpha)
    return gray


def _pillow_pixels(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        return _unit_range(np.asarray(image)), None
    try:
        if image.mode in ("LA", "La", "PA", "RGBA", "RGBa") or "transparency" in image.info:
            pixels = np.asarray(image.convert("LA"), dtype=np.float32)
            pixels /= 255
            return pixels[..., 0], pixels[..., 1]
        pixels = np.asarray(image.convert("L"), dtype=np.float32)
        pixels /= 255
        return pixels, None
    except ValueError as error:      # e.g. LAB, which Pillow cannot turn into luma
        raise ValueError(f"cannot read images of mode {image.mode}: {error}") from error


def _array_pixels(array: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if array.ndim == 3 and array.shape[2] in (1, 2, 3, 4):
        channels = array.shape[2]
    elif array.ndim == 2:
        channels = 0
    else:
        raise ValueError(f"expected an image array (H, W) or (H, W, C) with C in 1..4, got shape "
                         f"{array.shape}")
    pixels = _unit_range(array)
    if channels == 0:
        return pixels, None
    colour = pixels[..., :3 if channels >= 3 else 1]
    alpha = pixels[..., channels - 1] if channels in (2, 4) else None
    # ITU-R 601-2 luma, as Pillow's convert("L").
    gray = colour @ np.array([0.299, 0.587, 0.114], np.float32) if channels >= 3 else colour[..., 0]
    return gray, alpha


def _unit_range(array: np.ndarray) -> np.ndarray:
    """Scale numbers to float32 [0, 1]: uint8 by 255, uint16 by 65535, others by their range."""
    kind, size = array.dtype.kind, array.dtype.itemsize
    if kind == "b":
        return array.astype(np.float32)
    if kind == "u" and size <= 2:       # uint8, uint16 (either byte order, as in I;16B)
        return array.astype(np.float32) / (255 if size == 1 else 65535)
    if kind not in "uif":
        raise ValueError(f"expected numeric pixels, got dtype {array.dtype}")
    pixels = array.astype(np.float32)
    if pixels.size and not np.isfinite(pixels).all():
        raise ValueError("the image holds NaN or infinite values")
    largest = float(pixels.max()) if pixels.size else 0.0
    scale = next((top for top in (1.0, 255.0, 65535.0) if largest <= top), largest)
    np.clip(pixels / scale, 0, 1, out=pixels)
    return pixels


def _background(ring: np.ndarray) -> float:
    """The background's level from the outermost ring of pixels.

    The ring's median says whether the background is light or dark, so strokes crossing up to
    half the ring cannot turn it over. Its level is then the median of the ring's lighter (or
    darker) half, the upper (or lower) quartile: the grey edges of strokes that cross the ring
    would pull the median itself towards the ink.
    """
    return float(np.percentile(ring, 75 if np.median(ring) >= 0.5 else 25))


def _fit_in_box(box: np.ndarray) -> np.ndarray:
    """Resize so the longest side is ``BOX_SIZE``, keeping the aspect ratio: (h', w') float32."""
    height, width = box.shape
    scale = BOX_SIZE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # BOX averages the area each output pixel covers (anti-aliasing, as MNIST's); when the box
    # is smaller than 20 px it would copy pixels into blocks, so enlarge with BILINEAR instead.
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    patch = Image.fromarray(box.astype(np.float32)).resize(size, resample, reducing_gap=3.0)
    return np.asarray(patch)


def _centring_offset(patch: np.ndarray) -> tuple[int, int]:
    """Top-left corner that puts the patch's intensity-weighted centre of mass at CENTRE."""
    mass = float(patch.sum())
    height, width = patch.shape
    centre_row = float(patch.sum(axis=1) @ np.arange(height)) / mass
    centre_col = float(patch.sum(axis=0) @ np.arange(width)) / mass
    top = int(np.clip(np.floor(CENTRE - centre_row + 0.5), 0, MNIST_SIZE - height))
    left = int(np.clip(np.floor(CENTRE - centre_col + 0.5), 0, MNIST_SIZE - width))
    return top, left

