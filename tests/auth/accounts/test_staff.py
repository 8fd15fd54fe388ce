"""Staff accounts (auth/accounts/staff.py): what a new account must be, its CSRF token, and the
principal a staff member acts as."""

from __future__ import annotations

from auth.accounts.staff import (
    StaffDraft,
    StaffMember,
    draft_problems,
    staff_csrf_token,
    staff_csrf_valid,
    staff_keys,
    staff_principal,
)
from auth.core.principal import Basis
from standard.statuses import StaffRole


def member(role: StaffRole, secret: str = "11" * 32) -> StaffMember:
    return StaffMember("maryam.k", "Maryam", "civil-registry", role, secret, "cd" * 32)


def test_every_problem_of_a_new_account_is_named() -> None:
    draft = StaffDraft("M", "civil-registry", "OWNER", " ", "short")
    problems = draft_problems(draft)
    fields = [problem.split(":")[0] for problem in problems]
    assert fields == ["username", "role", "displayName", "password"]
    good = StaffDraft("maryam.k", "civil-registry", "ADMIN", "Maryam", "x" * 12)
    assert draft_problems(good) == []
    assert draft_problems(StaffDraft("a" * 41, "c", "ADMIN", "M", "x" * 12)) != []


def test_the_csrf_token_belongs_to_its_session() -> None:
    mine, other = member(StaffRole.ADMIN), member(StaffRole.ADMIN, "22" * 32)
    token = staff_csrf_token(mine)
    assert staff_csrf_valid(mine, token)
    assert not staff_csrf_valid(other, token)
    assert not staff_csrf_valid(mine, None) and not staff_csrf_valid(None, token)


def test_a_viewer_acts_as_its_agency_admin_read_only() -> None:
    viewer = staff_principal(member(StaffRole.VIEWER))
    admin = staff_principal(member(StaffRole.ADMIN))
    assert viewer.basis is Basis.AGENCY_ADMIN and viewer.agency == "civil-registry"
    assert viewer.read_only and not admin.read_only
    assert admin.client_id == "staff:maryam.k" and viewer.citizen is None


def test_staff_throttle_keys_are_apart_from_citizens() -> None:
    keys = staff_keys("maryam.k", "10.0.0.1")
    assert keys.counted == "staff:maryam.k" and keys.address == "ip:10.0.0.1"
    assert not keys.trusted
