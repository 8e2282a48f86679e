"""Confusion matrix and per-class precision/recall/F1 against hand counts."""

import numpy as np
import pytest

from scratchnet.training.metrics import (
    accuracy_by_group,
    class_report,
    confusion_matrix,
    evaluate_classifier,
    format_confusion_matrix,
    top_confusions,
)


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    matrix = confusion_matrix(y_true, y_pred, classes=3)
    expected = np.zeros((3, 3), np.int64)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.dtype == np.int64


def test_confusion_matrix_matches_a_loop_on_random_labels():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 5000), rng.integers(0, 10, 5000)
    expected = np.zeros((10, 10), np.int64)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred), expected)


def test_confusion_matrix_rejects_labels_out_of_range_and_mismatched_lengths():
    with pytest.raises(ValueError, match="y_pred must hold labels in 0..9"):
        confusion_matrix(np.array([1]), np.array([10]))
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix(np.array([1, 2]), np.array([1]))


def test_precision_recall_f1_by_hand():
    # class 0: 1 of 2 found, 2 predicted 0 of which 1 right; class 1: 1 of 1, predicted twice;
    # class 2: 2 of 3, predicted twice, both right.
    matrix = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    report = class_report(matrix)
    np.testing.assert_allclose(report.precision, [1 / 2, 1 / 2, 1])
    np.testing.assert_allclose(report.recall, [1 / 2, 1, 2 / 3])
    np.testing.assert_allclose(report.f1, [1 / 2, 2 / 3, 0.8])
    np.testing.assert_array_equal(report.support, [2, 1, 3])
    assert report.accuracy == pytest.approx(4 / 6)


def test_never_predicted_class_gets_zero_not_nan():
    report = class_report(confusion_matrix(np.array([0, 1]), np.array([0, 0]), 3))
    assert np.all(np.isfinite(report.precision)) and report.precision[1] == 0
    assert report.recall[2] == 0 and report.f1[2] == 0


def test_text_table_and_matrix_list_every_class():
    matrix = confusion_matrix(np.arange(10).repeat(3), np.arange(10).repeat(3))
    table = class_report(matrix).table()
    assert len(table.splitlines()) == 13 and "accuracy 1.0000 (30/30)" in table
    text = format_confusion_matrix(matrix)
    assert text.splitlines()[0].startswith("true\\pred") and len(text.splitlines()) == 11


def test_evaluate_classifier_agrees_with_the_model():
    from scratchnet.nn.networks import small_cnn

    rng = np.random.default_rng(0)
    model = small_cnn(seed=0)
    x = rng.random((50, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 50)
    result = evaluate_classifier(model, x, y, batch_size=16)
    loss, accuracy = model.evaluate(x, y)
    assert result.loss == pytest.approx(loss, rel=1e-5)
    assert result.accuracy == pytest.approx(accuracy)
    np.testing.assert_allclose(result.probabilities, model.predict(x), rtol=1e-5, atol=1e-7)
    assert result.matrix.sum() == 50


def test_top_confusions_are_the_largest_off_diagonal_counts_first():
    matrix = np.array([[5, 2, 0], [7, 9, 1], [0, 2, 3]])
    assert top_confusions(matrix) == [(1, 0, 7), (0, 1, 2), (2, 1, 2), (1, 2, 1)]
    assert top_confusions(matrix, 1) == [(1, 0, 7)]
    assert top_confusions(np.eye(3, dtype=int)) == []


def test_accuracy_by_group_counts_right_and_total_per_group_in_order():
    result = accuracy_by_group([1, 2, 3, 4], [1, 0, 3, 4], ["bob", "ann", "bob", "ann"])
    assert list(result) == ["bob", "ann"] and result == {"bob": (2, 2), "ann": (1, 2)}
