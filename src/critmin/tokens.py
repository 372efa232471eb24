"""Bearer tokens for writes. Only a hash of each token is stored; the token itself is
printed once, when it is created.

The registry is a JSON document (`tokens.json`) under the store folder, or where
CRITMIN_TOKENS_FILE points; over a remote engine, in the engine (critmin.store.shared),
so that every replica of the service knows every token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from critmin import settings
from critmin.store.shared import FileDocuments, SharedDocuments, shared_documents

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
    """The registry: a JSON document of hashes, kept where every replica sees it (a file
    beside an embedded store, or CRITMIN_TOKENS_FILE; a private graph of a remote
    engine): critmin.store.shared."""

    NAME = "tokens.json"

    def __init__(self, store_path: Path, documents: SharedDocuments | None = None):
        configured = settings.environment().tokens_file
        self.path = Path(configured) if configured else store_path / self.NAME
        self.documents = documents or FileDocuments(store_path, {self.NAME: self.path})

    @classmethod
    def for_location(cls, location, state_path: Path) -> TokenRegistry:
        """The registry of the store at a folder or an engine's URL."""
        configured = settings.environment().tokens_file
        paths = {cls.NAME: Path(configured)} if configured else None
        return cls(state_path, shared_documents(location, state_path, paths))

    def _load(self) -> dict[str, dict]:
        text = self.documents.read(self.NAME)
        return json.loads(text) if text else {}

    def _save(self, entries: dict[str, dict]) -> None:
        self.documents.write(self.NAME, json.dumps(entries, indent=1, sort_keys=True))

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
        return self.documents.locked(self.NAME)
