"""The network: layers, their im2col, the loss, optimizers, initializers, gradient checks, the
Sequential model, the training step and loop it runs (and the worker threads that share them),
and its file format. Nothing here imports from the rest of the package but the foundation
(``scratchnet.files``, ``progress``, ``blas``, ``version``): not training runs, data files,
preprocessing, figures, the app or the command line."""
