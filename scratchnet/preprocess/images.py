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
``ImageFileError`` before a large image is decoded. Drawings, which come as strokes, reach
``to_mnist`` through ``scratchnet.preprocess.rendering.strokes_to_mnist``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image

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
    ink = ink_of(image)
    contrast = float(ink.max())
    is_ink = ink > INK_THRESHOLD * contrast
    rows = np.flatnonzero(is_ink.any(axis=1))
    cols = np.flatnonzero(is_ink.any(axis=0))
    box = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    patch = _fit_in_box(box)
    canvas = np.zeros((MNIST_SIZE, MNIST_SIZE), np.float32)
    top, left = _centring_offset(patch)
    canvas[top:top + patch.shape[0], left:left + patch.shape[1]] = patch
    return canvas / canvas.max()


def ink_of(image: ImageLike) -> np.ndarray:
    """How much ink each pixel of a picture holds: float32 (H, W), 0 on the background, up to
    the picture's contrast (the ``ink`` step of the module docstring), whatever the polarity.

    Takes what ``to_mnist`` takes; raises ``BlankImageError`` when no pixel differs from the
    background by ``MIN_CONTRAST`` or more.
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
    return ink


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


