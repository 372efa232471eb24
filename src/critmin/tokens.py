"""Bearer tokens for writes. Only a hash of each token is stored; the token itself is
printed once, when it is created.

The registry is a JSON file under the store folder (`tokens.json`), or where
CRITMIN_TOKENS_FILE points.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from critmin import settings

ROLES = ("contributor", "curator")


@dataclass(frozen=True)
class Principal:
    name: str
    role: str
    id: str = ""  # stable per token: a name revoked and created again is a new id

    @property
    def is_curator(self) -> bool:
        return self.role == "curator"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenRegistry:
    def __init__(self, store_path: Path):
        configured = settings.environment().tokens_file
        self.path = Path(configured) if configured else store_path / "tokens.json"

    def _load(self) -> dict[str, dict]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def _save(self, entries: dict[str, dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(entries, indent=1, sort_keys=True), encoding="utf-8")
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)

    def create(self, name: str, role: str = "contributor") -> str:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise ValueError("a token name is letters, digits, '-', '_' or '.'")
        token = f"cm_{secrets.token_urlsafe(32)}"
        with self._locked():
            entries = self._load()
            if name in entries:
                raise ValueError(f"a token named {name!r} exists; revoke it first")
            entries[name] = {"sha256": _digest(token), "role": role, "id": secrets.token_hex(8)}
            self._save(entries)
        return token

    def revoke(self, name: str) -> bool:
        with self._locked():
            entries = self._load()
            if entries.pop(name, None) is None:
                return False
            self._save(entries)
            return True

    def authenticate(self, token: str | None) -> Principal | None:
        if not token:
            return None
        digest = _digest(token)
        for name, entry in self._load().items():
            if hmac.compare_digest(entry["sha256"], digest):
                return Principal(name, entry["role"], entry.get("id") or entry["sha256"][:16])
        return None

    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path.with_suffix(".lock"), os.O_CREAT | os.O_WRONLY, 0o600)
        lock = os.fdopen(descriptor, "w")

        class Lock:
            def __enter__(self_inner):
                fcntl.flock(lock, fcntl.LOCK_EX)

            def __exit__(self_inner, *exc):
                fcntl.flock(lock, fcntl.LOCK_UN)
                lock.close()

        return Lock()
