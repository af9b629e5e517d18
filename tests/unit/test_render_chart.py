"""scripts/render_chart.py still draws the README's score chart with the bot's own renderer."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from scripts.render_chart import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_script_writes_a_png_where_it_is_told(tmp_path: Path) -> None:
    out = tmp_path / "images" / "score-chart.png"
    assert main(["--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > len(PNG_SIGNATURE)
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.width > 0 and image.height > 0
