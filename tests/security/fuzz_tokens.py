"""Malformed access tokens: garbage, broken segments, algorithm tricks, wrong keys, bad claims,
DPoP-bound tokens sent as Bearer, bad DPoP proofs.

Each generated case says whether the gateway must refuse it outright (401, UNAUTHENTICATED only,
nothing read) or only answer it cleanly (a token the gateway's own key signed that is still
acceptable, e.g. `typ: application/at+jwt`)."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from hypothesis import strategies as st
from joserfc.jwk import ECKey

from auth.core.access_tokens import REQUIRED_CLAIMS
from tests.security.fuzz_jws import (
    OTHER_KEY,
    Signer,
    TokenCase,
    b64_text,
    compact,
    json_bytes,
    json_junk,
)
from tests.shared import b64url, s256


@st.composite
def _garbage(draw: st.DrawFn) -> TokenCase:
    how = draw(st.integers(0, 7))
    if how == 0:
        token = draw(st.text(min_size=1, max_size=200).filter(lambda t: t.strip() == t and t))
    elif how == 1:
        token = ".".join(draw(st.lists(b64_text, min_size=1, max_size=6)))
    elif how == 2:
        token = b64url(draw(st.binary(min_size=1, max_size=300)))
    elif how == 3:  # huge: past the verifier's length bound, or just under it
        token = "eyJ" + "A" * draw(st.sampled_from([8190, 8192, 20_000, 200_000]))
    elif how == 4:
        token = draw(
            st.sampled_from(["..", "...", "a..", ".b.", "..c", "null", "{}", "e30.e30.", "="])
        )
    elif how == 5:  # base64 that is not base64url, or padded, or with bytes outside the alphabet
        token = ".".join(
            draw(
                st.lists(
                    st.text(alphabet="+/=%!*~\x7f", min_size=1, max_size=12), min_size=3, max_size=3
                )
            )
        )
    elif how == 6:  # not ASCII
        token = draw(
            st.sampled_from(["ey۱.ey۲.sig", "eyJ\u200f.e30.e30", "é.é.é", "\U0001f600.a.b"])
        )
    else:
        token = "x" * draw(st.integers(1, 64))
    return TokenCase(f"garbage {how}", f"Bearer {token}")


@st.composite
def _bad_segments(draw: st.DrawFn, signer: Signer) -> TokenCase:
    """Header or payload that is not a JSON object: random bytes, invalid UTF-8, arrays, junk."""
    good_header = json_bytes({"typ": "at+jwt", "alg": "ES256", "kid": signer.kid})
    good_payload = json_bytes(signer.claims)
    junk = st.one_of(
        st.binary(max_size=60),
        st.sampled_from(
            [b"\xff\xfe", b"\xc3\x28", b"{", b"[1,2]", b"null", b"1e999", b'"x"', b"{}"]
        ),
        json_junk.map(json_bytes),
        st.just(b'{"alg":"ES256","alg":"none","typ":"at+jwt"}'),
        st.just(b"[" * 5000 + b"]" * 5000),
    )
    which = draw(st.sampled_from(["header", "payload", "both"]))
    header = draw(junk) if which in {"header", "both"} else good_header
    payload = draw(junk) if which in {"payload", "both"} else good_payload
    signed = draw(st.booleans())
    token = compact(header, payload, signer.key if signed else None)
    return TokenCase(f"bad {which} segment (signed: {signed})", f"Bearer {token}")


@st.composite
def _algorithm_tricks(draw: st.DrawFn, signer: Signer) -> TokenCase:
    payload = json_bytes(signer.claims)
    header: dict[str, Any]
    alg: Any
    how = draw(
        st.sampled_from(
            ["none", "hs256-public-key", "relabelled", "no-alg", "alg-type", "embedded-jwk", "jku"]
        )
    )
    if how == "none":
        header = {
            "typ": "at+jwt",
            "alg": draw(st.sampled_from(["none", "None", "NONE", "nOnE"])),
            "kid": signer.kid,
        }
        signature = draw(st.sampled_from([b"", b"x"]))
        token = f"{b64url(json_bytes(header))}.{b64url(payload)}.{b64url(signature)}"
    elif how == "hs256-public-key":
        header = {"typ": "at+jwt", "alg": "HS256", "kid": signer.kid}
        public = draw(
            st.sampled_from(
                [
                    signer.key.as_pem(private=False),
                    json_bytes(signer.key.as_dict(private=False)),
                    signer.key.as_der(private=False),
                ]
            )
        )
        signing_input = f"{b64url(json_bytes(header))}.{b64url(payload)}".encode()
        mac = hmac.new(public, signing_input, hashlib.sha256).digest()
        token = f"{signing_input.decode()}.{b64url(mac)}"
    elif how == "relabelled":  # a real ES256 signature under another alg's name
        alg = draw(
            st.sampled_from(
                ["RS256", "ES384", "ES512", "PS256", "EdDSA", "HS256", "es256", "ES256 "]
            )
        )
        token = compact(
            json_bytes({"typ": "at+jwt", "alg": alg, "kid": signer.kid}), payload, signer.key
        )
    elif how == "no-alg":
        token = compact(json_bytes({"typ": "at+jwt", "kid": signer.kid}), payload, signer.key)
    elif how == "alg-type":
        alg = draw(st.sampled_from([["ES256"], 256, None, {"alg": "ES256"}, True]))
        token = compact(
            json_bytes({"typ": "at+jwt", "alg": alg, "kid": signer.kid}), payload, signer.key
        )
    elif how == "embedded-jwk":  # the attacker's own key in the header, signed with it
        header = {
            "typ": "at+jwt",
            "alg": "ES256",
            "kid": signer.kid,
            "jwk": OTHER_KEY.as_dict(private=False),
        }
        token = compact(json_bytes(header), payload, OTHER_KEY)
    else:  # a key URL: never fetched (the network rule holds for the gateway too)
        header = {
            "typ": "at+jwt",
            "alg": "ES256",
            "kid": "attacker",
            "jku": "http://127.0.0.1:9/jwks",
        }
        token = compact(json_bytes(header), payload, OTHER_KEY)
    return TokenCase(f"algorithm trick: {how}", f"Bearer {token}")


@st.composite
def _wrong_key(draw: st.DrawFn, signer: Signer) -> TokenCase:
    kid = draw(
        st.one_of(
            st.just(signer.kid),
            st.sampled_from(
                ["", "../../etc/passwd", "' OR 1=1 --", "x" * 5000, "\x00", "kid\u200f"]
            ),
            st.text(max_size=40),
            json_junk.filter(lambda value: not isinstance(value, str)),
        )
    )
    header: dict[str, Any] = {"typ": "at+jwt", "alg": "ES256"}
    if draw(st.booleans()) or kid != signer.kid:
        header["kid"] = kid
    key = OTHER_KEY if kid == signer.kid or draw(st.booleans()) else signer.key
    token = compact(json_bytes(header), json_bytes(signer.claims), key)
    if kid != signer.kid and key is signer.key:
        what = f"our key under another kid {str(kid)[:30]!r}"
    else:
        what = f"another key, kid {str(kid)[:30]!r}"
    return TokenCase(f"wrong key: {what}", f"Bearer {token}")


def _claim_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        json_junk,
        st.sampled_from([None, True, False, "", "0", -1, 0, 2**63, 2**70, -(2**70), 1e308, [], {}]),
    )


@st.composite
def _bad_claims(draw: st.DrawFn, signer: Signer) -> TokenCase:
    """Properly signed with the gateway's own key, claims broken one way or another."""
    claims = dict(signer.claims)
    header: dict[str, Any] = {"typ": "at+jwt", "alg": "ES256", "kid": signer.kid}
    now = int(time.time())
    how = draw(
        st.sampled_from(
            ["expired", "future", "not-yet", "issuer", "audience", "missing", "types", "basis",
             "agency", "bound-as-bearer", "cnf", "typ", "crit", "payload-not-object"]
        )
    )  # fmt: skip
    must_refuse = True
    if how == "expired":
        claims["exp"] = now - draw(st.integers(31, 10**9))
    elif how == "future":
        claims["iat"] = now + draw(st.integers(31, 10**9))
    elif how == "not-yet":
        claims["nbf"] = now + draw(st.integers(31, 10**9))
    elif how == "issuer":
        claims["iss"] = draw(
            st.one_of(
                st.sampled_from([claims["iss"] + "/", "https://evil.example", ""]), _claim_values()
            )
        )
    elif how == "audience":
        claims["aud"] = draw(
            st.one_of(
                st.sampled_from(
                    [
                        claims["aud"] + "x",
                        claims["aud"].upper(),
                        [],
                        ["other"],
                        {"aud": claims["aud"]},
                    ]
                ),
                _claim_values(),
            )
        )
    elif how == "missing":
        gone = draw(st.lists(st.sampled_from(REQUIRED_CLAIMS), min_size=1, unique=True))
        for name in gone:
            claims.pop(name, None)
    elif how == "types":
        name = draw(st.sampled_from([*REQUIRED_CLAIMS, "nbf"]))
        value = draw(_claim_values())
        if (
            name in {"exp", "iat", "nbf"}
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            value = str(value)  # a number would be a valid time
        if name in {"iss", "aud", "sub", "jti", "client_id", "scope"} and isinstance(value, str):
            value = [value]
        claims[name] = value
    elif how == "basis":
        claims["basis"] = draw(
            st.one_of(st.sampled_from(["", "STATUTE", "root", "admin"]), _claim_values())
        )
    elif how == "agency":
        claims["agency"] = draw(_claim_values().filter(lambda value: not isinstance(value, str)))
    elif how == "bound-as-bearer":  # RFC 9449 §7.2: a bound token is worthless as a bearer token
        claims["cnf"] = {"jkt": OTHER_KEY.thumbprint()}
    elif how == "cnf":
        claims["cnf"] = draw(
            st.one_of(
                _claim_values().filter(lambda value: value != {}),
                st.fixed_dictionaries({"jkt": _claim_values()}),
                st.just({"x5t#S256": "abc"}),
            )
        )
    elif how == "typ":
        typ = draw(
            st.sampled_from(
                [
                    None,
                    "JWT",
                    "jwt",
                    "at+jwt ",
                    "application/jwt",
                    "dpop+jwt",
                    5,
                    ["at+jwt"],
                    "AT+JWT",
                    "application/at+jwt",
                ]
            )
        )
        if typ is None:
            del header["typ"]
        else:
            header["typ"] = typ
        must_refuse = not (isinstance(typ, str) and typ.lower() in {"at+jwt", "application/at+jwt"})
    elif how == "crit":
        header["crit"] = draw(st.sampled_from([["exp"], ["b64"], [], "exp"]))
    if how == "payload-not-object":
        payload = json_bytes(draw(json_junk.filter(lambda value: not isinstance(value, dict))))
    else:
        payload = json_bytes(claims)
    token = compact(json_bytes(header), payload, signer.key)
    return TokenCase(f"signed by the gateway, {how}", f"Bearer {token}", must_refuse=must_refuse)


@st.composite
def _schemes(draw: st.DrawFn, valid_token: str) -> TokenCase:
    """The header around a token (a good one, where the scheme alone must make it fail)."""
    how = draw(st.integers(0, 6))
    if how == 0:
        value = (
            draw(st.sampled_from(["Basic", "Token", "JWT", "Bearer:", "Bearer-", "MAC", "Digest"]))
            + " "
            + valid_token
        )
    elif how == 1:
        value = draw(st.sampled_from(["Bearer", "Bearer ", "DPoP", "DPoP ", "", " ", "Bearer \t"]))
    elif how == 2:
        value = f"Bearer {valid_token} {valid_token}"
    elif how == 3:
        value = f"Bearer {valid_token[:-5]}"  # a truncated signature
    elif how == 4:
        value = f"Bearer {valid_token[:-2]}{'AA' if not valid_token.endswith('AA') else 'BB'}"
    elif how == 5:  # a bearer token under the DPoP scheme: not bound, so refused
        value = f"DPoP {valid_token}"
    else:
        value = f"Bearer {valid_token}" + draw(st.sampled_from(["\u200f", "\x00", "é"]))
    return TokenCase(f"scheme {how}", value)


@st.composite
def _dpop_proofs(draw: st.DrawFn, signer: Signer, url: str) -> TokenCase:
    """A DPoP-bound token (bound to OTHER_KEY) with a missing, malformed or wrong proof."""
    claims = {**signer.claims, "cnf": {"jkt": OTHER_KEY.thumbprint()}}
    token = compact(
        json_bytes({"typ": "at+jwt", "alg": "ES256", "kid": signer.kid}),
        json_bytes(claims),
        signer.key,
    )
    ath = s256(token)
    proof_claims: dict[str, Any] = {
        "htm": "POST",
        "htu": url,
        "iat": int(time.time()),
        "jti": draw(b64_text.filter(bool)),
        "ath": ath,
    }
    how = draw(
        st.sampled_from(
            [
                "none",
                "garbage",
                "wrong-key",
                "wrong-htm",
                "wrong-htu",
                "no-ath",
                "old",
                "no-jwk",
                "hs256",
            ]
        )
    )
    jwk = OTHER_KEY.as_dict(private=False)
    header: dict[str, Any] = {"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}
    key: ECKey | None = OTHER_KEY
    proof: str | None
    if how == "none":
        proof = None
    elif how == "garbage":
        proof = draw(
            st.one_of(st.text(max_size=100), b64_text.map(lambda text: f"{text}.{text}.{text}"))
        )
    else:
        if how == "wrong-key":
            key = ECKey.generate_key("P-256", private=True)
            header["jwk"] = key.as_dict(private=False)
        elif how == "wrong-htm":
            proof_claims["htm"] = draw(st.sampled_from(["GET", "post", "", "PUT"]))
        elif how == "wrong-htu":
            proof_claims["htu"] = draw(
                st.sampled_from([url + "/", "http://evil.example/graphql", "", url.upper()])
            )
        elif how == "no-ath":
            del proof_claims["ath"]
        elif how == "old":
            proof_claims["iat"] = int(time.time()) - draw(st.integers(301, 10**6))
        elif how == "no-jwk":
            del header["jwk"]
        elif how == "hs256":
            header["alg"] = "HS256"
        proof = compact(json_bytes(header), json_bytes(proof_claims), key)
    return TokenCase(f"DPoP-bound token, proof {how}", f"DPoP {token}", dpop=proof)


def malformed_tokens(signer: Signer, valid_token: str, url: str) -> st.SearchStrategy[TokenCase]:
    return st.one_of(
        _garbage(),
        _bad_segments(signer),
        _algorithm_tricks(signer),
        _wrong_key(signer),
        _bad_claims(signer),
        _bad_claims(signer),  # the richest family: drawn twice as often
        _schemes(valid_token),
        _dpop_proofs(signer, url),
    )
