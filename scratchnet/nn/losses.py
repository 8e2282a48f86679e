"""Softmax cross-entropy, fused and numerically stable.

For logits z (N, K) and targets t (N, K) (one-hot, or any distribution; integer labels are
turned into one-hot):

    log p = z - max(z) - log(sum(exp(z - max(z))))      log-sum-exp, never overflows
    L     = -(1/N) * sum over n, k of t[n, k] * log p[n, k]
    dL/dz = (softmax(z) - t) / N
"""

from __future__ import annotations

import numpy as np

from scratchnet.nn.layers.activations import softmax_and_log


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) against integer labels (N,) or one-hot (N, K).

    No arguments. ``forward(logits, labels)`` returns L; ``backward()`` returns dL/dlogits (N, K).
    """

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        if logits.ndim != 2:
            raise ValueError(f"logits must have shape (N, K), got {logits.shape}")
        batch, classes = logits.shape
        labels = np.asarray(labels)
        if labels.ndim == 1:
            if labels.shape[0] != batch:
                raise ValueError(f"got {labels.shape[0]} labels for {batch} logits")
            if not np.issubdtype(labels.dtype, np.integer):
                raise ValueError(f"integer labels expected, got dtype {labels.dtype}")
            if batch and (labels.min() < 0 or labels.max() >= classes):
                raise ValueError(f"labels must lie in 0..{classes - 1}, got values "
                                 f"{labels.min()}..{labels.max()}")
            targets = np.zeros_like(logits)
            targets[np.arange(batch), labels] = 1
        elif labels.shape == logits.shape:
            targets = labels.astype(logits.dtype, copy=False)
        else:
            raise ValueError(f"labels must have shape ({batch},) or {logits.shape}, "
                             f"got {labels.shape}")
        self.probs, log_probs = softmax_and_log(logits)
        self._targets = targets
        return float(-(targets * log_probs).sum() / batch)

    def backward(self, mean_over: int | None = None) -> np.ndarray:
        """dL/dlogits (N, K) for the last ``forward`` call.

        ``mean_over`` (default N) is the number of samples L is the mean over: a data-parallel
        worker holding N of a batch's samples passes the batch's size, so that the workers'
        gradients add up to the batch's.
        """
        return (self.probs - self._targets) / (mean_over or self.probs.shape[0])

    def config(self) -> dict:
        return {}


class TrainingDivergedError(ArithmeticError):
    """The loss became NaN or infinite; the weights are those from before the bad batch."""


def check_loss(loss: float) -> None:
    """Raise ``TrainingDivergedError`` for a NaN or infinite loss, before any update."""
    if not np.isfinite(loss):
        raise TrainingDivergedError(
            f"the loss became {loss} (the weights are those from before this batch); "
            "try a lower learning rate or check the input data for NaN or inf")


def score(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``logits`` (N, classes) for integer labels (N,)."""
    loss = SoftmaxCrossEntropy().forward(logits, labels)
    return loss, float((logits.argmax(axis=1) == labels).mean())
