"""Text analytics of feedback comments: language, sentiment and themes, in six languages."""

from cxlens.text.language import detect_languages
from cxlens.text.sentiment import SentimentModel, label_from_score

__all__ = ["SentimentModel", "detect_languages", "label_from_score"]
