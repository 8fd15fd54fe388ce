"""The one access decision: may this request read this dataset about this citizen?

Deny by default. Every data field passes through `decide` (via `AccessGuard` on leaves and the
record resolvers), so the audit log hangs on this one function.
"""

from __future__ import annotations

from dataclasses import dataclass

from auth.core.principal import Basis, Principal
from auth.resource.case_reference import CASE_REFERENCE_HEADER
from standard.datasets import Dataset
from standard.errors import DarvazehError, ErrorCode
from standard.statuses import ConsentStatus


@dataclass(frozen=True, slots=True)
class Decision:
    granted: bool
    code: ErrorCode | None = None
    reason: str = ""

    def error(self) -> DarvazehError:
        """The refusal a field denied by this decision carries."""
        return DarvazehError(self.reason, code=self.code or ErrorCode.FORBIDDEN)


GRANTED = Decision(True)
_UNAUTHENTICATED = Decision(False, ErrorCode.UNAUTHENTICATED, "a valid access token is required")


def decide(principal: Principal | None, subject: str, dataset: Dataset) -> Decision:
    """Pure policy: no I/O, so every field can afford it."""
    uniform = decide_uniform(principal, dataset)
    if uniform is not None:
        return uniform
    if principal is None:
        return _UNAUTHENTICATED  # decided above already; this says so to the type checker
    if principal.basis is Basis.CONSENT:
        if subject == (principal.subject or principal.citizen):
            return GRANTED
        return Decision(
            False,
            ErrorCode.CONSENT_REQUIRED,
            "this consent covers only the citizen it names",
        )
    # A citizen: their own data; or, on the portal, the minor child a parent was just
    # established to speak for (the civil registry's birth record decides before the principal
    # is made).
    if subject in (principal.citizen, principal.subject):
        return GRANTED
    return Decision(
        False, ErrorCode.CONSENT_REQUIRED, "a citizen reads only their own data this way"
    )


def decide_uniform(principal: Principal | None, dataset: Dataset) -> Decision | None:
    """The decision for `dataset` when it is the same for every citizen (a statutory or system
    read, or any refusal that does not look at the citizen); None when it depends on whose data
    it is (a consent's citizen, a citizen's own data). A 100-citizen read decides once."""
    if principal is None:
        return _UNAUTHENTICATED
    if principal.basis is Basis.CONSENT and principal.consent_status != ConsentStatus.ACTIVE:
        # A token whose consent is gone reads nothing, whatever its scopes say.
        state = (principal.consent_status or "unchecked").lower()
        return Decision(False, ErrorCode.CONSENT_REVOKED, f"the consent is {state}")
    if dataset not in principal.scopes:
        return Decision(
            False, ErrorCode.FORBIDDEN, f"the access token does not grant dataset {dataset}"
        )
    if principal.basis is Basis.SYSTEM:
        # The gateway reading by itself: only under a named statute, for a named check.
        if not principal.statute or not principal.case_reference:
            return Decision(
                False, ErrorCode.FORBIDDEN, "a system read must name its statute and its check"
            )
        return GRANTED
    if principal.basis is Basis.STATUTE:
        if not principal.case_reference:
            return Decision(
                False,
                ErrorCode.FORBIDDEN,
                f"statutory reads must name a case in the {CASE_REFERENCE_HEADER} header",
            )
        return GRANTED
    if principal.basis in (Basis.CONSENT, Basis.CITIZEN):
        return None
    return Decision(False, ErrorCode.FORBIDDEN, f"{principal.basis} tokens read no citizen data")
