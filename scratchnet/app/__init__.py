"""The drawing app: draw a digit with the mouse and watch the network read it.

    sketch.py      the drawing as strokes and its Pillow image (no Tk: testable without a display)
    recognizer.py  preprocessing and the network, on a worker thread
    features.py    the first conv layers' feature maps, tiled into images
    report.py      ``--report-file``: what the app shows, as JSON lines
    window.py      the Tk window

Start it with ``python scripts/draw.py`` (``scratchnet.cli.draw``).
"""
