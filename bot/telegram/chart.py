"""The score chart: a horizontal PNG bar chart drawn with Pillow."""

from __future__ import annotations

import io
from collections.abc import Mapping

from PIL import Image, ImageDraw, ImageFont

_WIDTH = 800
_ROW = 44
_MARGIN = 24
_LABEL_WIDTH = 200
_BAR = (66, 133, 244)
_WINNER = (15, 157, 88)


def render_chart(scores: Mapping[str, float], title: str = "Framework scores") -> bytes:
    """A PNG of `scores` as bars, best first, the best one highlighted; empty scores allowed."""
    items = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    height = _MARGIN * 3 + _ROW * max(len(items), 1) + 20
    image = Image.new("RGB", (_WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=18)
    draw.text((_MARGIN, _MARGIN), title, fill="black", font=font)
    top = _MARGIN * 2 + 20
    low = min((v for _, v in items), default=0.0)
    high = max((v for _, v in items), default=1.0)
    # Scores may be negative; bars grow from the smaller of zero and the lowest score.
    base = min(0.0, low)
    span = (high - base) or 1.0
    bar_left = _MARGIN + _LABEL_WIDTH
    bar_room = _WIDTH - bar_left - _MARGIN - 70
    for n, (name, value) in enumerate(items):
        y = top + n * _ROW
        draw.text((_MARGIN, y + 8), name[:22], fill="black", font=font)
        length = max(2, int((value - base) / span * bar_room))
        colour = _WINNER if n == 0 else _BAR
        draw.rectangle((bar_left, y + 6, bar_left + length, y + _ROW - 6), fill=colour)
        draw.text((bar_left + length + 8, y + 8), f"{value:g}", fill="black", font=font)
    if not items:
        draw.text((_MARGIN, top + 8), "no scores yet", fill="grey", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
