"""The regularised last-layer fit: its gradient, its fixed point, its optimum, frozen classes, and
the taught model sharing the base model's other layers."""

import numpy as np
import pytest

from scratchnet.nn.gradcheck import numerical_gradient, relative_error, sample_coordinates
from scratchnet.nn.layers.activations import softmax
from scratchnet.nn.networks import small_cnn
from scratchnet.training import last_layer

CLASSES = 14          # ten digits and four more outputs, as a network with extra classes has


def problem(seed=0, samples=40, inputs=12, classes=CLASSES):
    """Non-negative features (as after a ReLU), soft targets, weights and an anchor, float64."""
    rng = np.random.default_rng(seed)
    features = np.maximum(rng.standard_normal((samples, inputs)), 0) * 3
    targets = softmax(rng.standard_normal((samples, classes)) * 2)
    weights = rng.uniform(0.1, 2.0, samples)
    anchor_kernel = rng.standard_normal((inputs, classes)) * 0.5
    anchor_bias = rng.standard_normal(classes) * 0.5
    return features, targets, weights, anchor_kernel, anchor_bias


def test_regularised_loss_gradient_matches_central_differences():
    features, targets, weights, anchor_kernel, anchor_bias = problem()
    rng = np.random.default_rng(1)
    kernel = anchor_kernel + rng.standard_normal(anchor_kernel.shape) * 0.3
    bias = anchor_bias + rng.standard_normal(anchor_bias.shape) * 0.3

    def loss():
        return last_layer.regularised_loss(kernel, bias, features, targets, weights,
                                           anchor_kernel, anchor_bias, 0.7)[0]

    _, grad_kernel, grad_bias = last_layer.regularised_loss(
        kernel, bias, features, targets, weights, anchor_kernel, anchor_bias, 0.7)
    for array, analytic in ((kernel, grad_kernel), (bias, grad_bias)):
        coordinates = sample_coordinates(array.shape, 40, rng)
        numeric = numerical_gradient(loss, array, coordinates)
        assert relative_error(np.array([analytic[c] for c in coordinates]), numeric) < 1e-6


def test_fit_with_only_distilled_replay_leaves_the_base_layer_unchanged():
    """Nothing taught: the replayed samples' targets are the base model's own probabilities,
    so the gradient at the base weights is zero and the fit returns them."""
    features, _, weights, anchor_kernel, anchor_bias = problem()
    anchor_kernel, anchor_bias = anchor_kernel.astype(np.float32), anchor_bias.astype(np.float32)
    targets = softmax(features @ anchor_kernel.astype(np.float64) + anchor_bias)
    kernel, bias = last_layer.fit_regularised(features, targets, weights, anchor_kernel,
                                              anchor_bias, strength=0.5, steps=50)
    np.testing.assert_array_equal(kernel, anchor_kernel)
    np.testing.assert_array_equal(bias, anchor_bias)
    assert kernel.dtype == np.float32 and kernel is not anchor_kernel


def test_fit_reaches_the_minimum():
    """At the result the gradient is all but zero, and J is below its value at the anchor and
    at random points near the result."""
    features, targets, weights, anchor_kernel, anchor_bias = problem(seed=2)
    args = (features, targets, weights, anchor_kernel, anchor_bias, 0.3)
    kernel, bias = last_layer.fit_regularised(*args[:5], strength=0.3, steps=1000)
    loss, grad_kernel, grad_bias = last_layer.regularised_loss(kernel, bias, *args)
    start_loss, start_kernel, _ = last_layer.regularised_loss(anchor_kernel, anchor_bias, *args)
    assert np.abs(grad_kernel).max() < 1e-6 * np.abs(start_kernel).max()
    assert np.abs(grad_bias).max() < 1e-6 * np.abs(start_kernel).max()
    assert loss < start_loss
    rng = np.random.default_rng(3)
    for _ in range(5):
        nearby = last_layer.regularised_loss(kernel + rng.standard_normal(kernel.shape) * 1e-3,
                                             bias + rng.standard_normal(bias.shape) * 1e-3,
                                             *args)[0]
        assert nearby > loss


def test_fit_teaches_a_sample_the_base_layer_reads_wrong():
    features, _, _, anchor_kernel, anchor_bias = problem(seed=4)
    wrong = int(np.argmin((features[:1] @ anchor_kernel + anchor_bias)[0]))
    replay = features[1:]
    inputs = np.concatenate([features[:1], replay])
    targets = np.concatenate([np.eye(CLASSES)[[wrong]],
                              softmax(replay @ anchor_kernel + anchor_bias)])
    weights = np.concatenate([[1.0], np.full(len(replay), 1.0 / len(replay))])
    kernel, bias = last_layer.fit_regularised(inputs, targets, weights, anchor_kernel,
                                              anchor_bias, strength=0.05, steps=300)
    assert (features[:1] @ kernel + bias).argmax() == wrong
    agree = ((replay @ kernel + bias).argmax(1) == (replay @ anchor_kernel + anchor_bias).argmax(1))
    assert agree.mean() >= 0.9


def test_frozen_classes_keep_the_base_weights_exactly():
    """Extra outputs (the last four here) held at the base model's weights while the digits are
    taught; the digits' columns do move."""
    features, targets, weights, anchor_kernel, anchor_bias = problem(seed=5)
    frozen = np.arange(CLASSES) >= 10
    kernel, bias = last_layer.fit_regularised(features, targets, weights, anchor_kernel,
                                              anchor_bias, strength=0.3, steps=50, frozen=frozen)
    np.testing.assert_array_equal(kernel[:, frozen], anchor_kernel[:, frozen])
    np.testing.assert_array_equal(bias[frozen], anchor_bias[frozen])
    assert np.abs(kernel[:, ~frozen] - anchor_kernel[:, ~frozen]).max() > 1e-3


def test_smoothness_bounds_the_weighted_second_moment():
    features, _, weights, _, _ = problem(seed=6)
    augmented = np.hstack([features, np.ones((len(features), 1))])
    top = np.linalg.eigvalsh(augmented.T @ (weights[:, None] * augmented)).max()
    bound = last_layer.smoothness(features, weights, strength=0.2)
    assert 0.2 + top / 2 <= bound <= 0.2 + 1.1 * top / 2


def test_fit_rejects_no_pull_and_mismatched_shapes():
    features, targets, weights, anchor_kernel, anchor_bias = problem()
    with pytest.raises(ValueError, match="strength must be above 0"):
        last_layer.fit_regularised(features, targets, weights, anchor_kernel, anchor_bias,
                                   strength=0.0, steps=5)
    with pytest.raises(ValueError, match="anchor kernel"):
        last_layer.fit_regularised(features, targets, weights, anchor_kernel[:-1], anchor_bias,
                                   strength=0.1, steps=5)


def test_taught_model_shares_every_other_layer_and_leaves_the_base_alone():
    model = small_cnn(seed=0)
    images = np.random.default_rng(7).random((5, 28, 28, 1)).astype(np.float32)
    before = model.predict_logits(images)
    layer = last_layer.last_dense(model)
    kernel = layer.params["kernel"] * 2
    bias = layer.params["bias"] + 1
    taught = last_layer.with_last_layer(model, kernel, bias)
    hidden = last_layer.features(model, images)
    np.testing.assert_allclose(taught.predict_logits(images), hidden @ kernel + bias, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_array_equal(model.predict_logits(images), before)
    assert all(a.params is b.params for a, b in zip(model.layers[:-1], taught.layers[:-1]))


def test_replay_targets_are_the_base_models_probabilities():
    model = small_cnn(seed=0)
    images = np.random.default_rng(8).random((6, 28, 28, 1)).astype(np.float32)
    replay = last_layer.Replay.from_images(model, images)
    assert replay.features.shape == (6, 64)
    np.testing.assert_allclose(replay.targets, model.predict(images), rtol=1e-4, atol=1e-6)


def test_centred_fit_reaches_the_minimum_of_the_centred_objective():
    """With a centre the fit minimises J of the centred inputs with the anchor's bias moved to
    the centre (b0 + mu W0); the layer it returns reads uncentred inputs the same way."""
    features, targets, weights, anchor_kernel, anchor_bias = problem(seed=9)
    centre = features.mean(axis=0)
    kernel, bias = last_layer.fit_regularised(features, targets, weights, anchor_kernel,
                                              anchor_bias, strength=0.3, steps=1000, centre=centre)
    centred_bias = bias + centre @ kernel
    _, grad_kernel, grad_bias = last_layer.regularised_loss(
        kernel, centred_bias, features - centre, targets, weights, anchor_kernel,
        anchor_bias + centre @ anchor_kernel, 0.3)
    assert np.abs(grad_kernel).max() < 1e-7 and np.abs(grad_bias).max() < 1e-7


def test_centred_fit_with_only_distilled_replay_leaves_the_base_layer_unchanged():
    features, _, weights, anchor_kernel, anchor_bias = problem(seed=10)
    targets = softmax(features @ anchor_kernel + anchor_bias)
    kernel, bias = last_layer.fit_regularised(features, targets, weights, anchor_kernel,
                                              anchor_bias, strength=0.5, steps=50,
                                              centre=features.mean(axis=0))
    np.testing.assert_allclose(kernel, anchor_kernel, rtol=0, atol=1e-12)
    np.testing.assert_allclose(bias, anchor_bias, rtol=0, atol=1e-12)


def test_frozen_classes_stay_exact_with_a_centre():
    features, targets, weights, anchor_kernel, anchor_bias = problem(seed=11)
    frozen = np.arange(CLASSES) >= 10
    kernel, bias = last_layer.fit_regularised(features, targets, weights, anchor_kernel,
                                              anchor_bias, strength=0.3, steps=50,
                                              centre=features.mean(axis=0), frozen=frozen)
    np.testing.assert_array_equal(kernel[:, frozen], anchor_kernel[:, frozen])
    np.testing.assert_array_equal(bias[frozen], anchor_bias[frozen])


def replay_pool(seed=12, size=300, inputs=12):
    rng = np.random.default_rng(seed)
    pool = np.maximum(rng.standard_normal((size, inputs)), 0).astype(np.float32)
    return last_layer.Replay(pool, softmax(rng.standard_normal((size, CLASSES))))


def test_nearest_finds_the_pool_samples_most_like_each_query():
    replay = replay_pool()
    queries = replay.features[[5, 17]] * 3          # the same direction: cosine 1
    nearest = replay.nearest(queries, 1)
    np.testing.assert_array_equal(nearest, [5, 17])
    assert len(replay.nearest(queries, 4)) == 8


def test_teaching_set_weighs_each_drawing_one_and_the_replay_as_set():
    replay = replay_pool()
    settings = last_layer.LastLayerSettings(replay_weight=30.0, replay_count=100, nearest=3,
                                            nearest_weight=5.0)
    drawings = [replay.features[:4] + 1, replay.features[4:6] + 1]       # 1 + 3 and 1 + 1 copies
    inputs, targets, weights = last_layer.teaching_set(drawings, np.array([7, 2]), replay,
                                                       settings)
    assert len(inputs) == 6 + 100 + 2 * 3
    np.testing.assert_allclose(weights[:4].sum(), 1.0)
    np.testing.assert_allclose(weights[4:6].sum(), 1.0)
    np.testing.assert_array_equal(targets[:4].argmax(1), 7)
    np.testing.assert_array_equal(targets[4:6].argmax(1), 2)
    assert targets.shape[1] == CLASSES and targets[:6, 10:].sum() == 0
    np.testing.assert_allclose(weights[6:106].sum(), 30.0)
    np.testing.assert_allclose(weights[106:], 30.0 / 100 * 5.0)


def test_teacher_reads_a_taught_drawing_right_and_starts_from_the_base_model():
    model = small_cnn(seed=0)
    rng = np.random.default_rng(13)
    pool = rng.random((200, 28, 28, 1)).astype(np.float32)
    replay = last_layer.Replay.from_images(model, pool)
    settings = last_layer.LastLayerSettings(strength=0.01, replay_weight=1.0, replay_count=200,
                                            nearest=5, copies=4, steps=300)
    teacher = last_layer.LastLayerTeacher(model, replay, settings)
    assert teacher.taught_model() is model
    image = np.zeros((28, 28), np.float32)
    image[6:22, 12:16] = 1.0                       # a bar
    wrong = int(np.argmin(model.predict_logits(image.reshape(1, 28, 28, 1))[0]))
    base_kernel = model.layers[-1].params["kernel"].copy()
    taught = teacher.teach(image, wrong)
    assert teacher.taught == 1
    assert taught.predict(image.reshape(1, 28, 28, 1)).argmax() == wrong
    np.testing.assert_array_equal(model.layers[-1].params["kernel"], base_kernel)


def test_teacher_copies_from_strokes_when_it_has_them():
    model = small_cnn(seed=0)
    replay = last_layer.Replay.from_images(model, np.random.default_rng(14).random(
        (50, 28, 28, 1)).astype(np.float32))
    teacher = last_layer.LastLayerTeacher(model, replay, last_layer.LastLayerSettings(copies=3))
    strokes = [{"width": 20.0, "points": [[140.0, 40.0], [140.0, 240.0]]}]
    from scratchnet.preprocess import strokes_to_mnist
    teacher.teach(strokes_to_mnist(strokes, (280, 280)), 1, strokes, (280, 280))
    assert teacher.drawings[0].shape == (4, 64)


def test_teacher_rejects_a_replay_set_for_another_network_and_a_label_out_of_range():
    model = small_cnn(seed=0)
    with pytest.raises(ValueError, match="another network"):
        last_layer.LastLayerTeacher(model, replay_pool())
    replay = last_layer.Replay.from_images(model, np.zeros((3, 28, 28, 1), np.float32))
    teacher = last_layer.LastLayerTeacher(model, replay)
    with pytest.raises(ValueError, match="label must be a class"):
        teacher.teach(np.zeros((28, 28), np.float32), 10)
