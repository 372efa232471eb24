"""Normalising names for matching: what counts as the same spelling.

Case, accents, punctuation and spacing are ignored ("Cérium", "cerium ", "CERIUM"
are one key); everything else is left to the fuzzy stage, so that normalisation never
merges two names a person would tell apart.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY = 200  # characters of a query that are matched; the rest cannot change a ranking


def fold(text: str) -> str:
    """Lower case without accents: NFKD, combining marks dropped, casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(text: str) -> list[str]:
    return WORD.findall(fold(text))


def normalize(text: str) -> str:
    """The matching key of a name: its folded words joined by single spaces."""
    return " ".join(tokens(text[: MAX_QUERY * 4]))


STOP = {"of", "the", "and", "for", "in", "on", "de", "la", "le", "des", "et", "du"}


def initials(text: str) -> str | None:
    """ "Rare earth elements" -> "ree", "International Energy Agency" -> "iea": what a
    reader types for a name of three or more words. None for shorter names."""
    words = [w for w in tokens(text) if w not in STOP and not w.isdigit()]
    return "".join(w[0] for w in words) if len(words) >= 3 else None
