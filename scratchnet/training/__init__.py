"""Training around the model: whole runs with checkpoints (``runs``), their callbacks,
data-parallel steps (``parallel``), augmentation, metrics, and fine-tuning on personal digits."""
