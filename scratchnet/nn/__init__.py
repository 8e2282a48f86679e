"""The network: layers, their im2col, the loss, optimizers, initializers, gradient checks, the
Sequential model and its file format. Nothing here imports training runs, data files, the app
or the command line."""
