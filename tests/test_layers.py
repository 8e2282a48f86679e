"""Every layer's gradients against central differences, the fast layers' batch slices against
their plain twins (scratchnet.nn.plain; tests/test_plain.py compares the rest), and the layers'
argument checks."""

import numpy as np
import pytest

from scratchnet.nn import plain
from scratchnet.nn.gradcheck import check_layer, to_float64
from scratchnet.nn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU, Softmax
from scratchnet.nn.layers import conv as conv_module
from scratchnet.nn.layers import pool as pool_module

TOLERANCE = 1e-6


def built(layer, input_shape):
    layer.build(input_shape)
    to_float64([layer])
    return layer


def random_input(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def plain_twin(layer):
    """The plain layer with the same configuration, sharing ``layer``'s weights."""
    twin = plain.plain_twin(layer)
    twin.build(layer.input_shape)
    twin.params = layer.params
    return twin


CONV_CASES = [
    dict(filters=4, kernel_size=3),
    dict(filters=4, kernel_size=3, strides=2),
    dict(filters=3, kernel_size=3, padding="same"),
    dict(filters=3, kernel_size=3, strides=2, padding="same"),
    dict(filters=5, kernel_size=(2, 3), padding="same", use_bias=False),
    dict(filters=4, kernel_size=3, activation="relu"),
    dict(filters=2, kernel_size=1),
]


@pytest.mark.parametrize("kwargs", CONV_CASES, ids=lambda k: "-".join(f"{a}={b}" for a, b in k.items()))
def test_conv2d_gradients_match_central_differences(kwargs):
    layer = built(Conv2D(**kwargs), (7, 8, 3))
    errors = check_layer(layer, random_input((2, 7, 8, 3)))
    assert set(errors) == {"input", "kernel"} | ({"bias"} if layer.use_bias else set())
    assert max(errors.values()) < TOLERANCE, errors


@pytest.mark.parametrize("kwargs", [dict(filters=4, kernel_size=3, activation="relu"),
                                    dict(filters=3, kernel_size=3, strides=2, padding="same")],
                         ids=["relu", "stride2-same"])
def test_conv2d_in_several_batch_slices_matches_the_plain_layer(kwargs, monkeypatch):
    """Slices of 2 images for a batch of 5: two full slices and a shorter last one."""
    layer = built(Conv2D(**kwargs), (7, 8, 3))
    out_h, out_w, filters = layer.output_shape((7, 8, 3))
    row_bytes = (9 * 3 + 2 * filters) * 8
    monkeypatch.setattr(conv_module, "PRODUCT_SLICE_BYTES", 2 * out_h * out_w * row_bytes)
    assert [part.stop - part.start for part in layer.batch_slices(5, 8)[0]] == [2, 2, 1]
    twin = plain_twin(layer)
    x = random_input((5, 7, 8, 3))
    np.testing.assert_allclose(layer.forward(x), twin.forward(x), rtol=1e-12, atol=1e-12)
    grad_out = random_input((5, out_h, out_w, filters), seed=2)
    np.testing.assert_allclose(layer.backward(grad_out), twin.backward(grad_out), rtol=1e-10,
                               atol=1e-12)
    for key in ("kernel", "bias"):
        np.testing.assert_allclose(layer.grads[key], twin.grads[key], rtol=1e-10, atol=1e-12)


def test_conv2d_keeps_the_input_dtype_with_float32_weights():
    layer = Conv2D(4, 3)
    layer.build((6, 6, 2))
    x32 = random_input((2, 6, 6, 2)).astype(np.float32)
    assert layer.forward(x32).dtype == np.float32
    assert layer.backward(np.ones((2, 4, 4, 4), np.float32)).dtype == np.float32


def test_conv2d_reads_weights_edited_in_place():
    layer = Conv2D(2, 3)
    layer.build((5, 5, 1))
    x = random_input((1, 5, 5, 1)).astype(np.float32)
    layer.params["kernel"][...] = 0
    layer.params["bias"][...] = 1.5
    np.testing.assert_array_equal(layer.forward(x), 1.5)


def test_conv2d_rejects_wrong_channel_count():
    layer = Conv2D(2, 3)
    layer.build((5, 5, 1))
    with pytest.raises(ValueError, match="expected input of shape"):
        layer.forward(np.zeros((1, 5, 5, 3), np.float32))


@pytest.mark.parametrize("bad", [dict(filters=0), dict(filters=2, padding="full"),
                                 dict(filters=2, activation="tanh"), dict(filters=2, kernel_size=-1),
                                 dict(filters=2, strides=(1, 2))])
def test_conv2d_rejects_bad_arguments(bad):
    with pytest.raises(ValueError):
        Conv2D(**bad)


POOL_CASES = [((2, 2), None, (6, 6, 3)), ((2, 2), None, (7, 5, 2)), ((3, 3), (2, 2), (7, 7, 2)),
              ((2, 3), (1, 2), (5, 7, 2)), ((3, 3), (1, 1), (5, 5, 1))]


@pytest.mark.parametrize("pool, strides, shape", POOL_CASES)
def test_maxpool_forward_and_backward_match_the_plain_layer(pool, strides, shape):
    layer = built(MaxPool2D(pool, strides), shape)
    twin = plain_twin(layer)
    x = random_input((3, *shape))
    out = layer.forward(x)
    np.testing.assert_array_equal(out, twin.forward(x))
    grad_out = random_input(out.shape, seed=2)
    np.testing.assert_array_equal(layer.backward(grad_out), twin.backward(grad_out))


def test_maxpool_in_several_batch_slices_matches_the_plain_layer(monkeypatch):
    """Slices of 4 rows of windows (2 image rows of 6 x 2 numbers each) over 5 images of 3 such
    rows: 4, 4, 4 and 3 rows. On inputs without ties, where the twins' tie rules cannot differ
    (tests/test_plain.py checks each rule)."""
    monkeypatch.setattr(pool_module, "SLICE_BYTES", 4 * 2 * 6 * 2 * 8)
    layer = built(MaxPool2D(2), (6, 6, 2))
    twin = plain_twin(layer)
    x = np.random.default_rng(1).permutation(360).reshape(5, 6, 6, 2) / 360.0   # all distinct
    np.testing.assert_array_equal(layer.forward(x), twin.forward(x))
    grad_out = random_input((5, 3, 3, 2), seed=2)
    np.testing.assert_array_equal(layer.backward(grad_out), twin.backward(grad_out))


@pytest.mark.parametrize("pool, strides, shape", POOL_CASES)
def test_maxpool_gradients_match_central_differences(pool, strides, shape):
    layer = built(MaxPool2D(pool, strides), shape)
    errors = check_layer(layer, random_input((2, *shape)))
    assert errors["input"] < TOLERANCE


@pytest.mark.parametrize("strides", [None, (1, 1)])
def test_maxpool_ties_send_the_whole_gradient_to_the_first_maximum(strides):
    layer = built(MaxPool2D(2, strides), (4, 4, 1))
    x = np.zeros((1, 4, 4, 1))           # every window is a four-way tie, as after a dead ReLU
    out = layer.forward(x)
    grad_x = layer.backward(np.ones_like(out))
    assert grad_x.sum() == out.size       # gradient is neither lost nor duplicated
    expected = np.zeros((4, 4))           # each window's top-left pixel
    if strides is None:
        expected[::2, ::2] = 1
    else:
        expected[:3, :3] = 1
    np.testing.assert_array_equal(grad_x[0, :, :, 0], expected)


@pytest.mark.parametrize("activation", [None, "relu"])
def test_dense_gradients_match_central_differences(activation):
    layer = built(Dense(5, activation=activation), (7,))
    errors = check_layer(layer, random_input((4, 7)))
    assert max(errors.values()) < TOLERANCE, errors


def test_dense_without_bias_has_only_a_kernel():
    layer = built(Dense(3, use_bias=False), (4,))
    assert set(layer.params) == {"kernel"}
    assert check_layer(layer, random_input((2, 4)))["kernel"] < TOLERANCE


def test_dense_needs_flat_input():
    with pytest.raises(ValueError, match="Flatten"):
        Dense(3).build((4, 4, 1))


@pytest.mark.parametrize("layer, shape", [(ReLU(), (4, 5)), (Softmax(), (6,)), (Flatten(), (3, 3, 2))])
def test_parameterless_layer_gradients_match_central_differences(layer, shape):
    layer = built(layer, shape)
    assert check_layer(layer, random_input((3, *shape)))["input"] < TOLERANCE


def test_dropout_gradient_with_a_fixed_mask():
    layer = built(Dropout(0.4), (10, 3))

    def same_mask():
        layer.rng = np.random.default_rng(7)

    errors = check_layer(layer, random_input((4, 10, 3)), training=True, before_forward=same_mask)
    assert errors["input"] < TOLERANCE


def test_dropout_is_identity_at_inference_and_unbiased_in_training():
    layer = built(Dropout(0.25), (1000,))
    x = np.ones((200, 1000), np.float32)
    assert layer.forward(x) is x
    out = layer.forward(x, training=True)
    assert out.dtype == np.float32
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.005
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.01


@pytest.mark.parametrize("rate", [-0.1, 1.0, "0.5", True])
def test_dropout_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match="rate"):
        Dropout(rate)


def test_layer_built_alone_is_reproducible():
    first, second = Conv2D(8, 3), Conv2D(8, 3)
    first.build((9, 9, 2))
    second.build((9, 9, 2))
    np.testing.assert_array_equal(first.params["kernel"], second.params["kernel"])
    assert first.params["kernel"].dtype == np.float32


def test_he_and_glorot_initialisation_scales():
    relu = Dense(400, activation="relu")
    relu.build((1000,))
    linear = Dense(400)
    linear.build((1000,))
    assert abs(relu.params["kernel"].std() - np.sqrt(2 / 1000)) < 0.002
    limit = np.sqrt(6 / 1400)
    assert np.abs(linear.params["kernel"]).max() <= limit
    assert abs(linear.params["kernel"].std() - limit / np.sqrt(3)) < 0.002
    assert not relu.params["bias"].any()


def test_training_steps_reuse_their_arrays():
    """Outputs and gradients live in arrays kept from step to step: no allocation per step."""
    layers = [Conv2D(4, 3, activation="relu"), MaxPool2D(2), Dropout(0.5)]
    shape = (8, 8, 1)
    for layer in layers:
        layer.build(shape)
        shape = layer.output_shape(shape)
    x = random_input((3, 8, 8, 1)).astype(np.float32)

    def step():
        out = x
        for layer in layers:
            out = layer.forward(out, training=True)
        grad = np.ones_like(out)
        for layer in reversed(layers):
            grad = layer.backward(grad)
        return [array for layer in layers for array in layer._buffers.values()]

    first = step()
    second = step()
    assert len(first) == len(second) > 0
    assert all(a is b for a, b in zip(first, second))


@pytest.mark.parametrize("layer", [Conv2D(4, 3, activation="relu"), MaxPool2D(2), Dropout(0.5),
                                   Dense(5), Flatten(), ReLU(), Softmax()])
def test_inference_outputs_belong_to_the_caller(layer):
    shape = (4,) if isinstance(layer, (Dense, Softmax)) else (8, 8, 1)
    layer.build(shape)
    first_input, second_input = random_input((3, *shape)), random_input((3, *shape))
    first = layer.forward(first_input)
    kept = first.copy()
    second = layer.forward(second_input)
    assert second is not first
    np.testing.assert_array_equal(first, kept)      # not overwritten by the second call
