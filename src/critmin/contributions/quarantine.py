"""The files kept beside each contribution, in `<state>/contributions/<id>/`: the
body as sent and its media type, the validation report (JSON and Turtle), and a
pending withdrawal request. Written to a temporary name and renamed, so a reader
never sees half a file. (The records themselves live in the store: records.py.)"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from critmin.contributions.records import now


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

    def _write(self, identifier: str, name: str, text: str) -> None:
        temporary = self.folder(identifier) / f".{name}"
        temporary.write_text(text)
        os.replace(temporary, self.folder(identifier) / name)

    def write_report(self, identifier: str, as_json: dict, as_turtle: str) -> None:
        self._write(identifier, "report.json", json.dumps(as_json, indent=1))
        self._write(identifier, "report.ttl", as_turtle)

    def report(self, identifier: str) -> tuple[dict, str] | None:
        folder = self.folder(identifier)
        if not (folder / "report.json").exists():
            return None
        return json.loads((folder / "report.json").read_text()), (folder / "report.ttl").read_text()

    def request_withdrawal(self, identifier: str, who: str, reason: str | None, successor: str | None) -> dict:
        request = {"requested_by": who, "requested_at": now(), "reason": (reason or "")[:500]}
        if successor:
            request["successor"] = successor
        self._write(identifier, "withdrawal-request.json", json.dumps(request))
        return request

    def withdrawal_request(self, identifier: str) -> dict | None:
        path = self.folder(identifier) / "withdrawal-request.json"
        return json.loads(path.read_text()) if path.exists() else None
