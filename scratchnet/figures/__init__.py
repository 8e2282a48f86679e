"""Figures: training curves, confusion matrices and mistakes (``plots``); filters, feature maps
and saliency maps of a trained model (``visualize``)."""
