"""The drawing, kept as strokes and mirrored into a Pillow image: no Tk, no screen grab.

A stroke is the list of points the pen passed through while the button was held, plus the brush
width it was drawn with. The image is what the strokes look like on the screen, with a round
brush: a line of the brush's width between consecutive points, and a disc of the same diameter
at every point (round caps and joins, so a single click leaves a dot and sharp turns leave no
notches). The network does not read this image: it reads
``scratchnet.preprocess.strokes_to_mnist(drawing.records(), drawing.size)``, which draws the same
strokes again with a pen matched to the digit's size.

The image is white ink (255) on black (0), the polarity of MNIST, in canvas pixels: one image
pixel per canvas pixel. It is updated segment by segment while drawing and redrawn from the
strokes after an undo, so it always equals ``render(strokes, size)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from scratchnet.preprocess import INK, PAPER, draw_dot, draw_segment, render_strokes

__all__ = ["INK", "PAPER", "Drawing", "Stroke", "draw_dot", "draw_segment", "render"]


@dataclass
class Stroke:
    """One pen-down to pen-up movement: ``points`` [(x, y), ...] in canvas pixels."""

    width: float
    points: list[tuple[float, float]] = field(default_factory=list)

    def record(self) -> dict:
        """As plain JSON-able data: ``{"width": w, "points": [[x, y], ...]}``."""
        return {"width": float(self.width), "points": [[float(x), float(y)] for x, y in self.points]}


def render(strokes: list[Stroke], size: tuple[int, int]) -> Image.Image:
    """The strokes drawn with their own brushes on a blank "L" image of ``size`` (width, height)."""
    return render_strokes([{"width": stroke.width, "points": stroke.points}
                           for stroke in strokes if stroke.points], size)


class Drawing:
    """Strokes on a canvas of ``size`` (width, height) pixels and their rendered image.

    ``version`` grows by one with every change, so a result computed from an earlier state can
    be recognised as stale. A stroke is under way from :meth:`begin_stroke` to :meth:`end_stroke`
    (or until it is undone or cleared); only then does :meth:`extend_stroke` draw.
    """

    def __init__(self, size: tuple[int, int]):
        self.size = (int(size[0]), int(size[1]))
        self.strokes: list[Stroke] = []
        self.active: Stroke | None = None
        self.image = render([], self.size)
        self._draw = ImageDraw.Draw(self.image)
        self.version = 0

    @property
    def is_empty(self) -> bool:
        return not self.strokes

    def begin_stroke(self, x: float, y: float, width: float) -> Stroke:
        """Put the pen down at (x, y): a new stroke that starts as a dot."""
        if not width > 0:
            raise ValueError(f"the brush width must be positive, got {width!r}")
        stroke = Stroke(float(width), [(float(x), float(y))])
        self.strokes.append(stroke)
        self.active = stroke
        draw_dot(self._draw, stroke.points[0], stroke.width)
        self.version += 1
        return stroke

    def extend_stroke(self, x: float, y: float) -> tuple[float, float] | None:
        """Move the pen to (x, y) while down. Returns the previous point, or ``None`` if the pen
        did not move (or no stroke is under way) and nothing was drawn."""
        stroke = self.active
        if stroke is None:
            return None
        point = (float(x), float(y))
        previous = stroke.points[-1]
        if point == previous:
            return None
        stroke.points.append(point)
        draw_segment(self._draw, previous, point, stroke.width)
        self.version += 1
        return previous

    def end_stroke(self) -> None:
        """Lift the pen: later moves draw nothing until the next :meth:`begin_stroke`."""
        self.active = None

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

    def _redraw(self) -> None:
        self.active = None
        self.image = render(self.strokes, self.size)
        self._draw = ImageDraw.Draw(self.image)
        self.version += 1

    def records(self) -> list[dict]:
        """Every stroke as ``{"width": w, "points": [[x, y], ...]}``, oldest first."""
        return [stroke.record() for stroke in self.strokes]
