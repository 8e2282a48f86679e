"""The study tool behind docs/drawings.md (``scratchnet.tools.drawing_study``)."""

from pathlib import Path

import numpy as np
import pytest

from scratchnet.data.drawings import LabelledDrawing
from scratchnet.tools import drawing_study as study

DEV_SET = Path(__file__).resolve().parent.parent.parent / "shared" / "drawn"


def drawing(person, label):
    return LabelledDrawing(person, Path(f"{person}/{label}.json"), label, [], (280, 280))


def test_score_counts_per_digit_per_person_and_the_confusions():
    drawings = [drawing("a", k % 10) for k in range(20)] + [drawing("b", 1), drawing("b", 1)]
    predicted = np.array([k % 10 for k in range(20)] + [7, 1])
    predicted[3] = 5                                        # a's first 3 read as 5
    result = study.score(predicted, drawings)
    assert result.accuracy == pytest.approx(20 / 22)
    assert result.per_digit[3] == 0.5 and result.per_digit[1] == pytest.approx(3 / 4)
    assert result.per_person == {"a": 19 / 20, "b": 0.5}
    assert sorted(result.confusions) == [(1, 7, 1), (3, 5, 1)]
    assert result.worst_digit[1] == 0.5


def test_study_row_names_the_worst_digit_at_each_box():
    drawings = [drawing("a", k) for k in range(10)]
    right = study.score(np.arange(10), drawings)
    wrong = study.score(np.array([0, 7, 2, 3, 4, 5, 6, 7, 8, 9]), drawings)
    row = study.study_row("m", {200: right, 60: wrong}, 0.9944)
    assert row == "| m | 100.0% (0: 100%) | 90.0% (1: 0%) | 99.44% |"


def test_pen_matched_to_the_digit_reads_the_same_image_at_every_box():
    if not DEV_SET.is_dir():
        pytest.skip(f"dev drawings not available: {DEV_SET} does not exist")
    drawings = study.load_drawings([DEV_SET])[:20]
    big, small = (study.drawings_as_images(drawings, box) for box in (200, 60))
    assert big.shape == (20, 28, 28, 1) and big.dtype == np.float32
    np.testing.assert_allclose(big, small, atol=0.02)
    drawn_small = study.drawings_as_images(drawings, 60, pen="drawn")
    assert drawn_small.sum() > 1.2 * small.sum()           # the 20 px brush on a 60 px digit
