"""Data-parallel training gives the same gradients, updates and training as one thread."""

import threading

import numpy as np
import pytest

from scratchnet import blas

from scratchnet.nn import parallel
from scratchnet.nn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from scratchnet.nn.losses import score
from scratchnet.nn.model import Sequential

from scratchnet.nn.optimizers import Adadelta, Adam
from scratchnet.nn.parallel import DataParallel, Workers, default_workers
from scratchnet.training.runs import set_dtype


def every_layer_model(seed=0, dtype=np.float64):
    """Every layer kind with state of its own: padding, strides, both dropouts, a ReLU layer."""
    model = Sequential([
        Conv2D(4, 3, padding="same", activation="relu"),
        Conv2D(6, 3, strides=2),
        ReLU(),
        MaxPool2D(2),
        Dropout(0.25),
        Flatten(),
        Dense(16, activation="relu"),
        Dropout(0.5),
        Dense(10),
    ], input_shape=(12, 12, 1), seed=seed)
    set_dtype(model, np.dtype(dtype).name)
    model.compile(Adadelta())
    return model


def batch(count, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((count, 12, 12, 1)), rng.integers(0, 10, count)


def one_pass_gradients(model, x, y):
    logits = model.forward(x, training=True)
    loss = model.loss.forward(logits, y)
    model.backward(model.loss.backward())
    return loss, int((logits.argmax(axis=1) == y).sum()), \
        {key: value.copy() for key, value in model.grads.items()}


@pytest.mark.parametrize("workers, count", [(2, 37), (3, 37), (4, 3), (2, 1)])
def test_split_batch_gives_the_gradients_of_one_pass(workers, count):
    x, y = batch(count)
    reference, model = every_layer_model(), every_layer_model()
    with DataParallel(model, workers) as team:
        for _ in range(2):     # the second step reuses every worker's arrays
            split_loss, split_correct = team.gradients(x, y)
            reference_loss, reference_correct, grads = one_pass_gradients(reference, x, y)
            assert split_loss == pytest.approx(reference_loss, rel=1e-12)
            assert split_correct == reference_correct
            for key, value in grads.items():
                np.testing.assert_allclose(model.grads[key], value, rtol=1e-10, atol=1e-14,
                                           err_msg=key)
    # The same random draws, in the same order: the generators are left in the same state.
    assert model.rng.bit_generator.state == reference.rng.bit_generator.state


@pytest.mark.parametrize("workers", [2, 3])
def test_shared_inference_gives_the_outputs_of_one_thread(workers):
    model = every_layer_model()
    x, y = batch(77)              # 5 batches of 16, the last one short
    alone = model.predict_logits(x, batch_size=16)
    loss, accuracy = model.evaluate(x, y, batch_size=16)
    with DataParallel(model, workers) as team:
        shared = team.predict_logits(x, batch_size=16)
    np.testing.assert_array_equal(shared, alone)
    assert score(shared, y) == (loss, accuracy)
    assert accuracy == np.mean(alone.argmax(axis=1) == y)


@pytest.fixture
def shared_steps(monkeypatch):
    """Counts the batches that went through DataParallel, to prove ``fit`` used it."""
    calls = []
    original = DataParallel.gradients

    def counting(self, x, y):
        calls.append(len(x))
        return original(self, x, y)
    monkeypatch.setattr(DataParallel, "gradients", counting)
    return calls


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-9), (np.float32, 2e-3)])
def test_fit_with_workers_trains_like_one_thread(shared_steps, dtype, rtol):
    x, y = batch(300)
    x = x.astype(dtype)
    one, two = every_layer_model(seed=5, dtype=dtype), every_layer_model(seed=5, dtype=dtype)
    history_one = one.fit(x, y, epochs=2, batch_size=64, workers=1)
    assert shared_steps == []
    history_two = two.fit(x, y, epochs=2, batch_size=64, workers=2)
    assert shared_steps == [64, 64, 64, 64, 44] * 2
    for key, value in one.params.items():
        assert two.params[key].dtype == dtype
        np.testing.assert_allclose(two.params[key], value, rtol=rtol, atol=rtol * 1e-3,
                                   err_msg=key)
    assert history_two.history["loss"] == pytest.approx(history_one.history["loss"], rel=rtol)


def test_resuming_with_workers_gives_the_weights_of_a_straight_run(tmp_path):
    from scratchnet import load_model
    from scratchnet.nn.trainer import Callback

    class StopAfter(Callback):
        def on_train_begin(self, model):
            self.model = model

        def on_batch_end(self, step, logs):
            if step == 2:
                self.model.stop_training = True

    x, y = batch(300)
    x = x.astype(np.float32)
    straight = every_layer_model(seed=7, dtype=np.float32)
    straight.fit(x, y, epochs=2, batch_size=64, workers=2)
    first = every_layer_model(seed=7, dtype=np.float32)
    first.fit(x, y, epochs=2, batch_size=64, workers=2, callbacks=[StopAfter()])
    assert (first.train_state.epoch, first.train_state.step) == (0, 2)
    first.save(tmp_path / "checkpoint.npz")
    resumed = load_model(tmp_path / "checkpoint.npz")
    resumed.fit(x, y, epochs=2, batch_size=64, workers=2, resume=True)
    for key, value in straight.params.items():
        np.testing.assert_array_equal(resumed.params[key], value, err_msg=key)


@pytest.mark.parametrize("optimizer", [Adadelta, Adam])
def test_optimizer_update_shared_between_workers_is_exact(optimizer):
    alone, shared = every_layer_model(), every_layer_model()
    x, y = batch(16)
    rng = np.random.default_rng(2)
    with DataParallel(shared, 3) as team:
        for model in (alone, shared):
            model.compile(optimizer())
            model.gradients(x, y)        # gradients of every shape, replaced below
        for _ in range(3):
            for key in alone.grads:
                alone.grads[key][...] = shared.grads[key][...] = \
                    rng.standard_normal(alone.grads[key].shape)
            alone.optimizer.step(alone.params, alone.grads)
            team.update()
    assert shared.optimizer.iterations == alone.optimizer.iterations == 3
    start = every_layer_model().params
    for key, value in alone.params.items():
        np.testing.assert_array_equal(shared.params[key], value, err_msg=key)
        assert not np.array_equal(value, start[key])


def test_a_failing_worker_fails_the_call_after_the_others_finish():
    finished = threading.Event()
    release = threading.Event()

    def fails():
        release.set()
        raise ValueError("worker failed")

    def slow():
        release.wait(5)
        finished.set()

    workers = Workers(2)
    try:
        with pytest.raises(ValueError, match="worker failed"):
            workers.run([fails, slow])
        assert finished.is_set()
    finally:
        workers.close()


def test_a_worker_error_reaches_the_caller_and_leaves_no_draws_behind(shared_steps):
    model = every_layer_model()
    x, y = batch(8)
    kernel = model.layers[6].params["kernel"]
    model.layers[6].params["kernel"] = np.zeros((5, 16))    # Dense no longer fits its input
    with pytest.raises(ValueError):
        model.fit(x, y, epochs=1, batch_size=8, workers=2)
    assert shared_steps == [8]
    assert all(getattr(layer, "next_draws", None) is None for layer in model.layers)
    model.layers[6].params["kernel"] = kernel
    state = model.rng.bit_generator.state
    model.train_on_batch(x, y)
    assert model.rng.bit_generator.state != state     # dropout drew fresh masks


def test_teaching_runs_the_loop_fit_runs_with_its_batches_shared(shared_steps):
    from scratchnet.training.full_finetune import FineTuneSettings, fine_tune

    model = every_layer_model(dtype=np.float32)
    x, y = batch(40)
    x = x.astype(np.float32)
    state = model.train_state
    settings = FineTuneSettings(max_steps=3, batch_size=16, personal_per_batch=4,
                             mnist_samples=40, augment=False, workers=2)
    outcome = fine_tune(model, x[:8], y[:8], x, y, settings)
    assert outcome.steps == 3 and shared_steps == [16, 16, 16]
    # Teaching keeps its place in a state of its own: the model's is what it was.
    assert model.train_state is state and (state.epoch, state.step) == (0, 0)


def test_the_worker_count_is_one_rule_for_every_kind_of_training(monkeypatch):
    from scratchnet.nn import plain

    monkeypatch.setattr(parallel, "default_workers", lambda batch_size: 2)   # as on 2 cores
    fast = every_layer_model()
    slow = Sequential([plain.Dense(10)], input_shape=(4,))
    slow.compile(plain.Adadelta(), plain.SoftmaxCrossEntropy())
    assert parallel.worker_count(fast, 128) == 2 and parallel.worker_count(fast, 128, 3) == 3
    assert parallel.worker_count(slow, 128) == 1 and parallel.worker_count(slow, 128, 1) == 1
    with pytest.raises(ValueError, match="plain layers and optimizers train on one thread"):
        parallel.worker_count(slow, 128, 2)
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        parallel.worker_count(fast, 128, 0)


def test_workers_need_a_built_model_of_their_own():
    unbuilt = Sequential([Flatten(), Dense(10)])
    with pytest.raises(ValueError, match="build the model"):
        DataParallel(unbuilt, 2)


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_fit_rejects_a_bad_worker_count(workers):
    model = every_layer_model()
    x, y = batch(4)
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        model.fit(x, y, workers=workers)


def test_dropout_rejects_draws_of_the_wrong_shape():
    layer = Dropout(0.5)
    layer.build((4,))
    layer.next_draws = np.zeros((3, 4), np.uint16)
    with pytest.raises(ValueError, match="draws of shape"):
        layer.forward(np.ones((2, 4)), training=True)


def test_default_workers_is_one_without_control_of_blas(monkeypatch):
    monkeypatch.setattr(blas, "available", lambda: False)
    assert default_workers(128) == 1


def test_default_workers_follow_the_blas_thread_setting(monkeypatch):
    monkeypatch.setattr(blas, "available", lambda: True)
    monkeypatch.setattr(parallel, "available_cores", lambda: 8)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert default_workers(128) == 8
    assert default_workers(40) == 2          # at least 16 samples each
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert default_workers(128) == 1


@pytest.mark.skipif(not blas.available(), reason="NumPy's BLAS is not the bundled OpenBLAS")
def test_blas_thread_limit_applies_and_is_restored():
    get, set_ = blas._controls()
    original = get()
    set_(3)
    try:
        with blas.limited_threads(1) as applied:
            assert applied
            assert blas.threads() == 1
            with blas.limited_threads(1):
                assert blas.threads() == 1
            assert blas.threads() == 1       # only the outermost exit restores
        assert blas.threads() == 3
    finally:
        set_(original)
