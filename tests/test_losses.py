import numpy as np
import pytest

from scratchnet.nn.gradcheck import numerical_gradient, relative_error, sample_coordinates
from scratchnet.nn.losses import SoftmaxCrossEntropy


def test_softmax_cross_entropy_gradient_matches_central_differences():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 10))
    labels = rng.integers(0, 10, 5)
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, labels)
    analytic = loss.backward()
    coords = sample_coordinates(logits.shape, 50, rng)
    numeric = numerical_gradient(lambda: loss.forward(logits, labels), logits, coords)
    assert relative_error([analytic[c] for c in coords], numeric) < 1e-7


def test_integer_and_one_hot_labels_agree():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])
    loss = SoftmaxCrossEntropy()
    from_int = loss.forward(logits, labels), loss.backward()
    from_one_hot = loss.forward(logits, np.eye(3)[labels]), loss.backward()
    assert from_int[0] == pytest.approx(from_one_hot[0])
    np.testing.assert_allclose(from_int[1], from_one_hot[1])


def test_loss_is_stable_for_huge_logits():
    loss = SoftmaxCrossEntropy()
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 1e4, 0.0]], dtype=np.float32)
    value = loss.forward(logits, np.array([0, 0]))
    assert np.isfinite(value)
    assert value == pytest.approx(1e4 / 2, rel=1e-6)    # first row ~0, second row 1e4
    assert np.isfinite(loss.backward()).all()


def test_uniform_logits_give_log_k():
    loss = SoftmaxCrossEntropy()
    assert loss.forward(np.zeros((3, 10)), np.array([1, 2, 3])) == pytest.approx(np.log(10))


def test_gradient_keeps_the_logits_dtype():
    loss = SoftmaxCrossEntropy()
    loss.forward(np.zeros((2, 4), np.float32), np.array([1, 3]))
    assert loss.backward().dtype == np.float32


@pytest.mark.parametrize("labels, message", [(np.array([0, 10]), "0..9"), (np.array([0]), "1 labels"),
                                             (np.array([0.0, 1.0]), "integer"),
                                             (np.zeros((2, 3)), "shape")])
def test_bad_labels_are_rejected_with_a_clear_message(labels, message):
    with pytest.raises(ValueError, match=message):
        SoftmaxCrossEntropy().forward(np.zeros((2, 10)), labels)
