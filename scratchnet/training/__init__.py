"""Training around the model: whole runs with checkpoints (``runs``), their callbacks
(``callbacks``), augmentation (``augment``), metrics (``metrics``), and fine-tuning on personal
digits (``finetune``)."""
