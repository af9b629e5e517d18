"""Replies -> text for a medium: the only place that formats."""

from bot.render.text import render_text

__all__ = ["render_text"]
