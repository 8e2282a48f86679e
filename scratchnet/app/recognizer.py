"""Reading a drawing: the number written, mark by mark, the drawing read as one digit, and (on
request) the network's feature maps, on a worker thread so that the window never waits for them.

The window submits the drawing's strokes each time it changes (debounced). The worker reads the
number with ``scratchnet.reading.read_number`` (each mark's box, reading, probabilities and
28x28 image), and the whole drawing as one digit with
``scratchnet.preprocess.rendering.strokes_to_mnist``, the same function that teaching and
evaluation read saved digits with: what a digit key saves. The worker reads only
the newest submission, dropping any it had no time for, and hands back a :class:`Reading`
through a queue that the window polls. Nothing here touches Tk, which must only be used from the
thread that runs its main loop.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scratchnet.app.sketch import Sketch
from scratchnet.nn.model import Sequential
from scratchnet.nn.loading import ModelFileError, load_model
from scratchnet.preprocess.images import BlankImageError
from scratchnet.preprocess.network_input import MNIST_SHAPE, to_network_input
from scratchnet.preprocess.rendering import strokes_to_mnist
from scratchnet.preprocess.strokes import Stroke, check_strokes
from scratchnet.pretrained import is_shipped
from scratchnet.reading import NumberReading, ReadingError, read_number
from scratchnet.reading.outputs import output_symbols

# Below this top probability the window says "not sure: 1 or 4?" instead of a bare answer.
# Chosen from data: scripts/teach_eval.py --thresholds (docs/drawings.md, "Not sure"); at
# 0.9 it doubts under 1% of right MNIST readings and under 3% of right dev-set drawings.
UNSURE_BELOW = 0.9


def open_model(path: str | Path) -> tuple[Sequential | None, str | None]:
    """The model at ``path``, or ``None`` and one sentence for the window saying why not."""
    path = Path(path)
    if not path.exists():
        return None, (f"No model at {path}: train one with \"python scripts/train.py\", or "
                      "pass --model PATH, then start the app again.")
    try:
        model = load_model(path)
    except ModelFileError as error:
        if is_shipped(path):
            return None, (f"The model that comes with scratchnet is damaged ({error}). "
                          "Reinstall scratchnet, or train your own with \"python "
                          "scripts/train.py\" (about 15 minutes), then start the app again.")
        return None, str(error)
    if tuple(model.input_shape) != MNIST_SHAPE:
        return None, (f"{path}: the model takes inputs of shape {tuple(model.input_shape)}, "
                      f"but the app gives it MNIST digits of shape {MNIST_SHAPE}")
    return model, None


def describe_model(model: Sequential, path: str | Path) -> str:
    """One line about the model in use: which it is (its file, or the one that comes with
    scratchnet) and, if recorded, its test accuracy."""
    name = ("The model that comes with scratchnet (train your own with \"python "
            "scripts/train.py\" and it is used instead)" if is_shipped(path) else f"Model {path}")
    accuracy = model.metadata.get("test_accuracy")
    if isinstance(accuracy, (int, float)):
        return f"{name}: reads {accuracy:.2%} of the MNIST test digits right."
    return f"{name}."


@dataclass
class Request:
    """A drawing to read: its strokes (canvas pixels), the canvas (width, height) and the
    drawing's version at that moment. Strokes are frozen, so the request is a snapshot however the
    sketch goes on."""

    strokes: tuple[Stroke, ...]
    canvas: tuple[int, int]
    version: int
    features: bool = False


def request_for(sketch: Sketch, features: bool = False) -> Request:
    """What the window submits for the sketch as it is now."""
    return Request(tuple(sketch.strokes), sketch.size, sketch.version, features)


@dataclass
class Reading:
    """What the app shows for one state of the drawing.

    ``image28`` is the network's input for the whole drawing read as one digit, (28, 28) in
    [0, 1], ``None`` for a blank drawing; ``probabilities`` its outputs, ``None`` when blank or
    when there is no model. ``number`` is the drawing read as a number (``None`` without a
    model), ``symbols`` the characters its outputs stand for ("0"-"9", "?"), ``number_ms`` how long
    reading the number took; ``error`` says what went wrong if reading failed.
    """

    version: int
    strokes: int
    image28: np.ndarray | None = None
    probabilities: np.ndarray | None = None
    preprocess_ms: float = 0.0
    forward_ms: float = 0.0
    feature_grids: list = field(default_factory=list)
    error: str | None = None
    model: str = ""          # which model read it: the name given to BackgroundReader.use
    number: NumberReading | None = None
    symbols: tuple[str, ...] = ()
    number_ms: float = 0.0

    @property
    def blank(self) -> bool:
        return self.image28 is None and self.error is None

    @property
    def digit(self) -> int | None:
        return None if self.probabilities is None else int(self.probabilities.argmax())

    @property
    def confidence(self) -> float | None:
        return None if self.probabilities is None else float(self.probabilities.max())

    @property
    def unsure(self) -> bool:
        """Whether the network's top probability is below ``UNSURE_BELOW``."""
        return self.probabilities is not None and self.confidence < UNSURE_BELOW

    @property
    def runner_up(self) -> int | None:
        """The second most probable digit."""
        return None if self.probabilities is None else int(np.argsort(self.probabilities)[-2])

    def report(self) -> dict:
        """The line the app appends to ``--report-file`` for this reading."""
        line = {"digit": self.digit, "confidence": self.confidence,
                "probabilities": None if self.probabilities is None
                else [round(float(p), 6) for p in self.probabilities],
                "strokes": self.strokes}
        if self.probabilities is not None:
            line["unsure"] = self.unsure
            line.update(preprocess_ms=round(self.preprocess_ms, 3),
                        forward_ms=round(self.forward_ms, 3))
        if self.number is not None:
            line["text"] = self.number.text
            line["marks"] = [{"character": mark.character, "kind": mark.kind,
                              "box": [round(side, 1) for side in mark.box],
                              "confidence": round(mark.confidence, 6), "sure": mark.sure}
                             for mark in self.number.marks]
            line["number_ms"] = round(self.number_ms, 3)
        if self.feature_grids:
            line["feature_maps"] = [name for name, _, _ in self.feature_grids]
        if self.error is not None:
            line["error"] = self.error
        if self.model:
            line["model"] = self.model
        return line


def read_drawing(model: Sequential | None, request: Request) -> Reading:
    """Preprocess the drawing and, with a model, classify it as one digit, read the number it
    holds (and its feature maps on request).

    An empty drawing is blank without being looked at; one that preprocessing finds blank (all
    ink outside the canvas, say) is blank too. A drawing ``read_number`` refuses (far too many
    strokes) has ``error`` set, its digit reading kept.
    """
    reading = Reading(request.version, len(request.strokes))
    if not request.strokes:
        return reading
    started = time.perf_counter()
    try:
        image28 = strokes_to_mnist(request.strokes, request.canvas)
    except BlankImageError:
        return reading
    reading.preprocess_ms = (time.perf_counter() - started) * 1000
    reading.image28 = image28
    if model is None:
        return reading
    started = time.perf_counter()
    reading.probabilities = model.predict(to_network_input(image28))[0]
    reading.forward_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    try:
        reading.symbols = output_symbols(model)
        records = [stroke.record() for stroke in check_strokes(list(request.strokes))]
        reading.number = read_number(model, records, request.canvas)
    except (ReadingError, ValueError) as error:
        reading.error = f"could not read the number: {error}"
    reading.number_ms = (time.perf_counter() - started) * 1000
    if request.features:
        from scratchnet.app.features import first_conv_grids
        reading.feature_grids = first_conv_grids(model, image28)
    return reading


class BackgroundReader:
    """One daemon thread that reads the newest submitted :class:`Request`.

    ``submit`` never blocks; ``use`` changes the model for the requests read from then on;
    results (or a :class:`Reading` with ``error`` set, should reading
    fail unexpectedly) arrive in ``results``, in submission order, one per request read.
    """

    def __init__(self, model: Sequential | None, name: str = ""):
        self.model = model
        self.name = name
        self.results: queue.SimpleQueue[Reading] = queue.SimpleQueue()
        self._pending: Request | None = None
        self._closed = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="reader", daemon=True)
        self._thread.start()

    def submit(self, request: Request) -> None:
        with self._wake:
            self._pending = request       # replaces one not yet started: only the newest counts
            self._wake.notify()

    def use(self, model: Sequential | None, name: str = "") -> None:
        """Read with ``model`` from the next request on; its readings carry ``name``."""
        with self._wake:
            self.model, self.name = model, name

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()

    def _run(self) -> None:
        if self.model is not None:
            # The first pass allocates the layers' work buffers; do it now rather than make
            # the first digit wait for it (and report an untypical time).
            try:
                self.model.predict(np.zeros((1, *MNIST_SHAPE), np.float32))
            except Exception:
                pass        # reading a digit will fail the same way, and say why
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                request, self._pending = self._pending, None
                model, name = self.model, self.name
            try:
                reading = read_drawing(model, request)
            except Exception as error:      # shown in the window: the app keeps working
                reading = Reading(request.version, len(request.strokes),
                                  error=f"could not read the drawing: {type(error).__name__}: {error}")
            reading.model = name
            self.results.put(reading)
