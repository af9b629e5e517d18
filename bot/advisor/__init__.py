"""The advisor: scoring from knowledge/rules.yaml, justification, counterfactuals."""

from bot.advisor.justify import (
    Advisor,
    Change,
    Edge,
    Reason,
    Recommendation,
    Stated,
    StatedNeed,
    WhyNot,
)
from bot.advisor.scoring import CLOSE_CALL, FormStatus, Scorer, Scoring, validate_rules

__all__ = [
    "CLOSE_CALL",
    "Advisor",
    "Change",
    "Edge",
    "FormStatus",
    "Reason",
    "Recommendation",
    "Scorer",
    "Scoring",
    "Stated",
    "StatedNeed",
    "WhyNot",
    "validate_rules",
]
