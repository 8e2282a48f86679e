"""The plain layers (scratchnet.nn.plain): checked against the equations and central differences,
and every fast layer and optimizer checked against its plain twin, in float64. Where the two
rightly differ (max pooling's tie rule, dropout's draws) the twins are compared on tie-free inputs
and given the same masks, and each side's rule is checked on its own."""

import numpy as np
import pytest

from scratchnet import load_model
from scratchnet.nn import layers as fast
from scratchnet.nn import optimizers, plain
from scratchnet.nn.gradcheck import check_layer, numerical_gradient, relative_error, to_float64
from scratchnet.nn.layers import conv as conv_module
from scratchnet.nn.layers import pool as pool_module
from scratchnet.nn.networks import reference_cnn, small_cnn

TOLERANCE = 1e-6


def random_input(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def tie_free_input(shape, seed=1):
    """A shuffled range: every value distinct, so no pooling window holds its maximum twice."""
    size = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(size).reshape(shape) / size - 0.5


def input_with_ties(shape, seed=1):
    """Whole numbers 0-2: most pooling windows hold their maximum more than once."""
    return np.random.default_rng(seed).integers(0, 3, shape).astype(np.float64)


def whole_numbers(shape, seed=2):
    """Gradients whose sums are exact in any order (overlapping windows add them up)."""
    return np.random.default_rng(seed).integers(1, 1000, shape).astype(np.float64)


def first_maximum_gradient(x, grad_out, pool, strides, column_major):
    """dx by loops: each window's gradient goes to the first position holding its maximum,
    reading the window row by row, or column by column if ``column_major``."""
    (pool_h, pool_w), (stride_h, stride_w) = pool, strides
    if column_major:
        offsets = [(a, b) for b in range(pool_w) for a in range(pool_h)]
    else:
        offsets = [(a, b) for a in range(pool_h) for b in range(pool_w)]
    grad_x = np.zeros_like(x)
    for n, i, j, c in np.ndindex(grad_out.shape):
        top, left = i * stride_h, j * stride_w
        window = x[n, top:top + pool_h, left:left + pool_w, c]
        a, b = next((a, b) for a, b in offsets if window[a, b] == window.max())
        grad_x[n, top + a, left + b, c] += grad_out[n, i, j, c]
    return grad_x


class FixedUniforms:
    """Stands in for a plain Dropout's generator: ``random(shape)`` returns the given numbers."""

    def __init__(self, values):
        self.values = values

    def random(self, shape):
        assert shape == self.values.shape
        return self.values


def give_the_same_mask(keep, fast_layer, plain_layer):
    """Make the next training pass of both Dropout twins keep exactly where ``keep`` is True:
    the fast layer keeps a 16-bit draw d >= t (t >= 1), the plain one a uniform draw u < q."""
    fast_layer.next_draws = np.where(keep, 65535, 0).astype(np.uint16)
    plain_layer.rng = FixedUniforms(np.where(keep, 0.0, 0.9999999))


def twins(name, kwargs, input_shape):
    """The fast layer and its plain twin, built alike (so with the same weights), in float64."""
    pair = getattr(fast, name)(**kwargs), getattr(plain, name)(**kwargs)
    assert plain.TWINS[type(pair[0])] is type(pair[1])
    for layer in pair:
        layer.build(input_shape, rng=np.random.default_rng(3))
    to_float64(pair)
    np.testing.assert_array_equal(*[sorted(layer.params) for layer in pair])
    for key in pair[0].params:
        np.testing.assert_array_equal(pair[0].params[key], pair[1].params[key])
    assert pair[0].config() == pair[1].config()
    return pair


def random_conv_cases(count=12, seed=0):
    """Random shapes, kernels, strides, paddings, activations; every third case in slices of one
    image (the fast layer's smallest)."""
    rng = np.random.default_rng(seed)
    cases = []
    for index in range(count):
        kernel = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        shape = (int(rng.integers(kernel[0], 10)), int(rng.integers(kernel[1], 10)),
                 int(rng.integers(1, 4)))
        kwargs = dict(filters=int(rng.integers(1, 5)), kernel_size=kernel,
                      strides=int(rng.integers(1, 4)), padding=str(rng.choice(["valid", "same"])),
                      activation=[None, "relu"][index % 2], use_bias=bool(index % 5))
        cases.append((kwargs, shape, index % 3 == 0))
    return cases


def case_id(case):
    kwargs, shape, sliced = case
    return "-".join(f"{value}" for value in (*kwargs.values(), shape)) + ("-sliced" * sliced)


def compare_forward_backward(fast_layer, plain_layer, x, exact=False):
    check = np.testing.assert_array_equal if exact else \
        (lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12))
    out = fast_layer.forward(x, training=True).copy()
    check(out, plain_layer.forward(x, training=True))
    grad_out = random_input(out.shape, seed=2)
    grad_fast = fast_layer.backward(grad_out)
    check(grad_fast, plain_layer.backward(grad_out))
    assert sorted(fast_layer.grads) == sorted(plain_layer.grads)
    for key in fast_layer.grads:
        check(fast_layer.grads[key], plain_layer.grads[key])


# ------------------------------------------------------------------- plain against the equations
def test_plain_conv2d_is_the_sum_over_kernel_offsets():
    """y[n, i, j, f] = b[f] + sum over a, b, c of xp[n, i*s + a, j*s + b, c] * K[a, b, c, f]."""
    layer = plain.Conv2D(4, (3, 2), strides=2, padding="same")
    layer.build((7, 6, 3))
    to_float64([layer])
    layer.params["bias"][...] = random_input(4, seed=5)
    x = random_input((2, 7, 6, 3))
    kernel, stride = layer.params["kernel"], 2
    xp = np.pad(x, ((0, 0), *layer.pads, (0, 0)))
    out_h, out_w, _ = layer.output_shape((7, 6, 3))
    expected = np.zeros((2, out_h, out_w, 4)) + layer.params["bias"]
    for a in range(3):
        for b in range(2):
            patch = xp[:, a:a + stride * out_h:stride, b:b + stride * out_w:stride]
            expected += patch @ kernel[a, b]
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12, atol=1e-12)


def test_plain_maxpool_is_the_max_over_each_window():
    layer = plain.MaxPool2D((3, 2), strides=(2, 1))
    x = random_input((2, 7, 5, 3))
    out = layer.forward(x)
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            window = x[:, 2 * i:2 * i + 3, j:j + 2]
            np.testing.assert_array_equal(out[:, i, j], window.max(axis=(1, 2)))


TIE_CASES = [(2, None, (6, 6, 2)), ((3, 2), (2, 1), (7, 5, 2)), (3, 1, (5, 5, 1)),
             ((2, 3), None, (4, 7, 3))]


@pytest.mark.parametrize("pool, strides, shape", TIE_CASES)
def test_plain_maxpool_gives_a_tie_to_the_first_maximum_in_reading_order(pool, strides, shape):
    layer = plain.MaxPool2D(pool, strides)
    layer.build(shape)
    x = input_with_ties((3, *shape))
    grad_out = whole_numbers((3, *layer.output_shape(shape)))
    layer.forward(x)
    window = (layer.pool_h, layer.pool_w)
    row_major = first_maximum_gradient(x, grad_out, window, layer.strides, column_major=False)
    np.testing.assert_array_equal(layer.backward(grad_out), row_major)
    # The input tells the two orders apart, so the check above is of the documented one.
    assert not np.array_equal(row_major, first_maximum_gradient(x, grad_out, window,
                                                                layer.strides, column_major=True))


def test_plain_loss_is_the_mean_negative_log_probability():
    logits = random_input((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    loss = plain.SoftmaxCrossEntropy()
    assert loss.forward(logits, labels) == pytest.approx(-np.log(probs[range(5), labels]).mean())
    grad = numerical_gradient(lambda: loss.forward(logits, labels), logits,
                              [np.unravel_index(i, logits.shape) for i in range(logits.size)])
    loss.forward(logits, labels)
    assert relative_error(loss.backward().reshape(-1), grad) < TOLERANCE


# ------------------------------------------------------------ plain against central differences
@pytest.mark.parametrize("case", random_conv_cases(6, seed=1), ids=case_id)
def test_plain_conv2d_gradients_match_central_differences(case):
    kwargs, shape, _ = case
    layer = plain.Conv2D(**kwargs)
    layer.build(shape)
    to_float64([layer])
    errors = check_layer(layer, random_input((2, *shape)))
    assert set(errors) == {"input", "kernel"} | ({"bias"} if layer.use_bias else set())
    assert max(errors.values()) < TOLERANCE, errors


@pytest.mark.parametrize("pool, strides, shape", [(2, None, (6, 5, 2)), ((3, 2), (2, 1), (7, 5, 2)),
                                                  (3, 1, (5, 5, 1))])
def test_plain_maxpool_gradient_matches_central_differences(pool, strides, shape):
    layer = plain.MaxPool2D(pool, strides)
    layer.build(shape)
    assert check_layer(layer, random_input((2, *shape)))["input"] < TOLERANCE


@pytest.mark.parametrize("activation, use_bias", [(None, True), ("relu", True), ("relu", False)])
def test_plain_dense_gradients_match_central_differences(activation, use_bias):
    layer = plain.Dense(5, activation=activation, use_bias=use_bias)
    layer.build((7,))
    to_float64([layer])
    errors = check_layer(layer, random_input((4, 7)))
    assert set(errors) == {"input", "kernel"} | ({"bias"} if use_bias else set())
    assert max(errors.values()) < TOLERANCE, errors


@pytest.mark.parametrize("rate", [0.25, 0.3, 0.5])
def test_plain_dropout_mask_is_rng_random_below_the_keep_probability(rate):
    """m = rng.random(x.shape) < q with the layer's generator, y = x * m / q, and m keeps a
    share q of the inputs."""
    layer = plain.Dropout(rate)
    layer.build((1000,), rng=np.random.default_rng(5))
    x = 1 + random_input((200, 1000)) ** 2
    out = layer.forward(x, training=True)
    keep = np.random.default_rng(5).random(x.shape) < 1 - rate
    np.testing.assert_array_equal(out != 0, keep)
    np.testing.assert_allclose(out[keep], x[keep] / (1 - rate), rtol=1e-15)
    assert abs(keep.mean() - (1 - rate)) < 0.005
    grad_out = random_input(x.shape, seed=2)
    np.testing.assert_allclose(layer.backward(grad_out), grad_out * keep / (1 - rate), rtol=1e-15)


def test_plain_dropout_gradient_with_a_fixed_mask():
    layer = plain.Dropout(0.4)
    layer.build((10, 3))

    def same_mask():
        layer.rng = np.random.default_rng(7)

    errors = check_layer(layer, random_input((4, 10, 3)), training=True, before_forward=same_mask)
    assert errors["input"] < TOLERANCE


# --------------------------------------------------------------------- fast against plain twins
@pytest.mark.parametrize("case", random_conv_cases(), ids=case_id)
def test_fast_conv2d_matches_plain_forward_and_all_gradients(case, monkeypatch):
    kwargs, shape, sliced = case
    if sliced:
        monkeypatch.setattr(conv_module, "PRODUCT_SLICE_BYTES", 1)
    fast_layer, plain_layer = twins("Conv2D", kwargs, shape)
    compare_forward_backward(fast_layer, plain_layer, random_input((3, *shape)))


def random_pool_cases(count=10, seed=0):
    rng = np.random.default_rng(seed)
    cases = []
    for index in range(count):
        pool = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        strides = None if index % 2 else (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        shape = (int(rng.integers(pool[0], 9)), int(rng.integers(pool[1], 9)),
                 int(rng.integers(1, 4)))
        cases.append((pool, strides, shape, index % 3 == 0))
    return cases


@pytest.mark.parametrize("pool, strides, shape, sliced", random_pool_cases())
def test_fast_maxpool_matches_plain_forward_and_gradient_without_ties(pool, strides, shape,
                                                                      sliced, monkeypatch):
    """Exactly equal on inputs whose values are all distinct (the tie rules are checked apart)."""
    if sliced:
        monkeypatch.setattr(pool_module, "SLICE_BYTES", 1)
    fast_layer, plain_layer = twins("MaxPool2D", dict(pool_size=pool, strides=strides), shape)
    compare_forward_backward(fast_layer, plain_layer, tie_free_input((3, *shape)), exact=True)


@pytest.mark.parametrize("sliced", [False, True])
@pytest.mark.parametrize("pool, strides, shape", TIE_CASES)
def test_fast_maxpool_gives_a_tie_to_the_first_maximum_in_column_major_order(pool, strides, shape,
                                                                             sliced, monkeypatch):
    """The fast layer's documented tie rule, on both of its paths (windows that tile the input,
    and the others); the output is still the plain twin's."""
    if sliced:
        monkeypatch.setattr(pool_module, "SLICE_BYTES", 1)
    fast_layer, plain_layer = twins("MaxPool2D", dict(pool_size=pool, strides=strides), shape)
    x = input_with_ties((3, *shape))
    out = fast_layer.forward(x).copy()
    np.testing.assert_array_equal(out, plain_layer.forward(x))
    grad_out = whole_numbers(out.shape)
    window = (fast_layer.pool_h, fast_layer.pool_w)
    np.testing.assert_array_equal(
        fast_layer.backward(grad_out),
        first_maximum_gradient(x, grad_out, window, fast_layer.strides, column_major=True))


@pytest.mark.parametrize("strides", [None, (1, 1)])
def test_a_window_with_two_maxima_sends_its_gradient_where_each_twin_says(strides):
    """The example in nn/layers/pool.py: [[0, 5], [5, 1]]; the fast layer gives the gradient to
    the bottom-left 5 (column-major order), the plain one to the top-right 5 (reading order)."""
    fast_layer, plain_layer = twins("MaxPool2D", dict(pool_size=2, strides=strides), (2, 2, 1))
    x = np.array([[0.0, 5.0], [5.0, 1.0]]).reshape(1, 2, 2, 1)
    for layer, winner in ((fast_layer, (1, 0)), (plain_layer, (0, 1))):
        assert layer.forward(x).item() == 5
        expected = np.zeros((2, 2))
        expected[winner] = 1
        np.testing.assert_array_equal(layer.backward(np.ones((1, 1, 1, 1)))[0, :, :, 0], expected)


@pytest.mark.parametrize("kwargs", [dict(units=5), dict(units=3, activation="relu"),
                                    dict(units=4, activation="relu", use_bias=False)])
def test_fast_dense_matches_plain_forward_and_all_gradients(kwargs):
    fast_layer, plain_layer = twins("Dense", kwargs, (7,))
    compare_forward_backward(fast_layer, plain_layer, random_input((6, 7)))


@pytest.mark.parametrize("rate", [0.0, 0.25, 0.5, 0.75])
def test_fast_dropout_matches_plain_given_the_same_mask(rate):
    """Rates that are multiples of 1/65536, which the fast layer's keep probability is exactly."""
    fast_layer, plain_layer = twins("Dropout", dict(rate=rate), (6, 5))
    keep = np.random.default_rng(8).random((4, 6, 5)) < 1 - rate
    give_the_same_mask(keep, fast_layer, plain_layer)
    compare_forward_backward(fast_layer, plain_layer, random_input((4, 6, 5)))
    if rate:
        np.testing.assert_array_equal(plain_layer.mask != 0, keep)
    x = random_input((2, 6, 5))
    assert fast_layer.forward(x) is x and plain_layer.forward(x) is x


def test_fast_dropout_keeps_with_the_rate_rounded_to_a_multiple_of_one_65536th():
    """Speed trick "16-bit draws": with the same mask, rate 0.3 scales the kept inputs by
    1 / q for q = 1 - round(0.3 * 65536) / 65536 in the fast layer, by 1 / 0.7 in the plain one."""
    fast_layer, plain_layer = twins("Dropout", dict(rate=0.3), (6, 5))
    keep = np.random.default_rng(8).random((4, 6, 5)) < 0.7
    give_the_same_mask(keep, fast_layer, plain_layer)
    x = random_input((4, 6, 5))
    fast_out, plain_out = fast_layer.forward(x, training=True), plain_layer.forward(x, training=True)
    q = 1 - round(0.3 * 65536) / 65536
    assert q != 0.7 and abs(q - 0.7) <= 1 / 131072
    np.testing.assert_allclose(fast_out, x * keep / q, rtol=1e-14)
    np.testing.assert_allclose(plain_out, x * keep / 0.7, rtol=1e-14)


def test_a_dropout_twin_from_the_same_seed_draws_other_masks():
    """The two draws differ (16-bit integers, uniform floats): the reason the tests above hand
    both the same mask."""
    fast_layer, plain_layer = twins("Dropout", dict(rate=0.5), (1000,))
    x = np.ones((4, 1000))
    assert not np.array_equal(fast_layer.forward(x, training=True) != 0,
                              plain_layer.forward(x, training=True) != 0)


def test_flatten_relu_and_softmax_are_the_fast_layers_themselves():
    for name in ("Flatten", "ReLU", "Softmax"):
        assert getattr(plain, name) is getattr(fast, name) and plain.TWINS[getattr(fast, name)] \
            is getattr(fast, name)


def test_every_fast_layer_and_optimizer_has_a_plain_twin_of_its_name():
    fast_classes = [getattr(fast, name) for name in fast.__all__ if name != "Layer"] + \
        list(optimizers.OPTIMIZERS.values())
    assert sorted(plain.TWINS, key=str) == sorted(fast_classes, key=str)
    for fast_class, plain_class in plain.TWINS.items():
        assert plain_class.__name__ == fast_class.__name__
        assert plain_class is getattr(plain, fast_class.__name__)


def test_make_plain_names_a_layer_that_has_no_twin():
    class Scale(fast.Layer):
        def forward(self, x, training=False):
            return 2 * x

    from scratchnet import Sequential

    model = Sequential([fast.Flatten(), Scale(), fast.Dense(3)], input_shape=(2, 2, 1), seed=0)
    with pytest.raises(ValueError, match="Scale has no plain twin"):
        plain.make_plain(model)


@pytest.mark.parametrize("name, kwargs", [
    ("Conv2D", dict(filters=0)), ("Conv2D", dict(filters=2, padding="full")),
    ("Conv2D", dict(filters=2, strides=(1, 2))), ("Conv2D", dict(filters=2, activation="tanh")),
    ("Dense", dict(units=True)), ("MaxPool2D", dict(pool_size=0)), ("Dropout", dict(rate=1.0)),
    ("Dropout", dict(rate="0.5"))], ids=str)
def test_plain_layers_reject_the_arguments_the_fast_ones_reject(name, kwargs):
    for module in (fast, plain):
        with pytest.raises(ValueError):
            getattr(module, name)(**kwargs)


# ----------------------------------------------------------------------------------- optimizers
OPTIMIZER_CASES = [("SGD", {}), ("SGD", dict(momentum=0.9)), ("SGD", dict(momentum=0.8, nesterov=True)),
                   ("Adam", {}), ("Adam", dict(learning_rate=0.01, beta_1=0.8)),
                   ("Adadelta", {}), ("Adadelta", dict(learning_rate=0.5, rho=0.9))]


BAD_OPTIMIZER_ARGUMENTS = [
    ("SGD", dict(learning_rate=0)), ("SGD", dict(learning_rate=-0.1)),
    ("SGD", dict(learning_rate=float("nan"))), ("SGD", dict(learning_rate=True)),
    ("SGD", dict(momentum=1.0)), ("SGD", dict(momentum=-0.5)), ("SGD", dict(nesterov=True)),
    ("Adam", dict(learning_rate=float("inf"))), ("Adam", dict(beta_1=1.0)),
    ("Adam", dict(beta_2="0.9")), ("Adadelta", dict(learning_rate="1")),
    ("Adadelta", dict(rho=1.5))]


@pytest.mark.parametrize("name, kwargs", BAD_OPTIMIZER_ARGUMENTS, ids=str)
def test_plain_optimizers_reject_what_the_fast_ones_reject_with_the_same_message(name, kwargs):
    messages = []
    for module in (optimizers, plain):
        with pytest.raises(ValueError) as error:
            getattr(module, name)(**kwargs)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    argument = "momentum" if "nesterov" in kwargs else next(iter(kwargs))
    assert argument in messages[0]


@pytest.mark.parametrize("name, kwargs", OPTIMIZER_CASES, ids=lambda v: str(v))
def test_fast_optimizer_matches_plain_step_by_step(name, kwargs):
    """Five steps on parameters longer than one chunk, so that the fast update's chunks meet."""
    rng = np.random.default_rng(0)
    start = {"a": rng.standard_normal(optimizers.CHUNK + 7), "b": rng.standard_normal((3, 4))}
    fast_opt, plain_opt = getattr(optimizers, name)(**kwargs), getattr(plain, name)(**kwargs)
    assert fast_opt.config() == plain_opt.config()
    fast_params = {key: value.copy() for key, value in start.items()}
    plain_params = {key: value.copy() for key, value in start.items()}
    for _ in range(5):
        grads = {key: rng.standard_normal(value.shape) for key, value in start.items()}
        fast_opt.step(fast_params, grads)
        plain_opt.step(plain_params, grads)
        for key in start:
            np.testing.assert_allclose(fast_params[key], plain_params[key], rtol=1e-12, atol=1e-14)
    assert fast_opt.state.keys() == plain_opt.state.keys()
    for key, slots in fast_opt.state.items():
        assert slots.keys() == plain_opt.state[key].keys()
        for slot, value in slots.items():
            np.testing.assert_allclose(value, plain_opt.state[key][slot], rtol=1e-11, atol=1e-14)


# --------------------------------------------------------------------------------- whole models
@pytest.mark.parametrize("slices", ["as configured", "one image or row at a time"])
def test_fast_and_plain_reference_cnn_give_the_same_training_step(slices, monkeypatch):
    """Same seed and the same dropout masks handed to both: the same weights, loss, gradients and
    updated weights. (Pooling follows a ReLU: its only ties are windows of zeros, where the two
    tie rules agree.)"""
    if slices != "as configured":
        monkeypatch.setattr(conv_module, "PRODUCT_SLICE_BYTES", 1)
        monkeypatch.setattr(pool_module, "SLICE_BYTES", 1)
    models = [reference_cnn(seed=4), reference_cnn(seed=4, plain=True)]
    models[0].compile(optimizers.SGD(0.1))
    models[1].compile(plain.SGD(0.1), plain.SoftmaxCrossEntropy())
    rng = np.random.default_rng(5)
    x, y = rng.random((3, 28, 28, 1)), np.array([3, 8, 0])
    for fast_layer, plain_layer in zip(*(model.layers for model in models)):
        if isinstance(plain_layer, plain.Dropout):
            keep = rng.random((3, *plain_layer.input_shape)) < 1 - plain_layer.rate
            give_the_same_mask(keep, fast_layer, plain_layer)
    losses = []
    for model in models:
        to_float64(model.layers)
        losses.append(model.train_on_batch(x, y))
    assert losses[0] == pytest.approx(losses[1], rel=1e-12)
    fast_model, plain_model = models
    assert fast_model.grads.keys() == plain_model.grads.keys() == fast_model.params.keys()
    for key, grad in plain_model.grads.items():
        np.testing.assert_allclose(fast_model.grads[key], grad, rtol=1e-9, atol=1e-13, err_msg=key)
        np.testing.assert_allclose(fast_model.params[key], plain_model.params[key], rtol=1e-12,
                                   atol=1e-14, err_msg=key)


def test_plain_model_saves_as_the_fast_one_and_resumes_plain(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((32, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 32)
    model = small_cnn(seed=2, plain=True)
    model.compile(plain.Adadelta(), plain.SoftmaxCrossEntropy())
    model.fit(x, y, epochs=1, batch_size=16, workers=1)
    model.save(tmp_path / "plain.npz")
    loaded = load_model(tmp_path / "plain.npz")
    assert [type(layer) for layer in loaded.layers] == \
        [getattr(fast, type(layer).__name__) for layer in model.layers]
    assert type(loaded.optimizer) is optimizers.Adadelta
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-5, atol=1e-7)
    # Resumed plain and resumed fast, one more step each: the same weights.
    again = load_model(tmp_path / "plain.npz")
    plain.make_plain(again)
    assert [type(layer) for layer in again.layers] == \
        [plain.TWINS[type(layer)] for layer in loaded.layers]
    for resumed in (loaded, again):
        resumed.train_on_batch(x[:16], y[:16])
    for key, value in loaded.params.items():
        np.testing.assert_allclose(value, again.params[key], rtol=1e-4, atol=1e-6, err_msg=key)


def test_plain_models_train_on_one_thread_and_the_same_seed_gives_the_same_weights(monkeypatch):
    from scratchnet.nn import parallel

    monkeypatch.setattr(parallel, "default_workers", lambda batch_size: 2)   # as on 2 cores
    x = random_input((40, 12, 12, 1)).astype(np.float64)
    y = np.arange(40) % 10
    trained = []
    for _ in range(2):
        model = plain_model()
        model.fit(x, y, epochs=1, batch_size=20)          # would be 2 workers for a fast model
        trained.append(model.params)
    for key, value in trained[0].items():
        np.testing.assert_array_equal(trained[1][key], value, err_msg=key)
    with pytest.raises(ValueError, match="one thread"):
        plain_model().fit(x, y, epochs=1, batch_size=20, workers=2)


def plain_model():
    from scratchnet import Sequential

    model = Sequential([plain.Conv2D(4, 3, activation="relu"), plain.MaxPool2D(2),
                        plain.Dropout(0.5), fast.Flatten(), plain.Dense(10)],
                       input_shape=(12, 12, 1), seed=3)
    model.compile(plain.Adadelta(), plain.SoftmaxCrossEntropy())
    return model
