"""The one shape of a refusal a feature raises for the HTTP layer to answer: a message
that names the problem and the status to answer with. (The older modules' exceptions,
ContributionError among them, are folded in by issue 10.)"""

from __future__ import annotations


class RequestError(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status
