"""Errors the user can fix: printed as one line by the CLI, never as a traceback."""


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit status 2, no traceback."""
