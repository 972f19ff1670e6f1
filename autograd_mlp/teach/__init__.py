"""Teaching backpropagation: the lesson's worked example, chain-rule paths, explanations."""

from .lesson import lesson_error, lesson_network

__all__ = ["lesson_error", "lesson_network"]
