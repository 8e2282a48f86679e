"""The Sequential model: whole-model gradients, training on real digits, determinism, and
save/load including every way a model file can be bad. (tests/test_plain.py checks a whole
training step of the fast layers against the plain ones.)"""

import json
import zipfile

import numpy as np
import pytest

from scratchnet import ModelFileError, Sequential, load_model
from scratchnet.nn.gradcheck import numerical_gradient, relative_error, sample_coordinates, to_float64
from scratchnet.nn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from scratchnet.nn.losses import TrainingDivergedError
from scratchnet.nn.networks import reference_cnn, small_cnn
from scratchnet.nn.optimizers import Adadelta, Adam


def tiny_reference_style_model(seed=0):
    """The reference architecture in miniature: every layer type, the same order."""
    return Sequential([
        Conv2D(3, 3, activation="relu"), Conv2D(4, 3, activation="relu", padding="same"),
        MaxPool2D(2), Dropout(0.25), Flatten(), Dense(8, activation="relu"), Dropout(0.5),
        Dense(10),
    ], input_shape=(8, 8, 1), seed=seed)


def test_reference_cnn_has_the_tutorial_parameter_count():
    model = reference_cnn()
    counts = [layer.parameter_count() for layer in model.layers if layer.params]
    assert counts == [320, 18_496, 2_359_552, 2_570]
    assert model.count_params() == 2_380_938
    assert model.output_shape == (10,)


def test_summary_lists_layers_shapes_and_total(capsys):
    reference_cnn().summary()
    text = capsys.readouterr().out
    assert "conv2d_1 (Conv2D)" in text and "(None, 24, 24, 64)" in text
    assert "2,359,552" in text and "Total params: 2,380,938" in text


def test_whole_model_gradients_match_central_differences():
    model = tiny_reference_style_model()
    to_float64(model.layers)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 8, 8, 1))
    y = np.array([1, 7, 3])
    dropouts = [layer for layer in model.layers if isinstance(layer, Dropout)]

    def loss():
        for index, layer in enumerate(dropouts):   # the same masks at every evaluation
            layer.rng = np.random.default_rng(index)
        return model.loss.forward(model.forward(x, training=True), y)

    loss()
    model.backward(model.loss.backward())
    grads = {key: value.copy() for key, value in model.grads.items()}
    assert set(grads) == set(model.params)
    for key, param in model.params.items():
        coords = sample_coordinates(param.shape, 15, rng)
        numeric = numerical_gradient(loss, param, coords)
        assert relative_error([grads[key][c] for c in coords], numeric) < 1e-6, key


def test_same_seed_gives_identical_weights_and_loss_curve():
    rng = np.random.default_rng(0)
    x = rng.random((64, 8, 8, 1), dtype=np.float32)
    y = rng.integers(0, 10, 64)
    runs = []
    for _ in range(2):
        model = tiny_reference_style_model(seed=11)
        model.compile(Adadelta())
        history = model.fit(x, y, epochs=2, batch_size=16)
        runs.append((history.history["loss"], model.params))
    assert runs[0][0] == runs[1][0]
    for key in runs[0][1]:
        np.testing.assert_array_equal(runs[0][1][key], runs[1][1][key])
    other = tiny_reference_style_model(seed=12)
    assert not np.array_equal(other.params["conv2d/kernel"], runs[0][1]["conv2d/kernel"])


def test_float32_training_stays_float32():
    model = tiny_reference_style_model()
    model.compile(Adam())
    x = np.random.default_rng(0).random((8, 8, 8, 1), dtype=np.float32)
    model.train_on_batch(x, np.arange(8))
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert all(g.dtype == np.float32 for g in model.grads.values())
    assert model.predict(x).dtype == np.float32


def test_batched_predict_equals_one_image_at_a_time_whatever_the_last_layer():
    """Layers keep their output arrays between calls; batching must not let batches alias."""
    model = Sequential([Conv2D(2, 3), MaxPool2D(2), Flatten()], input_shape=(8, 8, 1), seed=0)
    x = np.random.default_rng(1).random((5, 8, 8, 1), dtype=np.float32)
    batched = model.predict_logits(x, batch_size=2)
    one_by_one = np.concatenate([model.predict_logits(x[i:i + 1]) for i in range(len(x))])
    np.testing.assert_array_equal(batched, one_by_one)


def test_fit_learns_real_digits(mnist):
    """2,000 real training digits, a few epochs: >= 90% on 1,000 test digits. Fails if any
    gradient is wrong."""
    (x_train, y_train), (x_test, y_test) = mnist
    from scratchnet.data.mnist import to_float_images
    model = small_cnn(seed=0)
    model.compile(Adadelta())
    history = model.fit(to_float_images(x_train[:2000]), y_train[:2000], epochs=4, batch_size=32,
                        validation_data=(to_float_images(x_test[:1000]), y_test[:1000]))
    assert history.epochs == 4
    assert history.history["val_acc"][-1] >= 0.90
    assert history.history["loss"][-1] < history.history["loss"][0]
    probs = model.predict(to_float_images(x_test[:5]))
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)


def test_fit_stops_on_nan_loss_before_touching_the_weights():
    model = tiny_reference_style_model()
    model.compile(Adadelta())
    x = np.random.default_rng(0).random((8, 8, 8, 1), dtype=np.float32)
    x[3, 2, 2, 0] = np.nan
    before = {key: value.copy() for key, value in model.params.items()}
    with pytest.raises(TrainingDivergedError, match="nan"):
        model.fit(x, np.arange(8), epochs=1, batch_size=8)
    for key, value in model.params.items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize("call, message", [
    (lambda m: m.fit(np.zeros((4, 8, 8, 1), np.float32), np.zeros(4, int), epochs=-1), "epochs"),
    (lambda m: m.fit(np.zeros((4, 8, 8, 1), np.float32), np.zeros(4, int), batch_size=0), "batch_size"),
    (lambda m: m.fit(np.zeros((4, 8, 8, 1), np.uint8), np.zeros(4, int)), "floating-point"),
    (lambda m: m.fit(np.zeros((4, 9, 8, 1), np.float32), np.zeros(4, int)), r"\(N, 8, 8, 1\)"),
    (lambda m: m.fit(np.zeros((4, 8, 8, 1), np.float32), np.zeros(3, int)), "4 integer labels"),
    (lambda m: m.fit(np.zeros((4, 8, 8, 1), np.float32), np.full(4, 10)), "0..9"),
    (lambda m: m.predict(np.zeros((8, 8, 1), np.float32)), "shape"),
])
def test_bad_inputs_get_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call(tiny_reference_style_model())


# ----------------------------------------------------------------------------- save and load
def trained_tiny_model():
    model = tiny_reference_style_model(seed=2)
    model.compile(Adadelta())
    rng = np.random.default_rng(1)
    x = rng.random((32, 8, 8, 1), dtype=np.float32)
    model.fit(x, rng.integers(0, 10, 32), epochs=1, batch_size=8)
    return model, x


def test_save_and_load_round_trip(tmp_path):
    model, x = trained_tiny_model()
    path = tmp_path / "model.npz"
    model.save(path, metadata={"test_accuracy": 0.5})
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert loaded.metadata == {"test_accuracy": 0.5}
    assert isinstance(loaded.optimizer, Adadelta) and loaded.optimizer.iterations == 4
    for key, slots in model.optimizer.state.items():
        for slot, value in slots.items():
            np.testing.assert_array_equal(loaded.optimizer.state[key][slot], value)
    assert loaded.rng.random() == model.rng.random()


def test_a_model_has_metadata_before_any_file_gives_it_some(tmp_path):
    model = tiny_reference_style_model()
    assert model.metadata == {}
    model.save(tmp_path / "bare.npz")
    assert load_model(tmp_path / "bare.npz").metadata == {}


def test_load_keeps_float64_weights_at_full_precision(tmp_path):
    model, x = trained_tiny_model()
    to_float64(model.layers)
    for value in model.params.values():
        value += 1e-12                     # below float32's resolution
    model.save(tmp_path / "model.npz")
    loaded = load_model(tmp_path / "model.npz")
    for key, value in model.params.items():
        assert loaded.params[key].dtype == np.float64
        np.testing.assert_array_equal(loaded.params[key], value)


def test_resume_after_load_matches_uninterrupted_training(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((40, 8, 8, 1), dtype=np.float32)
    y = rng.integers(0, 10, 40)
    straight = tiny_reference_style_model(seed=5)
    straight.compile(Adam())
    straight.fit(x, y, epochs=2, batch_size=8)

    class StopMidEpoch:
        def on_train_begin(self, model): self.model = model
        def on_epoch_begin(self, epoch, steps): pass
        def on_batch_end(self, step, logs):
            if self.model.train_state.epoch == 1 and step == 2:
                self.model.stop_training = True
        def on_epoch_end(self, epoch, logs): pass
        def on_train_end(self): pass

    interrupted = tiny_reference_style_model(seed=5)
    interrupted.compile(Adam())
    interrupted.fit(x, y, epochs=2, batch_size=8, callbacks=[StopMidEpoch()])
    assert (interrupted.train_state.epoch, interrupted.train_state.step) == (1, 2)
    interrupted.save(tmp_path / "checkpoint.npz")
    resumed = load_model(tmp_path / "checkpoint.npz")
    resumed.fit(x, y, epochs=2, batch_size=8, resume=True)
    for key, value in straight.params.items():
        np.testing.assert_array_equal(resumed.params[key], value)


def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    model, x = trained_tiny_model()
    path = tmp_path / "model.npz"
    model.save(path)
    before = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="could not write .*model.npz.*No space left"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def saved_arrays(path):
    with np.load(path) as archive:
        return {name: archive[name] for name in archive.files}


def header_of(arrays):
    return json.loads(arrays["header"].tobytes())


def with_header(arrays, header):
    arrays = dict(arrays)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    return arrays


def corrupt_cases():
    def truncated(path, arrays):
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2])

    def not_a_zip(path, arrays):
        path.write_bytes(b"this is not a model")

    def empty(path, arrays):
        path.write_bytes(b"")

    def pickled(path, arrays):
        arrays = dict(arrays)
        arrays["param/dense/kernel"] = np.array([{"evil": 1}], dtype=object)
        np.savez(path, **arrays)

    def wrong_shape(path, arrays):
        arrays = dict(arrays)
        arrays["param/dense/kernel"] = np.zeros((3, 3), np.float32)
        np.savez(path, **arrays)

    def missing_weights(path, arrays):
        arrays = dict(arrays)
        del arrays["param/conv2d/kernel"]
        np.savez(path, **arrays)

    def unknown_layer(path, arrays):
        header = header_of(arrays)
        header["architecture"]["layers"][0]["class"] = "os.system"
        np.savez(path, **with_header(arrays, header))

    def bad_config(path, arrays):
        header = header_of(arrays)
        header["architecture"]["layers"][0]["config"]["filters"] = -3
        np.savez(path, **with_header(arrays, header))

    def bad_json(path, arrays):
        arrays = dict(arrays)
        arrays["header"] = np.frombuffer(b"{not json", np.uint8)
        np.savez(path, **arrays)

    def metadata_not_an_object(path, arrays):
        header = header_of(arrays)
        header["metadata"] = ["test_accuracy", 0.5]
        np.savez(path, **with_header(arrays, header))

    def nan_weights(path, arrays):
        arrays = dict(arrays)
        arrays["param/dense/bias"] = np.full_like(arrays["param/dense/bias"], np.nan)
        np.savez(path, **arrays)

    return [(truncated, "truncated"), (not_a_zip, "not a readable model"), (empty, "not a readable"),
            (pickled, "pickled"), (wrong_shape, "dense/kernel have shape"),
            (missing_weights, "missing weights for conv2d/kernel"), (unknown_layer, "unknown class"),
            (bad_config, "invalid config"), (bad_json, "not valid JSON"), (nan_weights, "NaN"),
            (metadata_not_an_object, "metadata must be a JSON object, found list")]


@pytest.mark.parametrize("corrupt, message", corrupt_cases(), ids=lambda c: getattr(c, "__name__", ""))
def test_bad_model_files_are_refused_with_a_clear_message(tmp_path, corrupt, message):
    model, _ = trained_tiny_model()
    path = tmp_path / "model.npz"
    model.save(path)
    corrupt(path, saved_arrays(path))
    with pytest.raises(ModelFileError, match=message) as error:
        load_model(path)
    assert str(path) in str(error.value)


def test_missing_model_file_says_how_to_train_one(tmp_path):
    with pytest.raises(ModelFileError, match="train.py"):
        load_model(tmp_path / "absent.npz")


def test_model_file_is_a_plain_zip_of_numeric_arrays(tmp_path):
    model, _ = trained_tiny_model()
    model.save(tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz") as archive:
        names = archive.namelist()
    assert "header.npy" in names and "param/conv2d/kernel.npy" in names
    assert all(arr.dtype != object for arr in saved_arrays(tmp_path / "m.npz").values())


def test_predicting_no_images_gives_no_rows():
    from scratchnet.nn.networks import small_cnn

    model = small_cnn(seed=0)
    probabilities = model.predict(np.zeros((0, 28, 28, 1), np.float32))
    assert probabilities.shape == (0, 10) and probabilities.dtype == np.float32
