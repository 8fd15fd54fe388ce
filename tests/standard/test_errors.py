"""One error hierarchy: every exception the gateway raises on purpose is a DarvazehError with
its code (what `extensions.code` and the HTTP edge answer with); refusals name their problems."""

from __future__ import annotations

import pytest

from audit.chain import ChainConflict
from auth.consent.errors import ConsentError, ConsentNotFound, GuardianshipError
from auth.consent.guardianship import BirthRecordUnavailable
from auth.core.access_tokens import TokenError
from auth.core.dpop import DpopError
from auth.core.system_checks import DeathCheckUnavailable
from auth.oauth.authorization_request import AuthorizationError
from auth.oauth.authorize import AuthorizationRefused, AuthorizationRequestGone
from auth.oauth.form import FormError
from auth.oauth.registration import ClientRefused
from auth.resource.authenticate import AuthenticationError
from auth.resource.case_reference import InvalidCaseReference
from datasources.addresses import PolicyRefusal
from datasources.base import Fault, MappingError, RecordError, RegistrationError, SourceError
from datasources.cli import CommandError
from datasources.health import CircuitOpenError
from datasources.registration_store import ReplacementRequired
from resolvers.loaders import NoSource
from resolvers.system_reads import SystemReadFailed
from services.card_registration import VersionNotFound
from services.cards import CardInvalid, Problem
from standard.errors import PUBLIC_MESSAGES, DarvazehError, ErrorCode, Refused
from standard.national_id import InvalidNationalId
from standard.pagination import BadCursor, BadPageSize
from web.graphql_http import EdgeRefusal
from web.persisted_queries import DocumentRefused

CODES: dict[type[DarvazehError], ErrorCode] = {
    InvalidNationalId: ErrorCode.INVALID_NATIONAL_ID,
    SourceError: ErrorCode.SOURCE_UNAVAILABLE,
    CircuitOpenError: ErrorCode.SOURCE_UNAVAILABLE,
    RecordError: ErrorCode.SOURCE_UNAVAILABLE,
    NoSource: ErrorCode.SOURCE_UNAVAILABLE,
    DeathCheckUnavailable: ErrorCode.SOURCE_UNAVAILABLE,
    BirthRecordUnavailable: ErrorCode.SOURCE_UNAVAILABLE,
    SystemReadFailed: ErrorCode.SOURCE_UNAVAILABLE,
    RegistrationError: ErrorCode.REGISTRATION_REFUSED,
    PolicyRefusal: ErrorCode.REGISTRATION_REFUSED,
    ReplacementRequired: ErrorCode.REGISTRATION_REFUSED,
    MappingError: ErrorCode.REGISTRATION_REFUSED,
    CardInvalid: ErrorCode.REGISTRATION_REFUSED,
    VersionNotFound: ErrorCode.REGISTRATION_REFUSED,
    ClientRefused: ErrorCode.REGISTRATION_REFUSED,
    BadCursor: ErrorCode.BAD_USER_INPUT,
    BadPageSize: ErrorCode.BAD_USER_INPUT,
    ConsentError: ErrorCode.BAD_USER_INPUT,
    ConsentNotFound: ErrorCode.NOT_FOUND,
    InvalidCaseReference: ErrorCode.INVALID_CASE_REFERENCE,
    AuthenticationError: ErrorCode.UNAUTHENTICATED,
    TokenError: ErrorCode.UNAUTHENTICATED,
    DpopError: ErrorCode.UNAUTHENTICATED,
    FormError: ErrorCode.BAD_REQUEST,
    AuthorizationError: ErrorCode.BAD_REQUEST,
    AuthorizationRequestGone: ErrorCode.NOT_FOUND,
    AuthorizationRefused: ErrorCode.BAD_REQUEST,
    CommandError: ErrorCode.BAD_REQUEST,
    ChainConflict: ErrorCode.AUDIT_UNAVAILABLE,
}


@pytest.mark.parametrize(("error", "code"), CODES.items(), ids=lambda x: getattr(x, "__name__", x))
def test_each_error_has_its_code(error: type[DarvazehError], code: ErrorCode) -> None:
    assert issubclass(error, DarvazehError)
    assert error.code is code


def test_errors_that_carry_their_code_and_a_default_message() -> None:
    assert EdgeRefusal(ErrorCode.BODY_TOO_LARGE, "too big").code is ErrorCode.BODY_TOO_LARGE
    assert DocumentRefused(ErrorCode.BAD_REQUEST, "no").code is ErrorCode.BAD_REQUEST
    assert DarvazehError(code=ErrorCode.NOT_FOUND).message == PUBLIC_MESSAGES[ErrorCode.NOT_FOUND]
    assert str(AuthorizationRequestGone()) == PUBLIC_MESSAGES[ErrorCode.NOT_FOUND]


def test_a_consent_refusal_is_coded_by_its_kind() -> None:
    assert ConsentError("invalid_national_id", "x").code is ErrorCode.INVALID_NATIONAL_ID
    assert GuardianshipError("not_parent", "x").code is ErrorCode.FORBIDDEN
    assert GuardianshipError("adult", "x").code is ErrorCode.FORBIDDEN
    assert GuardianshipError("unavailable", "x").code is ErrorCode.SOURCE_UNAVAILABLE
    assert ConsentNotFound("c-1").message == "you have no consent with this id"  # never the id


def test_refusals_name_every_problem() -> None:
    refused = Refused(["id: not a slug", "datasets: none"])
    assert refused.details == {"problems": ["id: not a slug", "datasets: none"]}
    assert refused.message == "id: not a slug; datasets: none"
    assert Refused([], "nothing to name").details == {"problems": ["nothing to name"]}
    assert ClientRefused("no jwks").details == {"problems": ["no jwks"]}
    one = RegistrationError("kind 'ftp' is not sql, http or graphql")
    assert one.details == {"problems": ["kind 'ftp' is not sql, http or graphql"]}
    card = CardInvalid("x", [Problem("id", "not a slug"), Problem("nameFa", "must not be blank")])
    assert card.details == {"problems": ["id: not a slug", "nameFa: must not be blank"]}
    assert (
        card.message == "service card 'x' is not valid: id: not a slug; nameFa: must not be blank"
    )
    mapping = MappingError(["firstName: required"])
    assert mapping.problems == ["firstName: required"]


def test_a_source_error_tells_clients_the_fault_and_the_log_every_detail() -> None:
    error = SourceError("civil-identity", "connect to 10.0.0.5:5432 refused", Fault.UNREACHABLE)
    assert error.message == "data source 'civil-identity' could not be reached"
    assert "10.0.0.5" not in error.message
    assert str(error) == "data source 'civil-identity': connect to 10.0.0.5:5432 refused"
