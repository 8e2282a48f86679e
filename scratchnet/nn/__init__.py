"""The network: layers, their im2col, the loss, optimizers, initializers, gradient checks, the
Sequential model, its file format, and the worker threads that share its training passes.
Nothing here imports training runs, data files, preprocessing, figures, the app or the command
line."""
