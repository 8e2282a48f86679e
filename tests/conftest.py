"""Shared fixtures: the real MNIST files from ``../shared/mnist``, imported and loaded once."""

from pathlib import Path

import pytest

from scratchnet.data.download import Progress, download_mnist
from scratchnet.data.mnist import load_mnist

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_mnist_dir() -> Path:
    """``<repo>/../shared/mnist``: the four MNIST files (.gz) and their SHA256SUMS."""
    path = REPO_ROOT.parent / "shared" / "mnist"
    if not path.is_dir():
        pytest.skip(f"real MNIST files not available: {path} does not exist")
    return path


@pytest.fixture(scope="session")
def mnist_dir(shared_mnist_dir, tmp_path_factory) -> Path:
    """A data directory (like ``data/``) whose ``mnist/`` holds the four verified, decompressed
    files, imported from ``shared_mnist_dir`` by the downloader's ``--from`` code.
    Pass it to ``load_mnist`` or ``--data-dir``."""
    data_dir = tmp_path_factory.mktemp("data")
    download_mnist(data_dir, from_path=shared_mnist_dir, progress=Progress(quiet=True))
    return data_dir


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """``((x_train, y_train), (x_test, y_test))`` from the real files, uint8."""
    return load_mnist(mnist_dir, download=False)


@pytest.fixture(scope="session")
def trained_model_path(mnist, tmp_path_factory) -> Path:
    """A small CNN trained for two epochs on all 60,000 real training digits (~98% on the test
    set; under half a minute on two idle cores), saved as a model file. Shared by the tests that need a
    model that really reads digits: preprocessing, prediction, the app, visualisation."""
    from scratchnet.data.mnist import to_float_images
    from scratchnet.nn.models import small_cnn

    (x_train, y_train), (x_test, y_test) = mnist
    model = small_cnn(seed=0)
    model.compile()
    model.fit(to_float_images(x_train), y_train, epochs=2, batch_size=128)
    _, accuracy = model.evaluate(to_float_images(x_test), y_test)
    path = tmp_path_factory.mktemp("model") / "small_cnn.npz"
    model.save(path, metadata={"test_accuracy": accuracy})
    return path
