"""The scope decision's null class: backend topics the knowledge does not discuss.

Generic backend words ("api", "server", "scale") lift a question about API gateways or
caching over the fused score's bar, yet its meaning sits nearer one of knowledge/off_topics.yaml
than any passage or gloss. The query's vector is already there: this costs a matrix product.
"""

from __future__ import annotations

import numpy as np

# How much closer (MiniLM cosine) an off-topic description must be than the best passage or
# gloss. `python -m bot eval` picks it on the dev split: the middle of the margins that decline
# no in-scope question and the most out-of-scope ones. Both encoders ship: the closest
# in-scope dev question sits at -0.027 with the int8 onnx encoder (with torch one sits at
# 0.233, declined at any margin that catches anything), the farthest caught at 0.113. The
# probe "zero downtime deploys of our api servers" sits at 0.048 with torch and 0.0435 with
# the int8 onnx encoder: 0.042 declines it with both (0.044 did with torch only), and declines
# the same labelled dev and test questions as 0.044 with either (the nearest out-of-scope ones
# below it: 0.0407 onnx, 0.0356 torch).
OFF_TOPIC_MARGIN = 0.042


def nearest_off_topic(
    vector: np.ndarray | None,
    best_dense: float,
    topics: np.ndarray,
    margin: float = OFF_TOPIC_MARGIN,
) -> int | None:
    """The row of `topics` that beats `best_dense` by `margin` or more (None: none does)."""
    if vector is None or not len(topics):
        return None
    sims = topics @ np.asarray(vector, dtype=np.float32)
    best = int(np.argmax(sims))
    return best if float(sims[best]) - best_dense >= margin else None
