"""The drawing on the app's canvas while it is drawn, kept as strokes and mirrored into a Pillow
image: no Tk, no screen grab.

Each stroke is a :class:`~scratchnet.preprocess.strokes.Stroke`: the points the pen passed
through while the button was held, and the brush width it was drawn with. The image is what the
strokes look like on the screen, drawn with ``scratchnet.preprocess.rendering``'s round brush.
The network does not read this image: it reads ``strokes_to_mnist(sketch.strokes,
sketch.size)``, which draws the same strokes again with a pen matched to the digit's size.

The image is white ink (255) on black (0), the polarity of MNIST, in canvas pixels: one image
pixel per canvas pixel. It is updated segment by segment while drawing and redrawn from the
strokes after an undo, so it always equals ``render_strokes(strokes, size)``.
"""

from __future__ import annotations

from PIL import ImageDraw

from scratchnet.preprocess.rendering import draw_dot, draw_segment, render_strokes
from scratchnet.preprocess.strokes import Point, Stroke


class Sketch:
    """Strokes on a canvas of ``size`` (width, height) pixels and their rendered image.

    ``version`` grows by one with every change, so a result computed from an earlier state can
    be recognised as stale. A stroke is under way from :meth:`begin_stroke` to :meth:`end_stroke`
    (or until it is undone or cleared); only then does :meth:`extend_stroke` draw. The stroke
    under way is the last of ``strokes``, replaced by a longer one at every move of the pen, so
    that every Stroke handed out (to the reader's thread, say) stays as it was.
    """

    def __init__(self, size: tuple[int, int]):
        self.size = (int(size[0]), int(size[1]))
        self.strokes: list[Stroke] = []
        self.image = render_strokes([], self.size)
        self._draw = ImageDraw.Draw(self.image)
        self._pen_down = False
        self.version = 0

    @property
    def is_empty(self) -> bool:
        return not self.strokes

    @property
    def active(self) -> Stroke | None:
        """The stroke under way, or ``None`` while the pen is up."""
        return self.strokes[-1] if self._pen_down else None

    def begin_stroke(self, x: float, y: float, width: float) -> Stroke:
        """Put the pen down at (x, y): a new stroke that starts as a dot."""
        if not width > 0:
            raise ValueError(f"the brush width must be positive, got {width!r}")
        stroke = Stroke(float(width), ((float(x), float(y)),))
        self.strokes.append(stroke)
        self._pen_down = True
        draw_dot(self._draw, stroke.points[0], stroke.width)
        self.version += 1
        return stroke

    def extend_stroke(self, x: float, y: float) -> Point | None:
        """Move the pen to (x, y) while down. Returns the previous point, or ``None`` if the pen
        did not move (or no stroke is under way) and nothing was drawn."""
        stroke = self.active
        if stroke is None:
            return None
        point = (float(x), float(y))
        previous = stroke.points[-1]
        if point == previous:
            return None
        self.strokes[-1] = Stroke(stroke.width, stroke.points + (point,))
        draw_segment(self._draw, previous, point, stroke.width)
        self.version += 1
        return previous

    def end_stroke(self) -> None:
        """Lift the pen: later moves draw nothing until the next :meth:`begin_stroke`."""
        self._pen_down = False

    def undo(self) -> bool:
        """Remove the last stroke; ``False`` if there was none."""
        if not self.strokes:
            return False
        self.strokes.pop()
        self._redraw()
        return True

    def clear(self) -> None:
        self.strokes.clear()
        self._redraw()

    def resize(self, size: tuple[int, int]) -> bool:
        """The canvas is now ``size`` (width, height) pixels. The strokes stay where they were
        drawn, in canvas pixels; ink beyond the new edges is off the canvas, and not read.
        Returns whether the size changed."""
        size = (int(size[0]), int(size[1]))
        if size == self.size:
            return False
        if not (size[0] > 0 and size[1] > 0):
            raise ValueError(f"a canvas must be at least 1x1 pixels, got {size}")
        self.size = size
        pen_down = self._pen_down
        self._redraw()
        self._pen_down = pen_down
        return True

    def _redraw(self) -> None:
        self._pen_down = False
        self.image = render_strokes(self.strokes, self.size)
        self._draw = ImageDraw.Draw(self.image)
        self.version += 1

    def records(self) -> list[dict]:
        """Every stroke's record ``{"width": w, "points": [[x, y], ...]}``, oldest first."""
        return [stroke.record() for stroke in self.strokes]
