"""``--report-file``: what the app shows, one JSON object per line, for scripts and tests.

Lines, in the order things happen:

    {"ready": true, "canvas": [x, y, w, h], "model": "models/mnist.npz", "model_error": null,
     "model_in_use": "base", "personal_error": null}
        once the window is on screen; (x, y) is the canvas' top-left corner on the screen;
        "model_in_use" is "base", "personal" or null (no model could be opened), and
        "personal_error" says why a personal.npz beside the model is not used
    {"digit": 7, "confidence": 0.98, "probabilities": [...10], "strokes": 2, "unsure": false,
     "preprocess_ms": 1.2, "forward_ms": 0.5, "model": "base"}
        each time a prediction is shown; "unsure" when the top probability is below the
        threshold (the window then names the two best guesses); "model" is the model that
        read it, "base" or "personal"; with "feature_maps": ["conv2d", "conv2d_1"] when the
        feature-map panel is open and shows those layers
    {"digit": null, "confidence": null, "probabilities": null, "strokes": 0}
        each time the app shows "draw a digit" (an empty or cleared canvas); also, with
        "strokes" above 0 and "model", for a drawing when there is no model to read it
    {"saved": "data/my_digits/7_....json", "label": 7, "count": 12}
        a drawing saved as a digit, and how many of that digit are saved now
    {"teaching": "started", "saved": 30}
    {"teaching": "progress", "step": 12, "steps": 80}
    {"teaching": "finished", "model": "models/personal.npz", "taught": 30, "before": 0.83,
     "after": 1.0, "mnist_test": 0.991, "mnist_test_digits": 1000, "seconds": 9.1,
     "steps": 40, "warnings": []}
    {"teaching": "failed", "error": "Not taught: ..."}
        "Teach my handwriting": started with the number of saved digits, its progress after
        every step, then how it ended ("before"/"after": accuracy on the taught digits)
    {"model_in_use": "base"}
        the user switched between the base and the personal model
    {"error": "..."}
        a message the window showed, such as a failed save or a drawing that could not be read

Every line is flushed as it is written, so a reader polling the file sees it at once.
"""

from __future__ import annotations

import json
from pathlib import Path


class Report:
    """Appends JSON lines to ``path``; does nothing when ``path`` is ``None``."""

    def __init__(self, path: str | Path | None):
        self._file = None
        if path is not None:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "a", encoding="utf-8")

    def write(self, line: dict) -> None:
        if self._file is None:
            return
        self._file.write(json.dumps(line) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
