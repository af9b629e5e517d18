"""Quality on the labelled sets: retrieval (questions) and the advisor (personas, slots)."""
