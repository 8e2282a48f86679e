"""Optimizers, with update rules as PyTorch documents them (``torch.optim``).

Each optimizer updates the parameter arrays *in place*, so layers see the new weights at their next
forward pass. ``step(params, grads)`` takes two dicts with the same keys (``"conv2d/kernel"`` ...);
the per-parameter state is keyed the same way, which is also how it is saved with the model.

The plain twins in ``scratchnet.nn.plain`` write each rule as its formula over whole arrays.
These compute the same rules with two speed tricks, measured in docs/performance.md:

- chunks: the updates run over slices of ``CHUNK`` elements, so that the intermediates of a dense
  kernel of 2.4 M weights stay in the cache instead of streaming through main memory once per
  arithmetic operation. Each slice's update is independent of the others', so data-parallel
  training shares the slices out between its worker threads (``begin_step``, then ``update`` on
  shares of ``slices``). The size is a compromise: smaller chunks fit the cache better, but two
  threads then mostly wait for each other's turn at the interpreter lock.
- ``out=`` arithmetic: each ``_update`` writes its intermediates into work arrays made once per
  step (``work_arrays``), with the formula each group of lines computes beside it. Written as
  formulas, the same chunked updates were measurably slower.
"""

from __future__ import annotations

import numpy as np

from scratchnet.nn.checks import fraction, nesterov_flag, positive_number

CHUNK = 1 << 17


def chunks(*arrays: np.ndarray):
    """Yield matching flat slices of same-sized arrays, CHUNK elements at a time."""
    flat = [a.reshape(-1) for a in arrays]
    size = flat[0].size
    for start in range(0, size, CHUNK):
        yield tuple(a[start:start + CHUNK] for a in flat)


class Optimizer:
    """Base class: ``step`` walks every parameter chunk by chunk and calls ``_update``.

    Args:
        learning_rate: lr, a positive number.

    ``slots`` names the per-parameter state arrays; ``work_arrays`` is how many chunk-sized
    scratch arrays ``_update`` receives after them (so that it allocates nothing).
    """

    slots: tuple[str, ...] = ()
    work_arrays = 0

    def __init__(self, learning_rate: float):
        self.learning_rate = positive_number(learning_rate, "learning_rate")
        self.iterations = 0
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def _state_for(self, key: str, param: np.ndarray) -> dict[str, np.ndarray]:
        state = self.state.get(key)
        if state is None or any(state[slot].shape != param.shape for slot in self.slots):
            state = {slot: np.zeros_like(param) for slot in self.slots}
            self.state[key] = state
        return state

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update ``params`` in place from ``grads`` (dicts with the same keys)."""
        self.begin_step()
        self.update(self.slices(params, grads))

    def begin_step(self) -> None:
        """Count the step; the update rules that depend on it (Adam's) read ``iterations``."""
        self.iterations += 1

    def slices(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> list[tuple]:
        """The (param, grad, *state) slices of ``CHUNK`` elements that one step updates. The
        update is element-wise, so any subset of them can be updated on its own, in any order
        (data-parallel training shares them between its threads)."""
        return [job for key, param in params.items()
                for job in chunks(param, grads[key],
                                  *(self._state_for(key, param)[slot] for slot in self.slots))]

    def update(self, jobs: list[tuple[np.ndarray, ...]]) -> None:
        """Apply the update rule to each (param, grad, *state) slice, in place."""
        work: dict[np.dtype, list[np.ndarray]] = {}
        for param, grad, *slots in jobs:
            if param.dtype not in work:
                work[param.dtype] = [np.empty(CHUNK, param.dtype)
                                     for _ in range(self.work_arrays)]
            size = len(param)
            self._update(param, grad, *slots, *(w[:size] for w in work[param.dtype]))

    def _update(self, param, grad, *slots_and_work) -> None:
        raise NotImplementedError

    def config(self) -> dict:
        return {"learning_rate": self.learning_rate}


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

        b <- momentum * b + g                (b = g at the first step)
        g <- g + momentum * b   if nesterov, else  g <- b   (when momentum > 0)
        p <- p - lr * g

    Args:
        learning_rate: lr, a positive number.
        momentum: in [0, 1); 0 for plain SGD.
        nesterov: use Nesterov momentum (needs momentum > 0).
    """

    work_arrays = 1

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False):
        super().__init__(learning_rate)
        self.momentum = fraction(momentum, "momentum")
        self.nesterov = nesterov_flag(nesterov, self.momentum)
        self.slots = ("momentum_buffer",) if self.momentum else ()

    def _update(self, param, grad, *state):
        # Speed trick (out= arithmetic, docs/performance.md); as formulas: plain.SGD.delta.
        if not self.momentum:
            (step,) = state
            np.multiply(grad, self.learning_rate, out=step)
            param -= step
            return
        buffer, step = state
        if self.iterations == 1:
            buffer[...] = grad
        else:
            buffer *= self.momentum
            buffer += grad
        if self.nesterov:
            np.multiply(buffer, self.momentum, out=step)
            step += grad
        else:
            step[...] = buffer
        step *= self.learning_rate
        param -= step

    def config(self):
        return {"learning_rate": self.learning_rate, "momentum": self.momentum,
                "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015).

        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g^2
        p <- p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)

    Args:
        learning_rate: lr, a positive number.
        beta_1: decay of the running mean of the gradients m, in [0, 1).
        beta_2: decay of the running mean of their squares v, in [0, 1).
        epsilon: added to sqrt(v) so that the step stays finite.
    """

    slots = ("exp_avg", "exp_avg_sq")
    work_arrays = 2

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-8):
        super().__init__(learning_rate)
        self.beta_1, self.beta_2 = fraction(beta_1, "beta_1"), fraction(beta_2, "beta_2")
        self.epsilon = float(epsilon)

    def _update(self, param, grad, exp_avg, exp_avg_sq, step, temp):
        # Speed trick (out= arithmetic, docs/performance.md); as formulas (plain.Adam.delta):
        #   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g**2
        #   p -= lr * (m / (1-b1**t)) / (sqrt(v / (1-b2**t)) + eps)
        t = self.iterations
        exp_avg *= self.beta_1                                     # m
        np.multiply(grad, 1 - self.beta_1, out=temp)
        exp_avg += temp
        exp_avg_sq *= self.beta_2                                  # v
        np.multiply(grad, grad, out=temp)
        temp *= 1 - self.beta_2
        exp_avg_sq += temp
        np.multiply(exp_avg_sq, 1 / (1 - self.beta_2 ** t), out=temp)   # sqrt(v^) + eps
        np.sqrt(temp, out=temp)
        temp += self.epsilon
        np.multiply(exp_avg, self.learning_rate / (1 - self.beta_1 ** t), out=step)
        step /= temp
        param -= step

    def config(self):
        return {"learning_rate": self.learning_rate, "beta_1": self.beta_1,
                "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012), with the defaults of the reference recipe.

        v  <- rho * v + (1 - rho) * g^2
        dx  = sqrt(u + epsilon) / sqrt(v + epsilon) * g
        u  <- rho * u + (1 - rho) * dx^2
        p  <- p - lr * dx

    Args:
        learning_rate: lr, a positive number. Keras now defaults it to 0.001, with which the
            reference CNN reaches only ~85% after 12 epochs; 1.0 is the value of the original
            recipe and of Zeiler's paper.
        rho: decay of the running means v (of g^2) and u (of dx^2), in [0, 1).
        epsilon: keeps both square roots away from zero.
    """

    slots = ("square_avg", "acc_delta")
    work_arrays = 2

    def __init__(self, learning_rate: float = 1.0, rho: float = 0.95, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.rho, self.epsilon = fraction(rho, "rho"), float(epsilon)

    def _update(self, param, grad, square_avg, acc_delta, delta, temp):
        # Speed trick (out= arithmetic, docs/performance.md); as formulas (plain.Adadelta.delta):
        #   v = rho*v + (1-rho)*g**2;  dx = sqrt((u+eps) / (v+eps)) * g
        #   u = rho*u + (1-rho)*dx**2;  p -= lr * dx
        square_avg *= self.rho                                     # v
        np.multiply(grad, grad, out=temp)
        temp *= 1 - self.rho
        square_avg += temp
        np.add(acc_delta, self.epsilon, out=delta)                 # dx = sqrt((u+e)/(v+e)) g
        np.add(square_avg, self.epsilon, out=temp)
        delta /= temp
        np.sqrt(delta, out=delta)
        delta *= grad
        acc_delta *= self.rho                                      # u
        np.multiply(delta, delta, out=temp)
        temp *= 1 - self.rho
        acc_delta += temp
        if self.learning_rate != 1.0:
            delta *= self.learning_rate
        param -= delta

    def config(self):
        return {"learning_rate": self.learning_rate, "rho": self.rho, "epsilon": self.epsilon}


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adadelta": Adadelta}
