"""Telegram HTML rendering: escaping everything, splitting under 4096 characters."""

from __future__ import annotations

from bot.render.html import MESSAGE_LIMIT, render_html, utf16_len
from bot.replies import Citation, Option, Part, Reply
from devkit.fake_bot_api import parse_html

CITE = Citation("wins.django", "Where <Each> Wins > Django", "article")


def test_every_text_is_escaped_and_valid_for_telegram() -> None:
    reply = Reply(
        "answer",
        (
            Part("heading", "<b>bold?</b>"),
            Part("paragraph", "a < b & c > d <script>alert(1)</script>"),
            Part("bullet", "one & two", CITE),
            Part("quote", "quoted <i>", CITE),
            Part("table", rows=(("name", "<lang>"), ("Django", "Python & co"))),
        ),
    )
    (message,) = render_html(reply)
    assert "<script>" not in message
    assert "&lt;script&gt;" in message
    assert message.startswith("<b>&lt;b&gt;bold?&lt;/b&gt;</b>")
    shown = parse_html(message)  # raises if Telegram would refuse the entities
    assert "a < b & c > d <script>alert(1)</script>" in shown
    assert "Where <Each> Wins > Django" in shown
    assert "Python & co" in shown


def test_bullets_stay_together_and_paragraphs_are_separated() -> None:
    reply = Reply(
        "info",
        (
            Part("paragraph", "intro"),
            Part("bullet", "a"),
            Part("bullet", "b"),
            Part("paragraph", "end"),
        ),
    )
    assert render_html(reply) == ["intro\n• a\n• b\n\nend"]


def test_options_are_not_rendered_as_text() -> None:
    reply = Reply("question", (Part("paragraph", "Pick one"),), ((Option("Django", "answer"),),))
    assert render_html(reply) == ["Pick one"]


def test_long_replies_split_at_paragraph_boundaries() -> None:
    paragraphs = [f"paragraph {n} " + "x" * 900 for n in range(10)]
    reply = Reply("answer", tuple(Part("paragraph", p) for p in paragraphs))
    messages = render_html(reply)
    assert len(messages) > 1
    assert all(utf16_len(m) <= MESSAGE_LIMIT for m in messages)
    # No paragraph is cut: each message is whole paragraphs.
    assert [p for m in messages for p in m.split("\n\n")] == paragraphs


def test_an_oversized_paragraph_is_cut_at_spaces_and_escaping_is_kept_whole() -> None:
    text = " ".join(["<&>"] * 3000)  # 12,000 characters, 36,000 once escaped
    messages = render_html(Reply("answer", (Part("paragraph", text),)))
    assert len(messages) > 2
    assert all(utf16_len(m) <= MESSAGE_LIMIT for m in messages)
    shown = " ".join(parse_html(m) for m in messages)
    assert shown == text


def test_oversized_quote_keeps_its_markup_in_every_piece() -> None:
    messages = render_html(Reply("answer", (Part("quote", "word " * 2000, CITE),)))
    assert len(messages) > 1
    for message in messages:
        parse_html(message)
        assert message.startswith("<blockquote>") and message.endswith("</blockquote>")


def test_astral_characters_count_as_two() -> None:
    text = "😀" * 3000  # 6000 UTF-16 code units
    messages = render_html(Reply("answer", (Part("paragraph", text),)))
    assert len(messages) == 2
    assert all(utf16_len(m) <= MESSAGE_LIMIT for m in messages)


def test_an_empty_reply_still_renders_something_sendable() -> None:
    assert render_html(Reply("info", ())) == ["…"]
