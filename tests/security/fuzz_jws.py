"""Hand-made JWS for the token fuzzer: any header and payload bytes, signed ES256 with any key
(or not at all), so a segment can be anything an attacker sends."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import strategies as st
from joserfc.jwk import ECKey

from tests.shared import b64url, b64url_decode


@dataclass(frozen=True)
class TokenCase:
    what: str  # the family and mutation, for the report
    authorization: str  # the Authorization header's value
    must_refuse: bool = True
    dpop: str | None = None  # a DPoP header, when the case sends one

    def headers(self) -> dict[str, str]:
        headers = {"Authorization": self.authorization}
        if self.dpop is not None:
            headers["DPoP"] = self.dpop
        return headers


@dataclass(frozen=True)
class Signer:
    """The gateway's signing key and what its tokens claim (from a real statutory token)."""

    key: ECKey
    kid: str
    claims: dict[str, Any]
    header: dict[str, Any] = field(default_factory=dict)


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def es256(signing_input: bytes, key: ECKey) -> bytes:
    """A JWS ES256 signature (r || s, 32 bytes each)."""
    der = key.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr]  # a private ECKey
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def compact(header: bytes, payload: bytes, key: ECKey | None) -> str:
    signing_input = f"{b64url(header)}.{b64url(payload)}".encode()
    signature = es256(signing_input, key) if key is not None else b""
    return f"{signing_input.decode()}.{b64url(signature)}"


def claims_of(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a compact JWS, unverified."""
    header, payload, _ = token.split(".")
    return _segment(header), _segment(payload)


def _segment(part: str) -> dict[str, Any]:
    value = json.loads(b64url_decode(part))
    assert isinstance(value, dict)
    return value


OTHER_KEY = ECKey.generate_key("P-256", private=True)
json_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
b64_text = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=80
)
