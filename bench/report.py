"""Where benchmark scripts put their tables: printed, and kept in bench/results/."""

from __future__ import annotations

from pathlib import Path


def publish(text: str, name: str) -> None:
    print(text)
    out = Path(__file__).parent / "results" / name
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n")
