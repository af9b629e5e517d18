"""The chat commands the engine understands: one list for the engine, Telegram's menu and help."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChatCommand:
    """A slash command: its name, what the menu says of it, and whether the menu shows it."""

    name: str
    summary: str
    in_menu: bool = True


# Descriptions are Telegram's menu text (set_my_commands allows 256 characters).
CHAT_COMMANDS: tuple[ChatCommand, ...] = (
    ChatCommand("start", "What I can do"),
    ChatCommand("recommend", "Recommend a framework for your team"),
    ChatCommand("ask", "Ask a question about backend frameworks"),
    ChatCommand("compare", "Compare two frameworks side by side"),
    ChatCommand("sources", "The article I know and its sections"),
    ChatCommand("help", "How to talk to me"),
    ChatCommand("cancel", "Stop the current dialogue"),
    ChatCommand("forget", "Delete everything I stored about you"),
    ChatCommand("restart", "Start the questions over", in_menu=False),
    ChatCommand("skip", "Skip the current question", in_menu=False),
    ChatCommand("back", "Go back to the previous question", in_menu=False),
)
