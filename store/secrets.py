"""Encryption at rest for secrets kept in the store (source credentials, private signing keys).

The key is the operator's (GATEWAY_SECRET_KEY, a Fernet key, passed in from the settings) or, for
the embedded default, a file under var/ created on first use with owner-only permissions.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def load(cls, key: str, key_file: Path) -> SecretBox:
        """With `key` if one is given, else with the key in `key_file` (made if missing)."""
        if key:
            return cls(key.encode())
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        return cls(key_file.read_bytes().strip())

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("secret cannot be decrypted with this gateway's key") from exc
