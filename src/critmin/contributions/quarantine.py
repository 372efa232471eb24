"""The files kept beside each contribution, in `<state>/contributions/<id>/`: the body
as sent and its media type, for the audit. Reports and withdrawal requests live with
the record in the store (records.py), where every replica sees them; the readers here
serve contributions recorded before that."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


class Quarantine:
    def __init__(self, state_path: Path):
        self.root = state_path / "contributions"

    def folder(self, identifier: str) -> Path:
        return self.root / identifier

    def keep(self, identifier: str, body: bytes, content_type: str | None) -> None:
        folder = self.folder(identifier)
        folder.mkdir(parents=True)
        (folder / "body").write_bytes(body)
        (folder / "content-type").write_text(content_type or "")

    def forget(self, identifier: str) -> None:
        """Remove every trace of an upload refused before it became a contribution."""
        shutil.rmtree(self.folder(identifier), ignore_errors=True)

    def report(self, identifier: str) -> tuple[dict, str] | None:
        folder = self.folder(identifier)
        if not (folder / "report.json").exists():
            return None
        return json.loads((folder / "report.json").read_text()), (folder / "report.ttl").read_text()

    def withdrawal_request(self, identifier: str) -> dict | None:
        path = self.folder(identifier) / "withdrawal-request.json"
        return json.loads(path.read_text()) if path.exists() else None
