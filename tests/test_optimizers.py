"""Two steps of each optimizer against numbers worked out by hand from the documented rules."""

import numpy as np
import pytest

from scratchnet.nn.optimizers import CHUNK, SGD, Adadelta, Adam

GRADIENTS = [0.5, 0.25]


def two_steps(optimizer, start=1.0):
    param = np.array([start], np.float64)
    values = []
    for g in GRADIENTS:
        optimizer.step({"w": param}, {"w": np.array([g])})
        values.append(param[0])
    return values


def test_sgd_plain():
    # p = 1 - 0.1*0.5 = 0.95; p = 0.95 - 0.1*0.25 = 0.925
    assert two_steps(SGD(0.1)) == pytest.approx([0.95, 0.925])


def test_sgd_momentum():
    # b = 0.5, p = 0.95; b = 0.9*0.5 + 0.25 = 0.7, p = 0.95 - 0.07 = 0.88
    assert two_steps(SGD(0.1, momentum=0.9)) == pytest.approx([0.95, 0.88])


def test_sgd_nesterov():
    # b = 0.5, step 0.5 + 0.9*0.5 = 0.95 -> p = 0.905; b = 0.7, step 0.25 + 0.63 = 0.88 -> 0.817
    assert two_steps(SGD(0.1, momentum=0.9, nesterov=True)) == pytest.approx([0.905, 0.817])


def test_adam():
    # t=1: m=0.05, v=0.00025, m^=0.5, v^=0.25 -> p = 1 - 0.1*0.5/(0.5+1e-8) = 0.900000002
    # t=2: m=0.07, v=0.00031225, m^=0.07/0.19, v^=0.00031225/0.001999 -> p = 0.80678204
    assert two_steps(Adam(0.1)) == pytest.approx([0.900000002, 0.8067820404774624], rel=1e-12)


def test_adadelta_reference_recipe():
    # v = 0.0125, dx = sqrt(1e-7)/sqrt(0.0125+1e-7)*0.5 = 0.00141421, u = 1e-7
    # v = 0.015, dx = sqrt(2e-7)/sqrt(0.015+1e-7)*0.25 = 0.00091287
    assert two_steps(Adadelta()) == pytest.approx([0.9985857920944472, 0.9976729260338828],
                                                  rel=1e-12)


def test_adadelta_defaults_are_the_recipe_that_works():
    optimizer = Adadelta()
    assert (optimizer.learning_rate, optimizer.rho, optimizer.epsilon) == (1.0, 0.95, 1e-7)


@pytest.mark.parametrize("make", [lambda: SGD(0.05, momentum=0.9), lambda: Adam(0.01), Adadelta])
def test_chunked_update_equals_the_update_of_each_element_alone(make):
    """Arrays longer than one chunk: elements at and around chunk borders update as if alone."""
    rng = np.random.default_rng(0)
    size = 2 * CHUNK + 17
    start = rng.standard_normal(size)
    grads = [rng.standard_normal(size) for _ in range(3)]
    big, optimizer = start.copy(), make()
    for g in grads:
        optimizer.step({"w": big}, {"w": g})
    for index in (0, CHUNK - 1, CHUNK, 2 * CHUNK, size - 1):
        alone, single_optimizer = start[index:index + 1].copy(), make()
        for g in grads:
            single_optimizer.step({"w": alone}, {"w": g[index:index + 1]})
        assert big[index] == alone[0]


def test_updates_happen_in_place_and_keep_float32():
    param = np.ones(10, np.float32)
    before = param
    Adadelta().step({"w": param}, {"w": np.full(10, 0.5, np.float32)})
    assert param is before and param.dtype == np.float32 and (param < 1).all()


@pytest.mark.parametrize("make", [lambda: SGD(0), lambda: Adam(-1), lambda: SGD(0.1, momentum=1.5),
                                  lambda: SGD(0.1, nesterov=True), lambda: Adadelta(rho=1.0),
                                  lambda: Adam(beta_1=1.0), lambda: SGD(float("nan"))])
def test_bad_hyperparameters_are_rejected(make):
    with pytest.raises(ValueError):
        make()
