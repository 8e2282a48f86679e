"""Ways of teaching a model someone's handwriting, measured per person (``scripts/teach_methods.py``).

The protocol: for each person (a folder of drawings in the app's format, in the order drawn),
the first K drawings of each digit are taught one at a time, in the order drawn, as someone
pressing the digit key after each drawing would; after each of those teaching steps the model
in use is the base model taught every drawing so far. Then the person's other drawings are read,
and all 10,000 MNIST test digits. A digit with K drawings or fewer is taught all of them and has
none read; a person needs one drawing left over to be measured.

Every method here keeps the network but its last layer as it is, so the features the last layer
reads (``last_layer.features``) are computed once per drawing, and once per base model for
MNIST, and each method works on them:

- ``last layer``: the regularised fit of ``scratchnet.training.last_layer`` (biased
  regularisation, replayed MNIST with the base model's probabilities as targets), on each
  drawing and its augmented copies;
- ``output map``: the same fit of a C x C map of the logits, z' = z A + c, pulled towards the
  identity: an output adaptation layer (Platt and Matic, "A constructive RBF network for writer
  adaptation", NIPS 1997, adapts the outputs in the same place, with radial basis functions);
- ``prototypes``: the base logits plus ``boost * exp(sharpness * (cos(h, p_c) - 1))`` for each
  digit c taught, with p_c the mean of the normalised features of its drawings (prototypical
  networks, Snell, Swersky and Zemel, NIPS 2017; imprinting, Qi, Brown and Lowe, CVPR 2018),
  so that a drawing like the person's own c is pushed towards c and others are left alone;
- ``imprint``: each taught digit's weight column moved towards its prototype, scaled to the
  column's norm: w_c = (1 - mix) w_c + mix |w_c| p_c (imprinting into existing classes).

Every setting is chosen on one half of the people (``split_people``) and MNIST validation digits
(training digits the replay never uses), never on the MNIST test set or the other half.
``full_finetune_person`` runs the full fine-tune that teaching used before
(``scratchnet.training.full_finetune``) on the same protocol, for comparison.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from scratchnet.data.personal import NAME_PATTERN
from scratchnet.nn.model import Sequential
from scratchnet.preprocess import strokes_to_mnist
from scratchnet.training import last_layer
from scratchnet.training.augment import DRAWING, augment
from scratchnet.training.stroke_jitter import jittered_copies
from scratchnet.training.teaching import new_teacher

MAX_K = 3
MIN_OTHERS = 5       # the lowest person and the worst people are taken among those with at
                     # least this many other drawings: with fewer, one drawing is 20 points


# ------------------------------------------------------------------------------------ people
@dataclass
class Person:
    """One person's drawings in the order drawn: images (N, 28, 28, 1), labels (N,), strokes."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    strokes: list[list[dict]]
    canvases: list[tuple[int, int]]


def person_names(collections: list[Path]) -> list[tuple[str, Path]]:
    """(name, folder) of every person: ``collection/person`` for each folder of drawings."""
    found = []
    for collection in collections:
        for folder in sorted(p for p in Path(collection).iterdir() if p.is_dir()):
            found.append((f"{Path(collection).name}/{folder.name}", folder))
    return found


def split_people(names: list[str], seed: int = 0) -> tuple[list[str], list[str]]:
    """(tune, report): each collection's people (the part of the name before "/") shuffled with
    ``numpy.random.default_rng(seed)`` in name order, the first half of each to tune."""
    tune, report = [], []
    for collection in sorted({name.split("/")[0] for name in names}):
        members = sorted(name for name in names if name.split("/")[0] == collection)
        order = np.random.default_rng(seed).permutation(len(members))
        half = len(members) // 2
        tune += [members[i] for i in order[:half]]
        report += [members[i] for i in order[half:]]
    return sorted(tune), sorted(report)


def read_person(name: str, folder: Path) -> Person:
    """Every drawing in ``folder``, in the order drawn (the time in the file name), read from
    its strokes as the app reads it."""
    images, labels, strokes, canvases = [], [], [], []
    for path in sorted(folder.iterdir(), key=lambda path: path.name[2:]):
        if not NAME_PATTERN.match(path.name):
            continue
        sample = json.loads(path.read_text(encoding="utf-8"))
        canvas = (int(sample["canvas"][0]), int(sample["canvas"][1]))
        images.append(strokes_to_mnist(sample["strokes"], canvas))
        labels.append(int(sample["label"]))
        strokes.append(sample["strokes"])
        canvases.append(canvas)
    if not images:
        raise ValueError(f"{folder}: no drawings in the app's format")
    return Person(name, np.stack(images)[..., None], np.asarray(labels, np.int64), strokes,
                  canvases)


def taught_in_order(labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(taught, others): indices of the first ``k`` drawings of each digit in the order drawn,
    and of the rest."""
    taught = np.sort(np.concatenate([np.flatnonzero(labels == d)[:k] for d in np.unique(labels)]))
    return taught, np.setdiff1d(np.arange(len(labels)), taught)


# ------------------------------------------------------------------------------ augmentation
AUGMENTATIONS = ("affine", "drawing", "strokes")


def copies_of(person: Person, index: int, kind: str, count: int, seed: int = 0) -> np.ndarray:
    """``count`` augmented copies (count, 28, 28, 1) of drawing ``index``, drawn with a
    generator seeded by (seed, index), so each drawing's copies are the same whenever made."""
    rng = np.random.default_rng([seed, index])
    if kind == "strokes":
        return jittered_copies(person.strokes[index], person.canvases[index], count, rng)
    repeated = np.repeat(person.images[index:index + 1], count, axis=0)
    if kind == "affine":
        return augment(repeated, rng)
    if kind == "drawing":
        return DRAWING(repeated, rng)
    raise ValueError(f"augmentation must be one of {', '.join(AUGMENTATIONS)}, got {kind!r}")


# ------------------------------------------------------------------------------- the caches
@dataclass
class MnistFeatures:
    """Last-layer features, computed once per base model: the replay pool (training digits, and
    the base model's probabilities for them), validation digits (other training digits, for
    choosing settings) and the test set."""

    replay: last_layer.Replay
    replay_labels: np.ndarray
    val_features: np.ndarray
    val_labels: np.ndarray
    test_features: np.ndarray
    test_labels: np.ndarray
    seconds: float = 0.0


def model_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def mnist_features(model: Sequential, model_path: Path, data_dir: Path, cache: Path,
                   replay_count: int = 10000, val_count: int = 5000, seed: int = 0
                   ) -> MnistFeatures:
    """The MNIST features for ``model``, from ``cache`` if computed before for this model file.
    Replay and validation digits are disjoint random draws from the training set."""
    from scratchnet.data.mnist import load_mnist, to_float_images
    path = cache / f"mnist-{model_digest(model_path)}-{replay_count}-{val_count}-{seed}-v2.npz"
    if not path.exists():
        started = time.perf_counter()
        (x_train, y_train), (x_test, y_test) = load_mnist(data_dir)
        chosen = np.random.default_rng(seed).permutation(len(x_train))
        replay_index = chosen[:replay_count]          # in random order: the first are a draw
        val_index = np.sort(chosen[replay_count:replay_count + val_count])
        replay = last_layer.Replay.from_images(model, to_float_images(x_train[replay_index]))
        replay_seconds = time.perf_counter() - started
        val = last_layer.features(model, to_float_images(x_train[val_index]))
        test = last_layer.features(model, to_float_images(x_test))
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, replay_features=replay.features, replay_targets=replay.targets,
                 replay_labels=y_train[replay_index].astype(np.int64), val_features=val,
                 val_labels=y_train[val_index].astype(np.int64), test_features=test,
                 test_labels=y_test.astype(np.int64), replay_seconds=replay_seconds)
    data = np.load(path)
    return MnistFeatures(last_layer.Replay(data["replay_features"], data["replay_targets"]),
                         data["replay_labels"], data["val_features"], data["val_labels"],
                         data["test_features"], data["test_labels"],
                         float(data["replay_seconds"]))


@dataclass
class PersonFeatures:
    """A person's cached features: every drawing's (N, D), and for each drawing that can be
    taught (the first ``MAX_K`` of each digit) ``copies`` augmented copies' of each kind,
    ``{kind: (T, copies, D)}`` in the order of ``teachable``."""

    features: np.ndarray
    teachable: np.ndarray
    copies: dict[str, np.ndarray]


def person_features(model: Sequential, person: Person, model_path: Path, cache: Path,
                    kinds: tuple[str, ...], copies: int, seed: int = 0) -> PersonFeatures:
    """The features of ``person``'s drawings and copies, from ``cache`` when there."""
    teachable, _ = taught_in_order(person.labels, MAX_K)
    path = cache / f"{person.name.replace('/', '--')}-{model_digest(model_path)}-{copies}-{seed}.npz"
    stored = dict(np.load(path)) if path.exists() else {}
    if "features" not in stored:
        stored["features"] = last_layer.features(model, person.images)
    for kind in kinds:
        if f"copies_{kind}" not in stored:
            images = np.concatenate([copies_of(person, i, kind, copies, seed) for i in teachable])
            stored[f"copies_{kind}"] = last_layer.features(model, images).reshape(
                len(teachable), copies, -1)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, **stored)
    return PersonFeatures(stored["features"], teachable,
                          {kind: stored[f"copies_{kind}"] for kind in kinds})


# ---------------------------------------------------------------------------------- methods
@dataclass(frozen=True)
class Method:
    """A way of teaching and its settings (see the module docstring for each ``kind``).

    ``copies`` augmented copies of each drawing (of ``augmentation``) are taught with it;
    ``strength`` is the pull towards the base model, ``replay`` the total weight of the
    ``replay_count`` MNIST digits replayed at random (each drawing weighs 1, shared with its
    copies), ``nearest`` the pool's digits nearest to each drawing also replayed, each weighing
    ``nearest_weight`` times a random one (``last_layer.teaching_set``); ``targets`` "base"
    distils the base model's probabilities on them, "labels" uses their labels. ``boost``,
    ``sharpness``: prototypes; ``mix``: imprint.
    """

    kind: str
    copies: int = 0
    augmentation: str = "strokes"
    strength: float = 1.0
    replay: float = 0.0
    replay_count: int = 2000
    nearest: int = 0
    nearest_weight: float = 1.0
    targets: str = "base"
    steps: int = 100
    boost: float = 0.0
    sharpness: float = 10.0
    mix: float = 0.0

    def last_layer_settings(self) -> last_layer.LastLayerSettings:
        """The fit's settings (``last layer`` and ``output map``)."""
        return last_layer.LastLayerSettings(
            strength=self.strength, replay_weight=self.replay,
            replay_count=self.replay_count if self.replay else 0,
            nearest=self.nearest if self.replay else 0, nearest_weight=self.nearest_weight,
            copies=self.copies, steps=self.steps)

    def label(self) -> str:
        if self.kind == "base":
            return "base model"
        if self.kind == "prototypes":
            return f"prototypes boost {self.boost:g} sharpness {self.sharpness:g}"
        if self.kind == "imprint":
            return f"imprint mix {self.mix:g}"
        augmentation = f"{self.copies} {self.augmentation} copies" if self.copies else "no copies"
        replay = (f"replay {self.replay:g} x {self.replay_count} ({self.targets})"
                  if self.replay else "no replay")
        if self.replay and self.nearest:
            replay += f" + {self.nearest} nearest x {self.nearest_weight:g}"
        return (f"{self.kind} strength {self.strength:g}, {augmentation}, {replay}, "
                f"{self.steps} steps")


@dataclass
class Taught:
    """What a method does to the logits: ``read(features, logits) -> logits``; for the methods
    that make a new last layer, its ``kernel`` (D, C) and ``bias`` (C,)."""

    read: Callable[[np.ndarray, np.ndarray], np.ndarray]
    kernel: np.ndarray | None = None
    bias: np.ndarray | None = None

    @classmethod
    def layer(cls, kernel: np.ndarray, bias: np.ndarray) -> "Taught":
        return cls(lambda features, logits: features @ kernel + bias, kernel, bias)


def teach_features(method: Method, base_kernel: np.ndarray, base_bias: np.ndarray,
                   drawn: np.ndarray, copies: np.ndarray, labels: np.ndarray,
                   mnist: MnistFeatures) -> Taught:
    """Teach ``method`` from the base model's last layer (W0 (D, C), b0 (C,)) the drawings
    with features ``drawn`` (T, D), their copies' ``copies`` (T, A, D), labels (T,)."""
    classes = base_kernel.shape[1]
    if method.kind == "base" or len(labels) == 0:
        return Taught(lambda features, logits: logits)
    if method.kind in ("prototypes", "imprint"):
        taught = np.unique(labels)
        prototypes = last_layer.unit_rows(np.stack(
            [last_layer.unit_rows(drawn[labels == c]).mean(axis=0) for c in taught]))  # (c, D)
        if method.kind == "imprint":
            kernel = base_kernel.astype(np.float64).copy()
            norms = np.linalg.norm(kernel[:, taught], axis=0)
            kernel[:, taught] = ((1 - method.mix) * kernel[:, taught]
                                 + method.mix * norms * prototypes.T)
            return Taught.layer(kernel, base_bias)

        def read(features: np.ndarray, logits: np.ndarray) -> np.ndarray:
            similarity = last_layer.unit_rows(features) @ prototypes.T                 # (N, c)
            out = logits.astype(np.float64).copy()
            out[:, taught] += method.boost * np.exp(method.sharpness * (similarity - 1))
            return out
        return Taught(read)
    # The regularised fits: each drawing and its copies share a weight of 1.
    settings = method.last_layer_settings()
    replay = mnist.replay if method.targets == "base" else last_layer.Replay(
        mnist.replay.features, np.eye(classes)[mnist.replay_labels])
    drawings = [np.concatenate([drawn[i:i + 1], copies[i, :method.copies]])
                for i in range(len(labels))]
    inputs, targets, weights = last_layer.teaching_set(drawings, labels, replay, settings)
    if method.kind == "last layer":
        kernel, bias = last_layer.fit_regularised(inputs, targets, weights, base_kernel,
                                                  base_bias, method.strength, method.steps,
                                                  centre=mnist.replay.centre)
        return Taught.layer(kernel, bias)
    if method.kind == "output map":
        base_logits = inputs @ base_kernel + base_bias
        matrix, shift = last_layer.fit_regularised(base_logits, targets, weights,
                                                   np.eye(classes), np.zeros(classes),
                                                   method.strength, method.steps)
        # z' = (h W0 + b0) A + c: a last layer of its own, W0 A and b0 A + c.
        return Taught.layer(base_kernel @ matrix, base_bias @ matrix + shift)
    raise ValueError(f"unknown method {method.kind!r}")


# ------------------------------------------------------------------------------- measuring
@dataclass
class PersonResult:
    """One person, one K, one method: accuracy on the other drawings before and after, MNIST
    (validation and test) after, and the teaching steps' seconds (when timed)."""

    person: str
    k: int
    method: str
    taught: int
    others: int
    right_before: int
    right_after: int
    base_all: float                  # the base model's accuracy on all the person's drawings
    mnist_val: float
    mnist_test: float
    step_seconds: list[float] = field(default_factory=list)
    lowest_during: float | None = None   # others read after each step: the lowest

    @property
    def before(self) -> float:
        return self.right_before / self.others

    @property
    def after(self) -> float:
        return self.right_after / self.others


def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    return float((logits.argmax(axis=1) == labels).mean())


def measure_cached(method: Method, person: Person, cached: PersonFeatures, k: int,
                   base_kernel: np.ndarray, base_bias: np.ndarray, mnist: MnistFeatures
                   ) -> PersonResult:
    """The protocol's end point from cached features: every step re-teaches from the base model
    all the drawings so far, so the model after the last step is the same whatever the steps
    before it (the steps only count for time; ``measure_live`` times them)."""
    taught, others = taught_in_order(person.labels, k)
    rows = np.searchsorted(cached.teachable, taught)
    teacher = teach_features(method, base_kernel, base_bias, cached.features[taught],
                             cached.copies[method.augmentation][rows] if method.copies
                             else np.zeros((len(taught), 0, base_kernel.shape[0])),
                             person.labels[taught], mnist)
    return _result(method, person, k, taught, others, cached.features, teacher, base_kernel,
                   base_bias, mnist)


def _result(method, person, k, taught, others, drawn_features, teacher, base_kernel, base_bias,
            mnist) -> PersonResult:
    def read(features):
        return teacher.read(features, features @ base_kernel + base_bias)
    base_logits = drawn_features @ base_kernel + base_bias
    labels = person.labels
    return PersonResult(
        person.name, k, method.label(), len(taught), len(others),
        int((base_logits[others].argmax(1) == labels[others]).sum()),
        int((read(drawn_features[others]).argmax(1) == labels[others]).sum()),
        accuracy(base_logits, labels), accuracy(read(mnist.val_features), mnist.val_labels),
        accuracy(read(mnist.test_features), mnist.test_labels))


def measure_live(method: Method, model: Sequential, person: Person, k: int,
                 mnist: MnistFeatures, seed: int = 0,
                 replay: last_layer.Replay | None = None) -> PersonResult:
    """The protocol as the app would run it, step by step, timed from the drawing's image (and
    strokes) to the taught model: the copies, their features and the drawing's, the fit on every
    drawing so far, and the taught model made. The last layer is taught by the app's own code,
    ``teaching.new_teacher`` (outputs beyond the digits frozen), replaying ``replay`` (the
    app's, ``teaching.make_replay``; by default ``mnist.replay``); the other kinds of method
    through ``teach_features``. After each step the other drawings are read (not timed)."""
    layer = last_layer.last_dense(model)
    base_kernel, base_bias = layer.params["kernel"], layer.params["bias"]
    taught, others = taught_in_order(person.labels, k)
    drawn_features = last_layer.features(model, person.images)
    teacher = None
    if method.kind == "last layer" and method.targets == "base":
        teacher = new_teacher(model, replay or mnist.replay, method.last_layer_settings())
    copies: list[np.ndarray] = []
    seconds, during = [], []
    for step, index in enumerate(taught):
        started = time.perf_counter()
        if teacher is not None:
            taught_model = teacher.teach(person.images[index], int(person.labels[index]),
                                         person.strokes[index], person.canvases[index])
            taught_layer = taught_model.layers[-1].params
            reading = Taught.layer(taught_layer["kernel"], taught_layer["bias"])
        else:
            copies.append(last_layer.features(model, copies_of(
                person, int(index), method.augmentation, method.copies, seed))
                if method.copies else np.zeros((0, base_kernel.shape[0]), np.float32))
            so_far = taught[:step + 1]
            reading = teach_features(method, base_kernel, base_bias, drawn_features[so_far],
                                     np.stack(copies), person.labels[so_far], mnist)
            if reading.kernel is not None:
                last_layer.with_last_layer(model, reading.kernel.astype(np.float32),
                                           reading.bias.astype(np.float32))
        seconds.append(time.perf_counter() - started)
        logits = reading.read(drawn_features[others], drawn_features[others] @ base_kernel
                              + base_bias)
        during.append(accuracy(logits, person.labels[others]))
    result = _result(method, person, k, taught, others, drawn_features, reading, base_kernel,
                     base_bias, mnist)
    result.step_seconds, result.lowest_during = seconds, min(during)
    return result


def time_full_pass(model: Sequential, replay: last_layer.Replay,
                   settings: last_layer.LastLayerSettings, people: list[Person], count: int
                   ) -> dict:
    """"Teach my handwriting" over ``count`` saved drawings (the people's, in order) at once:
    seconds to add them all (copies and features) and to fit once."""
    drawings = [(person, index) for person in people for index in range(len(person.labels))]
    teacher = new_teacher(model, replay, settings)
    started = time.perf_counter()
    for person, index in drawings[:count]:
        teacher.add(person.images[index], int(person.labels[index]), person.strokes[index],
                    person.canvases[index])
    added = time.perf_counter()
    teacher.taught_model()
    return {"drawings": teacher.taught, "add_seconds": added - started,
            "fit_seconds": time.perf_counter() - added}


def full_finetune_person(base_path: Path, person: Person, k: int,
                         mnist_train: tuple[np.ndarray, np.ndarray],
                         mnist_test: tuple[np.ndarray, np.ndarray]) -> PersonResult:
    """The full fine-tune (``full_finetune.fine_tune`` with its settings), from a fresh copy of the
    base model, on all the first-K drawings: the model the last of the protocol's steps makes
    (each step of today's teaching starts again from the base model). Its time is that step's."""
    from scratchnet.nn.loading import load_model
    from scratchnet.training.full_finetune import FineTuneSettings, fine_tune
    settings = FineTuneSettings()
    model = load_model(base_path)
    model.rng.bit_generator.state = np.random.default_rng(settings.seed).bit_generator.state
    taught, others = taught_in_order(person.labels, k)
    labels = person.labels
    before = model.predict(person.images).argmax(1)
    outcome = fine_tune(model, person.images[taught], labels[taught], *mnist_train,
                    settings=settings)
    after = model.predict(person.images[others]).argmax(1)
    mnist_after = float((model.predict(mnist_test[0]).argmax(1) == mnist_test[1]).mean())
    return PersonResult(person.name, k, "full fine-tune (today)", len(taught), len(others),
                        int((before[others] == labels[others]).sum()),
                        int((after == labels[others]).sum()), float((before == labels).mean()),
                        float("nan"), mnist_after, [outcome.seconds])


# --------------------------------------------------------------------------------- summary
def summarise(results: list[PersonResult], worst: int = 6) -> dict:
    """For one method, one K, one half: the other drawings read right before and after (pooled
    over all of them), the lowest person after, the ``worst`` people the base model reads worst
    (on all their drawings): their pooled accuracy before and after; MNIST test after (mean,
    lowest), MNIST validation after (mean, lowest), step seconds (median, max). The lowest and
    the worst people are among those with at least ``MIN_OTHERS`` other drawings."""
    others = sum(r.others for r in results)
    eligible = [r for r in results if r.others >= MIN_OTHERS]
    ranked = sorted(eligible, key=lambda r: (r.base_all, r.person))[:worst]
    worst_others = sum(r.others for r in ranked)
    steps = [s for r in results for s in r.step_seconds]
    during = [r.lowest_during for r in results if r.lowest_during is not None]
    return {
        "people": len(results), "others": others,
        "before": sum(r.right_before for r in results) / others,
        "after": sum(r.right_after for r in results) / others,
        "lowest_after": min(r.after for r in eligible),
        "lowest_person": min(eligible, key=lambda r: (r.after, r.person)).person,
        "worst_before": sum(r.right_before for r in ranked) / worst_others,
        "worst_after": sum(r.right_after for r in ranked) / worst_others,
        "mnist_test_mean": float(np.mean([r.mnist_test for r in results])),
        "mnist_test_lowest": min(r.mnist_test for r in results),
        "mnist_val_mean": float(np.mean([r.mnist_val for r in results])),
        "mnist_val_lowest": min(r.mnist_val for r in results),
        "step_median": float(np.median(steps)) if steps else None,
        "step_max": max(steps) if steps else None,
        "lowest_during": min(during) if during else None,
    }


def as_dict(result: PersonResult) -> dict:
    return asdict(result)


def from_dict(row: dict) -> PersonResult:
    return PersonResult(**row)
