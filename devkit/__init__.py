"""Test doubles for tests and benchmarks: a fake Bot API server, its harness, a fake engine.

Never shipped: the wheel carries only `bot`.
"""
