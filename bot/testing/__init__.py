"""Test doubles that also run at run time (benchmarks): a fake Telegram Bot API server."""
