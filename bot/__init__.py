"""Backend Framework Advisor: a Telegram bot that helps a team choose a backend framework."""

__version__ = "0.1.0"
