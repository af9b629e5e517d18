"""The score chart: a PNG of horizontal bars stacked by criterion, drawn with Pillow.

Each framework's bar is made of its points per criterion (the rows of the score table): the
positive ones to the right of zero, the negative ones to the left, with the total at the
bar's end and a legend of the criteria below.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from PIL import Image, ImageDraw, ImageFont

_WIDTH = 800
_ROW = 44
_BAR_HEIGHT = 28
_MARGIN = 24
_GAP = 12  # between a name and the chart area, and between a bar and its total
_FONT_SIZE = 17
_SMALL_SIZE = 14
# The names' column takes at most this much of the width; longer names are shortened with
# an ellipsis so that a name never runs into its bar.
_MAX_LABEL_WIDTH = 240
_TOTAL_ROOM = 64  # right of the longest bar, for its total ("+13.5")
_LEGEND_SWATCH = 14
# Okabe and Ito's palette: eight colours told apart with every common colour-vision deficiency.
_PALETTE = (
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (240, 228, 66),
    (120, 120, 120),
)
_AXIS = (90, 90, 90)
_PICK_OUTLINE = (0, 0, 0)
_FALLBACK_CRITERION = "score"

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _fit(text: str, font: Font, width: float) -> str:
    """`text`, shortened with an ellipsis until it is at most `width` pixels wide."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _ink(colour: tuple[int, int, int]) -> str:
    """Black on light colours, white on dark ones (Rec. 601 luma over 150 of 255 is light)."""
    red, green, blue = colour
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "white"


def _criteria(breakdown: Mapping[str, Mapping[str, float]]) -> list[str]:
    """Every criterion in the breakdown, in the order first met (the score table's order)."""
    seen: dict[str, None] = {}
    for points in breakdown.values():
        seen.update(dict.fromkeys(points))
    return list(seen)


def _legend_height(criteria: list[str], font: Font, room: int) -> int:
    """The legend's height when its entries wrap within `room` pixels."""
    lines, x = 1, 0.0
    for name in criteria:
        width = _LEGEND_SWATCH + 6 + font.getlength(name) + 18
        if x and x + width > room:
            lines, x = lines + 1, 0.0
        x += width
    return lines * 22


def render_chart(
    scores: Mapping[str, float],
    title: str = "",
    breakdown: Mapping[str, Mapping[str, float]] | None = None,
) -> bytes:
    """A PNG of `scores` (name -> total) as bars stacked by `breakdown` (name -> criterion ->
    points), best first (ties in the given order), the first outlined as the pick; without a
    breakdown a bar is one segment."""
    # Stable: equal scores keep the order given (the advisor's ranking puts the pick first).
    items = sorted(scores.items(), key=lambda kv: -kv[1])
    parts = {
        name: dict((breakdown or {}).get(name) or {_FALLBACK_CRITERION: total})
        for name, total in items
    }
    criteria = _criteria(parts)
    colours = {c: _PALETTE[n % len(_PALETTE)] for n, c in enumerate(criteria)}
    font = ImageFont.load_default(size=_FONT_SIZE)
    small = ImageFont.load_default(size=_SMALL_SIZE)

    label_width = min(_MAX_LABEL_WIDTH, max((int(font.getlength(n)) for n, _ in items), default=0))
    area_left = _MARGIN + label_width + _GAP
    area_right = _WIDTH - _MARGIN - _TOTAL_ROOM
    legend_room = _WIDTH - 2 * _MARGIN
    shown = [c for c in criteria if c != _FALLBACK_CRITERION]
    legend = _legend_height(shown, small, legend_room) + _GAP if shown else 0
    top = _MARGIN + 32
    height = top + _ROW * max(len(items), 1) + _GAP + legend + _MARGIN
    image = Image.new("RGB", (_WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    heading = title or ("Framework scores by criterion" if shown else "Framework scores")
    draw.text((_MARGIN, _MARGIN), heading, fill="black", font=font)

    # The axis spans the most negative and the most positive stack, and always zero.
    low = min((sum(min(p, 0.0) for p in parts[n].values()) for n, _ in items), default=0.0)
    high = max((sum(max(p, 0.0) for p in parts[n].values()) for n, _ in items), default=0.0)
    low, high = min(low, 0.0), max(high, 0.0)
    scale = (area_right - area_left) / ((high - low) or 1.0)
    zero = area_left + (0.0 - low) * scale

    for row, (name, total) in enumerate(items):
        y = top + row * _ROW
        bar_top, bar_bottom = y + (_ROW - _BAR_HEIGHT) // 2, y + (_ROW + _BAR_HEIGHT) // 2
        label = _fit(name, font, label_width)
        # Right-aligned against the chart area: the gap keeps it clear of any bar.
        label_x = area_left - _GAP - font.getlength(label)
        draw.text((label_x, bar_top + 4), label, fill="black", font=font)
        right = left = zero
        for criterion in criteria:
            points = parts[name].get(criterion, 0.0)
            if not points:
                continue
            width = abs(points) * scale
            if points > 0:
                box = (right, bar_top, right + width, bar_bottom)
                right += width
            else:
                box = (left - width, bar_top, left, bar_bottom)
                left -= width
            draw.rectangle(box, fill=colours[criterion], outline="white")
            text = f"{points:+g}"
            if small.getlength(text) + 6 <= width:
                draw.text(
                    ((box[0] + box[2] - small.getlength(text)) / 2, bar_top + 6),
                    text,
                    fill=_ink(colours[criterion]),
                    font=small,
                )
        if row == 0 and right - left > 0:
            draw.rectangle((left, bar_top, right, bar_bottom), outline=_PICK_OUTLINE, width=2)
        draw.text((max(right, zero) + 8, bar_top + 4), f"{total:g}", fill="black", font=font)
    if items:
        bottom = top + _ROW * len(items)
        draw.line((zero, top, zero, bottom), fill=_AXIS, width=1)
        draw.text((zero - 4, bottom + 2), "0", fill=_AXIS, font=small)
    else:
        draw.text((_MARGIN, top + 8), "no scores yet", fill="grey", font=font)

    x, key_y = float(_MARGIN), float(top + _ROW * max(len(items), 1) + _GAP + 8)
    for criterion in shown:
        entry = _LEGEND_SWATCH + 6 + small.getlength(criterion) + 18
        if x > _MARGIN and x + entry > _MARGIN + legend_room:
            x, key_y = float(_MARGIN), key_y + 22
        swatch = (x, key_y, x + _LEGEND_SWATCH, key_y + _LEGEND_SWATCH)
        draw.rectangle(swatch, fill=colours[criterion])
        draw.text((x + _LEGEND_SWATCH + 6, key_y - 1), criterion, fill="black", font=small)
        x += entry
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
