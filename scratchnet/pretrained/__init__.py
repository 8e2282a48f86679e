"""The trained model that comes with scratchnet, so the drawing app reads from the first minute.

``mnist.npz`` here is the default recipe's model (``python scripts/train.py``) exported compact
by ``python scripts/export_model.py``: float16 weights, no optimizer state, no checkpoint, in the
usual model file format (``scratchnet.nn.saving``), so ``load_model`` reads it like any other.

Which model the app and the command-line tools read when none is named (``base_model_path``):
a model you trained yourself, ``models/mnist.npz``, takes precedence; without one, the shipped
model. The personal model taught from the shipped one goes to ``models/personal.npz``, never
into the installed package.
"""

from __future__ import annotations

from pathlib import Path

SHIPPED_MODEL = Path(__file__).resolve().with_name("mnist.npz")
TRAINED_MODEL = Path("models") / "mnist.npz"       # where scripts/train.py writes by default


def base_model_path(trained: str | Path = TRAINED_MODEL) -> Path:
    """The model to read with when none is named: ``trained`` if it exists, else the shipped
    model."""
    trained = Path(trained)
    return trained if trained.exists() else SHIPPED_MODEL


def is_shipped(path: str | Path) -> bool:
    """Whether ``path`` is the model that comes with the package."""
    try:
        return Path(path).resolve() == SHIPPED_MODEL
    except OSError:
        return False
