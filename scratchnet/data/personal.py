"""A person's own labelled digits: saved one file per sample by the drawing app, read back for
fine-tuning (``scratchnet.training.teaching``).

Each sample is one small JSON file in a directory of its own (``data/my_digits/`` by default),
so that saving a digit is one atomic rename and a damaged file costs one digit, not all of them:

    data/my_digits/7_20261125-083012-123456_ab12cd.json
                   |  |                      +-- random, so two saves in one microsecond differ
                   |  +-- UTC time of the save, to the microsecond: names sort by time
                   +-- the label, so counting needs no file to be opened

    {
      "format": 1,
      "label": 7,
      "created": "2026-11-25T09:30:12.123456+01:00",
      "canvas": [280, 280],
      "image": [
        [  0,  0, ...  0],                 28 rows of 28 whole numbers 0-255:
        ...                                the preprocessed network input, times 255
      ],
      "strokes": [
        {"width": 18.0, "points": [[112.0, 40.5], [113.0, 44.0], ...]},
        ...
      ]
    }

The strokes (records of ``scratchnet.preprocess.strokes.Stroke``, canvas pixels rounded to 0.01)
are what counts: ``load_personal_digits`` makes each digit's image from them with
``scratchnet.preprocess.rendering.strokes_to_mnist``, as the app reads a drawing, so that saved
digits follow when preprocessing changes; ``image`` is what the app saw when it saved the digit.
A sample without strokes (``"strokes": []``, made from a picture, as scripts/styled_digits.py
does) is read from its ``image``. See data/README.md.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from scratchnet.files import write_new_file
from scratchnet.nn.checks import is_integer
from scratchnet.preprocess.images import BlankImageError
from scratchnet.preprocess.rendering import strokes_to_mnist
from scratchnet.preprocess.strokes import Stroke, check_canvas, check_strokes

FORMAT = 1
IMAGE_SHAPE = (28, 28)
NAME_PATTERN = re.compile(r"^(?P<label>[0-9])_(?P<time>[0-9]{8}-[0-9]{6}-[0-9]{6})_[0-9a-f]{6}\.json$")
NAME_FORM = "DIGIT_YYYYMMDD-HHMMSS-MICROS_XXXXXX.json"
MAX_LISTED_PROBLEMS = 10


class PersonalDataError(ValueError):
    """The personal digits cannot be used: none found, or too few to hold some out."""


def save_sample(directory: str | os.PathLike, label: int, image: np.ndarray,
                strokes: list[Stroke | dict], canvas_size: tuple[int, int]) -> Path:
    """Save one labelled digit as a new file in ``directory`` (created if missing).

    Parameters
    ----------
    label : int, 0-9.
    image : (28, 28) floats in [0, 1], the preprocessed network input; stored as uint8.
    strokes : list of Stroke, or of their records ``{"width": float, "points": [[x, y], ...]}``,
        in canvas pixels; saved rounded to 0.01 px (``Stroke.rounded``).
    canvas_size : (width, height) of the canvas in pixels.

    Returns the path of the new file. Raises ``ValueError`` naming the argument that is invalid
    (nothing is written), ``OSError`` naming the file if it cannot be written (nothing is left
    behind: the file appears complete or not at all).
    """
    label = _check_label(label, "label")
    pixels = _image_to_uint8(image)
    strokes = [stroke.rounded().record() for stroke in check_strokes(strokes, "strokes")]
    canvas = check_canvas(canvas_size, "canvas_size")
    now = datetime.now(timezone.utc)
    text = _sample_json({"format": FORMAT, "label": label,
                         "created": now.astimezone().isoformat(timespec="microseconds"),
                         "canvas": canvas, "image": pixels.tolist(), "strokes": strokes})
    return write_new_file(Path(directory),
                          lambda suffix: f"{label}_{now:%Y%m%d-%H%M%S-%f}_{suffix}.json",
                          text.encode("utf-8"), "the digit")


def counts(directory: str | os.PathLike) -> dict[int, int]:
    """Number of saved samples of each digit, ``{0: n0, ..., 9: n9}``, from the file names alone.

    Counts the files ``load_personal_digits`` reads; one found damaged when it is read is still
    counted here. A directory that does not exist yet holds no samples.
    """
    result = dict.fromkeys(range(10), 0)
    for _, label, _ in _scan(Path(directory))[0]:
        result[label] += 1
    return result


def load_personal_digits(directory: str | os.PathLike
                         ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read every sample saved in ``directory``, oldest first.

    Returns
    -------
    images : float32 (N, 28, 28) in [0, 1]: ``strokes_to_mnist`` of each sample's strokes (its
        stored ``image`` if it has none).
    labels : int64 (N,).
    warnings : one message per file that was passed over (``load_personal_samples``).

    Raises ``PersonalDataError`` as ``load_personal_samples`` does.
    """
    samples, warnings = load_personal_samples(directory)
    images_array = np.zeros((0, *IMAGE_SHAPE), np.float32)
    if samples:
        images_array = np.stack([sample.image for sample in samples]).astype(np.float32)
    return images_array, np.asarray([sample.label for sample in samples], np.int64), warnings


@dataclass(frozen=True)
class SavedDigit:
    """One saved sample as teaching reads it: its file, ``image`` float32 (28, 28) in [0, 1]
    (made from the strokes when there are any), its ``label``, and its ``strokes`` (as the app
    records them, ``{"width": w, "points": [[x, y], ...]}``) and ``canvas`` (None for a sample
    saved as a picture only)."""

    path: Path
    image: np.ndarray
    label: int
    strokes: list[dict] | None
    canvas: tuple[int, int] | None


def load_personal_samples(directory: str | os.PathLike) -> tuple[list[SavedDigit], list[str]]:
    """Every sample saved in ``directory``, oldest first, and one warning per file passed over,
    naming the file and why: a ``.json`` file whose name does not follow the app's pattern, or a
    sample that is not valid JSON, truncated, of the wrong image shape, with a label out of
    range or different from the one in the file name, with strokes that leave no ink on the
    canvas, ... Hidden files (such as an interrupted save's ``.tmp``) and files not ending in
    ``.json`` (a README) are ignored without a warning.

    Raises ``PersonalDataError`` if ``directory`` does not exist, is not a directory, or holds
    ``.json`` files none of which is a usable sample (the message says how many were passed
    over and why). An existing directory without any ``.json`` files gives no samples.
    """
    directory = Path(directory)
    if not directory.exists():
        raise PersonalDataError(f"{directory}: no such directory (draw digits in the app and "
                                "save them there first)")
    if not directory.is_dir():
        raise PersonalDataError(f"{directory}: not a directory")
    samples, strays = _scan(directory)
    warnings = [f"{path}: not a sample file (expected a name like {NAME_FORM}); skipped"
                for path in strays]
    found = []
    for path, label_in_name, _ in sorted(samples, key=lambda sample: (sample[2], sample[0].name)):
        try:
            found.append(_read_sample(path, label_in_name))
        except ValueError as error:
            warnings.append(f"{path}: {error}; skipped")
    if warnings and not found:
        raise PersonalDataError(f"{directory}: no usable digits: {passed_over(samples, strays)}"
                                + list_problems(warnings))
    return found, warnings


def passed_over(samples: list, strays: list) -> str:
    """Why nothing could be used, e.g. "none of the 2 saved digits could be read and 3 .json
    files were passed over because their names do not follow the app's pattern ..."."""
    parts = []
    if samples:
        parts.append(f"none of the {len(samples)} saved digits could be read")
    if strays:
        files = "file was" if len(strays) == 1 else "files were"
        parts.append(f"{len(strays)} .json {files} passed over because their names do not follow "
                     f"the app's pattern {NAME_FORM} (the label comes first)")
    return " and ".join(parts)


def list_problems(warnings: list[str]) -> str:
    """The first ``MAX_LISTED_PROBLEMS`` warnings, one per indented line."""
    listed = warnings[:MAX_LISTED_PROBLEMS]
    if len(warnings) > len(listed):
        listed.append(f"... and {len(warnings) - len(listed)} more")
    return ":\n  " + "\n  ".join(listed)


def _scan(directory: Path) -> tuple[list[tuple[Path, int, str]], list[Path]]:
    """(sample files as (path, label, time from the name), other non-hidden ``.json`` files)."""
    samples: list[tuple[Path, int, str]] = []
    strays: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return samples, strays
    for entry in entries:
        if entry.name.startswith(".") or not entry.name.endswith(".json") or not entry.is_file():
            continue
        match = NAME_PATTERN.match(entry.name)
        if match is None:
            strays.append(Path(entry.path))
        else:
            samples.append((Path(entry.path), int(match["label"]), match["time"]))
    return samples, sorted(strays)


def _read_sample(path: Path, label_in_name: int) -> SavedDigit:
    """One sample file as teaching reads it; ``ValueError`` says what is wrong with it."""
    sample = read_sample_file(path, label_in_name)
    if not sample["strokes"]:
        return SavedDigit(path, sample["image"].astype(np.float32) / np.float32(255),
                          sample["label"], None, None)
    try:
        image = strokes_to_mnist(sample["strokes"], sample["canvas"])
    except BlankImageError as error:
        raise ValueError(f"its strokes leave no ink on the canvas ({error})") from error
    return SavedDigit(path, image, sample["label"],
                      [stroke.record() for stroke in sample["strokes"]], sample["canvas"])


def read_sample_file(path: Path, label_in_name: int | None = None) -> dict:
    """One sample file as ``{"label": int, "image": uint8 (28, 28), "strokes": [Stroke, ...],
    "canvas": (w, h)}``, all checked; ``ValueError`` says what is wrong with it. With
    ``label_in_name``, the label in the file must be that one."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ValueError(f"could not be read: {error.strerror or error}") from error
    if not raw:
        raise ValueError("empty file")
    try:
        sample = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"not valid JSON, perhaps truncated ({error})") from error
    if not isinstance(sample, dict):
        raise ValueError(f"expected a JSON object, found {type(sample).__name__}")
    missing = [key for key in ("format", "label", "image", "strokes", "canvas") if key not in sample]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if sample["format"] != FORMAT:
        raise ValueError(f"format {sample['format']!r}; this version of scratchnet reads "
                         f"format {FORMAT}")
    label = _check_label(sample["label"], "label")
    if label_in_name is not None and label != label_in_name:
        raise ValueError(f"holds label {label} but its name says {label_in_name}")
    pixels = _stored_image(sample["image"])
    strokes = check_strokes(sample["strokes"], "strokes")
    canvas = check_canvas(sample["canvas"], "canvas")
    return {"label": label, "image": pixels, "strokes": strokes, "canvas": canvas}


def _check_label(label, name: str) -> int:
    if not is_integer(label) or not 0 <= label <= 9:
        raise ValueError(f"{name} must be a whole number 0-9, got {label!r}")
    return int(label)


def _image_to_uint8(image) -> np.ndarray:
    """The (28, 28) float image in [0, 1] as uint8 0-255 (rounded)."""
    try:
        array = np.asarray(image)
    except ValueError as error:             # ragged nested lists
        raise ValueError(f"image must be a (28, 28) array of numbers ({error})") from error
    if array.shape != IMAGE_SHAPE:
        raise ValueError(f"image must have shape {IMAGE_SHAPE}, got {array.shape}")
    if array.dtype.kind not in "fiu":
        raise ValueError(f"image must hold numbers, got dtype {array.dtype}")
    if not np.isfinite(array).all():
        raise ValueError(f"image holds {np.count_nonzero(~np.isfinite(array))} NaN or infinite "
                         "values")
    low, high = array.min(), array.max()
    if low < 0 or high > 1:
        raise ValueError(f"image values must lie in [0, 1], found {low:g} to {high:g}")
    return np.round(array.astype(np.float64) * 255).astype(np.uint8)


def _stored_image(rows) -> np.ndarray:
    """The stored image (28 rows of 28 whole numbers 0-255) as uint8 (28, 28)."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ValueError("image must be a list of rows")
    shape = (len(rows), *sorted({len(row) for row in rows}))
    if shape != IMAGE_SHAPE:
        found = " or ".join(str(size) for size in shape[1:]) or "no"
        raise ValueError(f"image must be {IMAGE_SHAPE[0]} rows of {IMAGE_SHAPE[1]} numbers, "
                         f"found {shape[0]} rows of {found} numbers")
    values = [value for row in rows for value in row]
    if any(isinstance(value, float) and not math.isfinite(value) for value in values):
        raise ValueError("image holds NaN or infinite values")
    if not all(type(value) is int and 0 <= value <= 255 for value in values):
        raise ValueError("image values must be whole numbers 0-255")
    return np.array(rows, dtype=np.uint8)


def _sample_json(sample: dict) -> str:
    """JSON with one image row per line, the numbers aligned so that the digit shows in a text
    editor and in a diff, and one stroke per line."""
    lines = []
    for key, value in sample.items():
        if key == "image":
            rows = ["    [" + ",".join(f"{pixel:3d}" for pixel in row) + "]" for row in value]
            text = "[\n" + ",\n".join(rows) + "\n  ]"
        elif key == "strokes" and value:
            rows = ["    " + json.dumps(stroke, allow_nan=False) for stroke in value]
            text = "[\n" + ",\n".join(rows) + "\n  ]"
        else:
            text = json.dumps(value, allow_nan=False)
        lines.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}\n"
