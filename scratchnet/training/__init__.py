"""Training around the model: whole runs with checkpoints (``runs``), their callbacks
(``callbacks``), augmentation (``augment``), metrics (``metrics``), and teaching a model
someone's handwriting (``teaching``)."""
