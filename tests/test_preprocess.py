"""scratchnet.preprocess: drawings and photos of digits become MNIST-like, bad files are refused."""

import io
import struct
import time
import tracemalloc
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from scratchnet.data.mnist import to_float_images
from scratchnet.nn.loading import load_model

from scratchnet.preprocess.images import BlankImageError, ImageFileError, load_image, to_mnist
from scratchnet.preprocess.network_input import to_network_input

CANVAS = 280


def draw(digit: np.ndarray, side: int = 200, top: int = 40, left: int = 40) -> np.ndarray:
    """An MNIST digit (28, 28) as a person would draw it: black on a white 280x280 canvas, its
    28x28 field enlarged to ``side`` pixels at (top, left). uint8."""
    big = Image.fromarray(digit).resize((side, side), Image.Resampling.BILINEAR)
    paper = np.full((CANVAS, CANVAS), 255, np.uint8)
    paper[top:top + side, left:left + side] = 255 - np.asarray(big)
    return paper


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    mass = image.sum()
    return (float(image.sum(axis=1) @ np.arange(image.shape[0]) / mass),
            float(image.sum(axis=0) @ np.arange(image.shape[1]) / mass))


def bounding_box(image: np.ndarray) -> tuple[int, int]:
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


@pytest.fixture(scope="module")
def test_digits(mnist):
    """The first 1,000 MNIST test digits (uint8) and their labels."""
    _, (x_test, y_test) = mnist
    return x_test[:1000], y_test[:1000].astype(np.int64)


@pytest.fixture(scope="module")
def drawings(test_digits):
    """Each test digit drawn black on white at a random size (its field 140-280 px) and place,
    with a little noise on the paper and the ink (seeded)."""
    rng = np.random.default_rng(0)
    images = []
    for digit in test_digits[0]:
        side = int(rng.integers(140, CANVAS + 1))
        top, left = rng.integers(0, CANVAS - side + 1, size=2)
        noise = rng.integers(0, 8, (CANVAS, CANVAS), dtype=np.uint8)
        drawn = draw(digit, side, top, left)
        images.append(np.where(drawn > 127, drawn - noise, drawn + noise))
    return images


@pytest.fixture(scope="module")
def seven(mnist):
    """The first test digit, a 7, drawn black on white, as a Pillow L image."""
    _, (x_test, y_test) = mnist
    assert y_test[0] == 7
    return Image.fromarray(draw(x_test[0]))


# --------------------------------------------------------------------------------- real data
def test_model_reads_drawn_digits_within_1_5_points_of_the_originals(trained_model_path,
                                                                     test_digits, drawings):
    digits, labels = test_digits
    model = load_model(trained_model_path)
    _, original = model.evaluate(to_float_images(digits), labels)
    _, drawn = model.evaluate(to_network_input([to_mnist(image) for image in drawings]), labels)
    print(f"accuracy on the originals {original:.1%}, on the drawings after to_mnist {drawn:.1%}")
    assert original > 0.95
    assert drawn >= original - 0.015


def test_digits_are_20_pixels_tall_or_wide_with_centre_of_mass_at_14_14(drawings):
    for image in drawings[:200]:
        digit = to_mnist(image)
        assert digit.shape == (28, 28) and digit.dtype == np.float32
        assert digit.min() == 0 and digit.max() == 1
        row, col = centre_of_mass(digit)
        assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5
        assert max(bounding_box(digit > 0)) in (19, 20, 21)


# ------------------------------------------------------------------------------ blank input
@pytest.mark.parametrize("image", [
    np.full((280, 280), 255, np.uint8), np.zeros((280, 280), np.uint8),
    np.full((1, 1), 255, np.uint8), np.zeros((1, 1), np.uint8), np.full((50, 70), 0.5),
    Image.new("L", (64, 64), 128), Image.new("RGB", (30, 20), (200, 30, 90)),
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)), Image.new("1", (9, 9), 1),
    np.random.default_rng(0).integers(120, 136, (100, 100)).astype(np.uint8),
], ids=["white", "black", "1x1 white", "1x1 black", "uniform grey float", "grey L", "coloured",
        "fully transparent", "mode 1 white", "grey with noise"])
def test_blank_images_raise_blank_image_error(image):
    with pytest.raises(BlankImageError, match="blank"):
        to_mnist(image)


# ---------------------------------------------------------------------------- modes and files
def _as_mode(gray: Image.Image, mode: str) -> Image.Image:
    """The black-on-white drawing ``gray`` in another Pillow mode, looking the same."""
    if mode == "1":
        return gray.convert("1", dither=Image.Dither.NONE)
    if mode == "P transparent":
        # Ink keeps its grey; the white background becomes a transparent palette entry whose
        # colour is black, like the ink: only the transparency tells them apart.
        image = gray.convert("P")
        palette = image.getpalette()
        palette[255 * 3:256 * 3] = [0, 0, 0]
        image.putpalette(palette)
        image.info["transparency"] = 255
        return image
    if mode == "RGBA transparent":
        # Black ink whose opacity is the ink's strength on a transparent black background: a
        # naive conversion to grey sees a black square.
        ink = 255 - np.asarray(gray)
        return Image.fromarray(np.dstack([np.zeros_like(ink)] * 3 + [ink]))
    if mode == "RGBA white ink":
        ink = 255 - np.asarray(gray)
        return Image.fromarray(np.dstack([np.full_like(ink, 255)] * 3 + [ink]))
    if mode == "LA transparent":
        ink = Image.fromarray(255 - np.asarray(gray))
        return Image.merge("LA", [Image.new("L", gray.size, 0), ink])
    if mode == "I;16":
        return Image.fromarray(np.asarray(gray).astype(np.uint16) * 257)
    if mode == "I":
        return Image.fromarray(np.asarray(gray).astype(np.int32) * 257)
    if mode == "F":
        return gray.convert("F")                    # 0.0 to 255.0
    return gray.convert(mode)


# mode -> (file format that keeps it, the mode Pillow reads back, largest allowed difference)
MODES = {
    "1": ("PNG", "1", None), "L": ("PNG", "L", 1e-6), "P": ("PNG", "P", 1e-6),
    "P transparent": ("PNG", "P", 1e-6), "RGB": ("PNG", "RGB", 1e-6),
    "RGBA": ("PNG", "RGBA", 1e-6), "RGBA transparent": ("PNG", "RGBA", 1e-6),
    "RGBA white ink": ("PNG", "RGBA", 1e-6),
    "LA": ("PNG", "LA", 1e-6), "LA transparent": ("PNG", "LA", 1e-6),
    "I;16": ("PNG", "I;16", 1e-6), "I": ("TIFF", "I", 1e-6), "F": ("TIFF", "F", 1e-6),
    "CMYK": ("JPEG", "CMYK", 0.15), "YCbCr": ("JPEG", "RGB", 0.15),
}


@pytest.mark.parametrize("mode", MODES)
def test_every_image_mode_gives_the_same_digit_in_memory_and_from_a_file(mode, seven, tmp_path):
    file_format, mode_read, tolerance = MODES[mode]
    expected = to_mnist(seven)
    image = _as_mode(seven, mode)
    path = tmp_path / f"seven.{file_format.lower()}"
    image.save(path, file_format, **({"quality": 95} if file_format == "JPEG" else {}))
    loaded = load_image(path)
    assert loaded.mode == mode_read
    for digit in (to_mnist(image), to_mnist(loaded)):
        difference = np.abs(digit - expected)
        if tolerance is None:               # mode 1 is thresholded: sharper edges, same digit
            assert difference.mean() < 0.06
        else:
            assert difference.max() <= tolerance


def test_numpy_arrays_of_every_layout_and_type_give_the_same_digit(seven):
    gray = np.asarray(seven)
    expected = to_mnist(seven)
    ink = 255 - gray
    rgba_transparent = np.dstack([np.zeros_like(gray)] * 3 + [ink])
    arrays = {
        "H x W uint8": gray, "H x W x 1": gray[..., None], "H x W x 3": np.dstack([gray] * 3),
        "H x W x 4 opaque": np.dstack([gray] * 3 + [np.full_like(gray, 255)]),
        "H x W x 4 transparent": rgba_transparent,
        "H x W x 2 grey and alpha": np.dstack([gray, np.full_like(gray, 255)]),
        "float 0-1": gray / 255.0, "float32 0-1": (gray / 255).astype(np.float32),
        "float 0-255": gray.astype(np.float64), "int64 0-255": gray.astype(np.int64),
        "uint16": gray.astype(np.uint16) * 257, "non-contiguous": np.asfortranarray(gray),
    }
    for name, array in arrays.items():
        before = array.copy()
        assert np.abs(to_mnist(array) - expected).max() < 1e-2, name
        assert np.array_equal(array, before), f"{name}: the caller's array was changed"
    assert np.abs(to_mnist(gray > 127) - expected).mean() < 0.05      # bool: thresholded


@pytest.mark.parametrize("array, message", [
    (np.zeros((5, 5, 5)), "shape"), (np.zeros(10), "shape"), (np.zeros((2, 3, 4, 1)), "shape"),
    (np.zeros((0, 5)), "empty"), (np.full((5, 5), np.nan), "NaN"),
    (np.array([["a", "b"]]), "numeric"),
])
def test_arrays_that_are_not_images_raise_value_error(array, message):
    with pytest.raises(ValueError, match=message):
        to_mnist(array)


def test_light_on_dark_and_dark_on_light_give_the_same_digit(drawings):
    for image in drawings[:20]:
        assert np.allclose(to_mnist(image), to_mnist(255 - image), atol=1e-6)


def test_a_digit_touching_every_border_reads_as_with_a_margin(mnist):
    _, (x_test, _) = mnist
    for digit in x_test[[3, 10, 13]]:                                 # three zeros: round
        drawn = draw(digit)
        rows = np.flatnonzero((drawn < 128).any(axis=1))
        cols = np.flatnonzero((drawn < 128).any(axis=0))
        # Cut a few pixels into the strokes, as a photo cropped too tightly would.
        cut = drawn[rows[0] + 4:rows[-1] - 3, cols[0] + 4:cols[-1] - 3]
        ring = np.concatenate([cut[0], cut[-1], cut[:, 0], cut[:, -1]])
        assert 0.05 < (ring < 128).mean() < 0.5
        with_margin = np.pad(cut, 30, constant_values=255)
        assert np.abs(to_mnist(cut) - to_mnist(with_margin)).max() < 0.03


def test_a_stroke_along_a_whole_edge_does_not_make_the_background_dark(seven):
    drawn = np.asarray(seven).copy()
    drawn[:, :12] = 0                          # a quarter of the ring is ink
    digit = to_mnist(drawn)
    assert bounding_box(digit > 0)[0] == 20    # the stroke is ink, 20 px tall
    assert digit.mean() < 0.3                  # not the inverse (paper as ink, a full square)


def test_a_3x5_image_is_enlarged_to_20_pixels_tall():
    ink = np.array([[1, 1, 1], [0, 0, 1], [0, 1, 0], [0, 1, 0], [0, 1, 0]], bool)    # a 7
    digit = to_mnist(~ink)                                   # dark ink on light paper
    assert bounding_box(digit > 0) == (20, 12)
    row, col = centre_of_mass(digit)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_a_4000x4000_image_gives_the_same_digit_as_at_280(seven):
    huge = seven.resize((4000, 4000), Image.Resampling.NEAREST)
    started = time.perf_counter()
    digit = to_mnist(huge)
    print(f"to_mnist on 4000x4000: {time.perf_counter() - started:.2f} s")
    assert np.abs(digit - to_mnist(seven)).max() < 0.15


def test_to_network_input_stacks_digits_for_the_model(seven):
    digit = to_mnist(seven)
    assert to_network_input(digit).shape == (1, 28, 28, 1)
    batch = to_network_input([digit, digit, digit])
    assert batch.shape == (3, 28, 28, 1) and batch.dtype == np.float32
    with pytest.raises(ValueError, match="28x28"):
        to_network_input(np.zeros((2, 27, 28)))


def test_to_network_input_takes_a_channel_axis_and_a_dtype_but_not_uint8(seven):
    digit = to_mnist(seven)
    batch = to_network_input(digit)
    np.testing.assert_array_equal(batch[0, :, :, 0], digit)
    assert np.shares_memory(batch, digit)                      # float32 digits: no copy
    np.testing.assert_array_equal(to_network_input(digit[..., None]), batch)
    np.testing.assert_array_equal(to_network_input(batch), batch)
    wide = to_network_input(digit, np.float64)
    assert wide.dtype == np.float64 and np.array_equal(wide, batch)
    with pytest.raises(ValueError, match="uint8 0-255 images: scratchnet.data.mnist.to_float_images"):
        to_network_input((digit * 255).astype(np.uint8))
    with pytest.raises(ValueError, match="floating dtype"):
        to_network_input(digit, np.int32)


# ------------------------------------------------------------------------- load_image faults
def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _blank_1bit_png(width: int, height: int) -> bytes:
    """A valid, all-black 1-bit PNG: 20000x20000 is ~50 kB on disk and 400 MB once decoded."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)                        # filter byte 0, then the pixels
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data)
            + _png_chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [7000, 10000, 20000],
                         ids=["over our limit", "over Pillow's warning", "over Pillow's error"])
def test_huge_image_is_refused_before_decoding(side, tmp_path, monkeypatch):
    path = tmp_path / "bomb.png"
    path.write_bytes(_blank_1bit_png(side, side))
    assert path.stat().st_size < 300_000

    decoded = []

    def no_decoding(self):
        decoded.append(self.size)
        raise OSError("decoding was not allowed in this test")
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    tracemalloc.start()
    try:
        with pytest.raises(ImageFileError,
                           match=f"^{path}: the image is .*more than the limit of 40,000,000"):
            load_image(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert decoded == []
    assert peak < 1_000_000


def test_pixel_limit_holds_even_with_pillows_guard_switched_off(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    monkeypatch.setattr("scratchnet.preprocess.images.MAX_PIXELS", 100)
    Image.new("L", (10, 10)).save(tmp_path / "ok.png")
    Image.new("L", (10, 11)).save(tmp_path / "big.png")
    assert load_image(tmp_path / "ok.png").size == (10, 10)
    with pytest.raises(ImageFileError, match="10x11 = 110 pixels, more than the limit of 100"):
        load_image(tmp_path / "big.png")


def test_1x1_image_loads_and_is_blank(tmp_path):
    Image.new("L", (1, 1), 0).save(tmp_path / "dot.png")
    image = load_image(tmp_path / "dot.png")
    assert image.size == (1, 1)
    with pytest.raises(BlankImageError):
        to_mnist(image)


def _write_fault(kind: str, path, seven: Image.Image):
    if kind in ("width 0", "height 0"):
        width, height = (0, 5) if kind == "width 0" else (5, 0)
        header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
                         + _png_chunk(b"IDAT", zlib.compress(b"")) + _png_chunk(b"IEND", b""))
    elif kind == "text renamed .png":
        path.write_text("7, I promise\n")
    elif kind == "empty file":
        path.write_bytes(b"")
    elif kind == "truncated PNG":
        buffer = io.BytesIO()
        seven.save(buffer, "PNG")
        path.write_bytes(buffer.getvalue()[:len(buffer.getvalue()) // 2])
    elif kind == "truncated JPEG":
        buffer = io.BytesIO()
        seven.save(buffer, "JPEG")
        path.write_bytes(buffer.getvalue()[:len(buffer.getvalue()) // 2])
    elif kind == "directory":
        path.mkdir()


@pytest.mark.parametrize("kind, message", [
    ("width 0", "header is invalid"), ("height 0", "header is invalid"),
    ("text renamed .png", "not a readable image"), ("empty file", "not a readable image"),
    ("truncated PNG", "truncated"), ("truncated JPEG", "truncated"),
    ("directory", "is a directory"), ("missing", "no such file"),
])
def test_unusable_files_raise_image_file_error_naming_the_file(kind, message, seven, tmp_path):
    path = tmp_path / "digit.png"
    _write_fault(kind, path, seven)
    with pytest.raises(ImageFileError, match=message) as error:
        load_image(path)
    assert str(error.value).startswith(f"{path}: ")
    assert "\n" not in str(error.value)


def test_animated_gif_gives_its_first_frame(mnist, tmp_path):
    _, (x_test, y_test) = mnist
    frames = [Image.fromarray(draw(x_test[index])) for index in (0, 1, 2)]     # 7, 2, 1
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    with Image.open(tmp_path / "anim.gif") as check:
        assert check.n_frames == 3
    loaded = load_image(tmp_path / "anim.gif")
    assert np.array_equal(np.asarray(loaded.convert("L")), np.asarray(frames[0]))


def test_exif_orientation_is_applied(seven, tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6                        # "rotate 90 degrees clockwise to display"
    sideways = seven.crop((0, 0, 280, 200)).transpose(Image.Transpose.ROTATE_90)
    sideways.save(tmp_path / "photo.png", exif=exif)
    loaded = load_image(tmp_path / "photo.png")
    assert loaded.size == (280, 200)
    assert np.array_equal(np.asarray(loaded), np.asarray(seven.crop((0, 0, 280, 200))))
