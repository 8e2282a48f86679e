"""Classification metrics: confusion matrix and per-class precision, recall and F1, and how a
model reads people's drawings overall, per digit and per person (``evaluate_drawings``).

For a confusion matrix M (rows: true class, columns: predicted class) and class k:

    precision_k = M[k, k] / sum_i M[i, k]     of the digits predicted k, the share that are k
    recall_k    = M[k, k] / sum_j M[k, j]     of the digits that are k, the share found
    F1_k        = 2 precision_k recall_k / (precision_k + recall_k)

A class that is never predicted (or never occurs) gets 0 for the undefined ratio, as
scikit-learn's ``zero_division=0`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from scratchnet.data.drawings import LabelledDrawing


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: int = 10) -> np.ndarray:
    """Counts (classes, classes), int64: ``[t, p]`` is how many digits of class t were called p."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of the same length, got {y_true.shape} "
                         f"and {y_pred.shape}")
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.size and (labels.min() < 0 or labels.max() >= classes):
            raise ValueError(f"{name} must hold labels in 0..{classes - 1}, "
                             f"found {labels.min()}..{labels.max()}")
    flat = y_true.astype(np.int64) * classes + y_pred.astype(np.int64)
    return np.bincount(flat, minlength=classes * classes).reshape(classes, classes)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros(numerator.shape, dtype=np.float64),
                     where=denominator > 0)


@dataclass
class ClassReport:
    """Per-class metrics (arrays of length ``classes``) and overall accuracy."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    accuracy: float

    def table(self) -> str:
        """A text table like scikit-learn's ``classification_report``."""
        lines = [f"{'class':>5}  {'precision':>9}  {'recall':>7}  {'f1':>7}  {'support':>7}"]
        for k in range(len(self.support)):
            lines.append(f"{k:>5}  {self.precision[k]:>9.4f}  {self.recall[k]:>7.4f}  "
                         f"{self.f1[k]:>7.4f}  {self.support[k]:>7d}")
        total = int(self.support.sum())
        lines.append(f"{'macro':>5}  {self.precision.mean():>9.4f}  {self.recall.mean():>7.4f}  "
                     f"{self.f1.mean():>7.4f}  {total:>7d}")
        lines.append(f"accuracy {self.accuracy:.4f} ({round(self.accuracy * total)}/{total})")
        return "\n".join(lines)


def class_report(matrix: np.ndarray) -> ClassReport:
    """Precision, recall, F1 and support per class from a confusion matrix."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"a confusion matrix must be square, got shape {matrix.shape}")
    correct = np.diag(matrix).astype(np.float64)
    support = matrix.sum(axis=1)
    precision = _ratio(correct, matrix.sum(axis=0))
    recall = _ratio(correct, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    total = matrix.sum()
    accuracy = float(correct.sum() / total) if total else 0.0
    return ClassReport(precision, recall, f1, support.astype(np.int64), accuracy)


def format_confusion_matrix(matrix: np.ndarray) -> str:
    """The matrix as aligned text, true classes down, predicted classes across."""
    matrix = np.asarray(matrix)
    width = max(4, len(str(int(matrix.max(initial=0)))) + 1)
    header = "true\\pred" + "".join(f"{k:>{width}}" for k in range(matrix.shape[1]))
    rows = [f"{k:>9}" + "".join(f"{v:>{width}}" for v in row) for k, row in enumerate(matrix)]
    return "\n".join([header, *rows])


@dataclass
class Evaluation:
    """A model's results on a labelled set: (N, classes) probabilities and what follows."""

    loss: float
    probabilities: np.ndarray
    predictions: np.ndarray
    matrix: np.ndarray
    report: ClassReport

    @property
    def accuracy(self) -> float:
        return self.report.accuracy


def evaluate_classifier(model, x: np.ndarray, y: np.ndarray, batch_size: int = 256
                        ) -> Evaluation:
    """One inference pass of ``model`` (a ``Sequential`` ending in logits) over ``(x, y)``.

    ``loss`` is the mean softmax cross-entropy, as ``Sequential.evaluate`` reports it.
    """
    from scratchnet.nn.losses import SoftmaxCrossEntropy

    logits = model.predict_logits(x, batch_size)
    loss_fn = SoftmaxCrossEntropy()
    loss = loss_fn.forward(logits, y)
    probabilities = loss_fn.probs
    predictions = probabilities.argmax(axis=1)
    matrix = confusion_matrix(y, predictions, classes=probabilities.shape[1])
    return Evaluation(loss, probabilities, predictions, matrix, class_report(matrix))


def top_confusions(matrix: np.ndarray, count: int = 10) -> list[tuple[int, int, int]]:
    """The ``count`` most frequent mistakes as (true class, predicted class, how many), most
    frequent first (ties: by true, then predicted class); the diagonal is not a mistake."""
    matrix = np.asarray(matrix)
    mistakes = [(int(matrix[t, p]), t, p) for t in range(matrix.shape[0])
                for p in range(matrix.shape[1]) if t != p and matrix[t, p] > 0]
    mistakes.sort(key=lambda item: (-item[0], item[1], item[2]))
    return [(t, p, n) for n, t, p in mistakes[:count]]


def accuracy_by_group(y_true: np.ndarray, y_pred: np.ndarray, groups: list[str]
                      ) -> dict[str, tuple[int, int]]:
    """``{group: (right, total)}`` for each group name, in order of first appearance."""
    result: dict[str, list[int]] = {}
    for truth, prediction, group in zip(np.asarray(y_true), np.asarray(y_pred), groups):
        counts = result.setdefault(group, [0, 0])
        counts[0] += int(truth == prediction)
        counts[1] += 1
    return {group: (right, total) for group, (right, total) in result.items()}


@dataclass
class DrawingsEvaluation:
    """How a model reads a set of people's drawings (``scratchnet.data.drawings``): the
    ``evaluation`` over all of them, and ``people`` ``{person: (right, total)}``; ``box`` and
    ``pen`` say how they were drawn for the network."""

    evaluation: Evaluation
    people: dict[str, tuple[int, int]]
    box: float | None
    pen: str

    @property
    def accuracy(self) -> float:
        return self.evaluation.accuracy

    def to_json(self, confusions: int = 10) -> dict:
        """Plain data: overall, per digit (the ten digits; not "not a digit") and per person
        accuracy, the top confusions and the confusion matrix (rows: true class)."""
        matrix = self.evaluation.matrix
        support = matrix.sum(axis=1)
        return {
            "drawings": int(matrix.sum()), "people": len(self.people),
            "box": self.box, "pen": self.pen,
            "accuracy": self.accuracy, "right": int(np.trace(matrix)),
            "loss": float(self.evaluation.loss),
            "per_digit": {str(digit): {"accuracy": float(self.evaluation.report.recall[digit]),
                                       "drawings": int(support[digit])}
                          for digit in range(min(matrix.shape[0], 10))},
            "per_person": {person: {"accuracy": right / total, "right": right,
                                    "drawings": total}
                           for person, (right, total) in self.people.items()},
            "top_confusions": [{"true": t, "predicted": p, "count": n}
                               for t, p, n in top_confusions(matrix, confusions)],
            "confusion_matrix": matrix.tolist(),
        }


def evaluate_drawings(model, drawings: Sequence[LabelledDrawing], box: float | None = None,
                      pen: str = "mnist", batch_size: int = 256) -> DrawingsEvaluation:
    """Read every drawing with ``model`` (a ``Sequential`` taking (N, 28, 28, 1)) and score it."""
    from scratchnet.data.drawings import DrawingsError, drawings_to_mnist
    from scratchnet.preprocess.network_input import to_network_input

    if not drawings:
        raise DrawingsError("no drawings to evaluate")
    x = to_network_input(drawings_to_mnist(drawings, box, pen))
    y = np.array([drawing.label for drawing in drawings], np.int64)
    evaluation = evaluate_classifier(model, x, y, batch_size)
    people = accuracy_by_group(y, evaluation.predictions, [d.person for d in drawings])
    return DrawingsEvaluation(evaluation, people, box, pen)
