"""The measurement of teaching methods: the split into halves, the protocol's taught and other
drawings, the summary, and a step-by-step run on a stand-in person."""

import numpy as np

from scratchnet.data.personal import save_sample
from scratchnet.nn.networks import small_cnn
from scratchnet.preprocess import strokes_to_mnist
from scratchnet.tools import teach_methods as tm
from scratchnet.training import last_layer


def test_split_is_seeded_disjoint_and_halves_each_collection():
    names = [f"a/p{i}" for i in range(7)] + [f"b/q{i}" for i in range(4)]
    tune, report = tm.split_people(names, seed=0)
    assert (tune, report) == tm.split_people(list(reversed(names)), seed=0)
    assert set(tune).isdisjoint(report) and set(tune) | set(report) == set(names)
    assert sum(n.startswith("a/") for n in tune) == 3 and sum(n.startswith("b/") for n in tune) == 2
    assert tm.split_people(names, seed=1) != (tune, report)


def test_taught_are_the_first_k_of_each_digit_in_the_order_drawn():
    labels = np.array([3, 1, 3, 3, 1, 7, 3])
    taught, others = tm.taught_in_order(labels, 2)
    np.testing.assert_array_equal(taught, [0, 1, 2, 4, 5])      # the one 7 is taught, none read
    np.testing.assert_array_equal(others, [3, 6])


def result(person, base_all, others, right_before, right_after, mnist=0.99, seconds=()):
    return tm.PersonResult(person, 1, "m", 10, others, right_before, right_after, base_all,
                           mnist, mnist, list(seconds))


def test_summary_pools_drawings_and_takes_the_worst_among_people_with_enough_others():
    rows = [result(f"p{i}", 0.9 + i / 100, 10, 9, 10) for i in range(7)]
    rows.append(result("few", 0.5, 2, 0, 1, mnist=0.98, seconds=(0.2, 0.4, 0.3)))
    summary = tm.summarise(rows)
    assert summary["others"] == 72
    assert summary["before"] == (7 * 9 + 0) / 72 and summary["after"] == (70 + 1) / 72
    assert summary["lowest_after"] == 1.0                  # "few" has under MIN_OTHERS others
    assert summary["worst_before"] == 0.9                  # p0..p5, not "few"
    assert summary["mnist_test_lowest"] == 0.98
    assert summary["step_median"] == 0.3 and summary["step_max"] == 0.4


def stand_in_person(tmp_path):
    """A person who drew a bar for 1 and a box for 0, each three times, slightly differently."""
    folder = tmp_path / "set" / "someone"
    for index in range(3):
        shift = 10.0 * index
        one = [{"width": 20.0, "points": [[140.0 + shift, 40.0], [140.0, 240.0]]}]
        zero = [{"width": 20.0, "points": [[80.0, 60.0 + shift], [200.0, 60.0], [200.0, 220.0],
                                           [80.0, 220.0], [80.0, 60.0 + shift]]}]
        for label, strokes in ((1, one), (0, zero)):
            save_sample(folder, label, strokes_to_mnist(strokes, (280, 280)), strokes, (280, 280))
    return tm.read_person("set/someone", folder)


def test_live_run_times_every_step_and_reads_the_others(tmp_path):
    person = stand_in_person(tmp_path)
    assert sorted(person.labels.tolist()) == [0, 0, 0, 1, 1, 1]
    model = small_cnn(seed=0)
    rng = np.random.default_rng(0)
    pool = last_layer.Replay.from_images(model, rng.random((60, 28, 28, 1)).astype(np.float32))
    features = pool.features[:20]
    mnist = tm.MnistFeatures(pool, rng.integers(0, 10, 60), features, rng.integers(0, 10, 20),
                             features, rng.integers(0, 10, 20))
    method = tm.Method("last layer", copies=2, strength=0.01, replay=1.0, replay_count=60,
                       nearest=2, steps=200)
    outcome = tm.measure_live(method, model, person, 1, mnist)
    assert outcome.taught == 2 and outcome.others == 4
    assert len(outcome.step_seconds) == 2 and all(s > 0 for s in outcome.step_seconds)
    assert outcome.lowest_during <= outcome.after
    prototypes = tm.measure_live(tm.Method("prototypes", boost=50, sharpness=5), model, person,
                                 1, mnist)
    assert prototypes.after >= prototypes.before
