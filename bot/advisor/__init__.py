"""The advisor: scoring from knowledge/rules.yaml, justification, counterfactuals."""

from bot.advisor.justify import Advisor, Change, Reason, Recommendation, Stated, StatedNeed
from bot.advisor.scoring import CLOSE_CALL, FormStatus, Scorer, Scoring, validate_rules

__all__ = [
    "CLOSE_CALL",
    "Advisor",
    "Change",
    "FormStatus",
    "Reason",
    "Recommendation",
    "Scorer",
    "Scoring",
    "Stated",
    "StatedNeed",
    "validate_rules",
]
