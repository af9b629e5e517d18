"""Shared test helpers and fakes: never shipped, imported as `support.*` by every suite."""
