"""The drawing app: draw a digit with the mouse and watch the network read it.

    sketch.py        the drawing as strokes and its Pillow image (no Tk: testable without a display)
    recognizer.py    preprocessing and the network, on a worker thread
    features.py      the first conv layers' feature maps, tiled into images
    model_choice.py  which model reads (the base one or your personal one), and teaching it
    teacher.py       teaching on a worker thread; opening a personal model
    report.py        ``--report-file``: what the app shows, as JSON lines
    panels.py        the parts of the window that show the answer and the feature maps
    window.py        the Tk window: builds the widgets and wires them to the parts above

Only panels.py and window.py touch Tk. Start the app with ``python scripts/draw.py``
(``scratchnet.cli.draw``); tests/xdriver.py drives it from outside for the GUI tests.
"""
