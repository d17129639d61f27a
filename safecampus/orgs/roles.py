"""Roles and what each may do: the one table of capabilities (DESIGN.md, "Roles → capabilities").

Views and API check capabilities (``Cap.ORG_MANAGE``), never role names. A role held at an
organisation applies to that organisation and its whole subtree (属地管理, DOMAIN.md §2.2).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.choices import Level


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City administrator")
    CITY_STAFF = "city_staff", _("City staff")
    COUNTY_ADMIN = "county_admin", _("County administrator")
    COUNTY_STAFF = "county_staff", _("County staff")
    INSPECTOR = "inspector", _("Inspector / evaluator")
    PRINCIPAL = "principal", _("School principal")
    SAFETY_OFFICER = "safety_officer", _("School safety officer")
    TEACHER = "teacher", _("Teacher")
    GUARD = "guard", _("Guard")
    VIEWER = "viewer", _("Read-only viewer")


class Cap(models.TextChoices):
    ORG_VIEW = "org.view", _("View organisations")
    ORG_MANAGE = "org.manage", _("Create and edit organisations")
    ORG_IMPORT = "org.import", _("Import schools from Excel")
    ORG_EXPORT = "org.export", _("Export organisations to Excel")
    USER_VIEW = "user.view", _("View users")
    USER_MANAGE = "user.manage", _("Create users and grant roles")
    AUDIT_VIEW = "audit.view", _("View the audit trail")
    HAZARD_VIEW = "hazard.view", _("View hidden hazards")
    HAZARD_REPORT = "hazard.report", _("Report hidden hazards")
    HAZARD_ASSIGN = "hazard.assign", _("Assign, dismiss and plan hazards")
    HAZARD_RECTIFY = "hazard.rectify", _("Record rectification of hazards")
    HAZARD_VERIFY = "hazard.verify", _("Verify and close hazards")
    HAZARD_SUPERVISE = (
        "hazard.supervise",
        _("List major hazards for supervision; restore dismissed"),
    )
    HAZARD_REVISIT = "hazard.revisit", _("Revisit closed hazards")
    HAZARD_IMPORT = "hazard.import", _("Import a hazard ledger from Excel")
    HAZARD_EXPORT = "hazard.export", _("Export the hazard ledger")
    RISK_VIEW = "risk.view", _("View risk registers and four-colour maps")
    RISK_MANAGE = "risk.manage", _("Keep a risk register: points, grading, campus map")
    RISK_LIBRARY = "risk.library", _("Edit the bureau's risk library and grading rules")
    DUTY_VIEW = "duty.view", _("View responsibility lists and their signatures")
    DUTY_MANAGE = "duty.manage", _("Edit responsibility lists, grid, pairings and letters")


_READ = {
    Cap.ORG_VIEW,
    Cap.ORG_EXPORT,
    Cap.USER_VIEW,
    Cap.HAZARD_VIEW,
    Cap.HAZARD_EXPORT,
    Cap.RISK_VIEW,
    Cap.DUTY_VIEW,
}
_BUREAU_ADMIN = set(Cap)
# Bureau staff run the hazard work of their area day to day (DOMAIN.md §4.1: assign, verify).
_BUREAU_HAZARD = {
    Cap.HAZARD_REPORT,
    Cap.HAZARD_ASSIGN,
    Cap.HAZARD_RECTIFY,
    Cap.HAZARD_VERIFY,
    Cap.HAZARD_REVISIT,
}
# ...and its risk and responsibility work: the county draws the plans (DOMAIN.md §3.2).
_BUREAU_RISK = {Cap.RISK_MANAGE, Cap.RISK_LIBRARY, Cap.DUTY_MANAGE}
# Everyone at a school sees its risks: the four-colour map is posted on campus (§3.3).
_GUARD = {Cap.ORG_VIEW, Cap.HAZARD_VIEW, Cap.HAZARD_REPORT, Cap.RISK_VIEW}
_TEACHER = _GUARD
_SAFETY_OFFICER = {
    *_TEACHER,
    Cap.USER_VIEW,
    Cap.HAZARD_ASSIGN,
    Cap.HAZARD_RECTIFY,
    Cap.HAZARD_VERIFY,
    Cap.HAZARD_EXPORT,
    Cap.RISK_MANAGE,
    Cap.DUTY_VIEW,
}
# The principal also owns the school's responsibility lists (第一责任人, §2.3).
_PRINCIPAL = {*_SAFETY_OFFICER, Cap.ORG_MANAGE, Cap.USER_MANAGE, Cap.DUTY_MANAGE}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset(_BUREAU_ADMIN),
    Role.CITY_STAFF: frozenset(_READ | _BUREAU_HAZARD | _BUREAU_RISK),
    Role.COUNTY_ADMIN: frozenset(_BUREAU_ADMIN),
    Role.COUNTY_STAFF: frozenset(_READ | _BUREAU_HAZARD | _BUREAU_RISK),
    Role.INSPECTOR: frozenset(
        {
            Cap.ORG_VIEW,
            Cap.ORG_EXPORT,
            Cap.HAZARD_VIEW,
            Cap.HAZARD_EXPORT,
            Cap.HAZARD_REPORT,
            Cap.HAZARD_VERIFY,
            Cap.HAZARD_REVISIT,
            Cap.RISK_VIEW,
            Cap.DUTY_VIEW,
        }
    ),
    # The principal is the first responsible person (第一责任人, §1): keeps the school's own
    # record and staff roles up to date.
    Role.PRINCIPAL: frozenset(_PRINCIPAL),
    Role.SAFETY_OFFICER: frozenset(_SAFETY_OFFICER),
    Role.TEACHER: frozenset(_TEACHER),
    Role.GUARD: frozenset(_GUARD),
    Role.VIEWER: frozenset(_READ),
}

# Where a role may be held: bureau roles at bureaus, school roles at schools.
ROLE_LEVELS: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset({Level.CITY}),
    Role.CITY_STAFF: frozenset({Level.CITY}),
    Role.COUNTY_ADMIN: frozenset({Level.COUNTY}),
    Role.COUNTY_STAFF: frozenset({Level.COUNTY, Level.TOWN}),
    Role.INSPECTOR: frozenset({Level.CITY, Level.COUNTY}),
    Role.PRINCIPAL: frozenset({Level.SCHOOL}),
    Role.SAFETY_OFFICER: frozenset({Level.SCHOOL}),
    Role.TEACHER: frozenset({Level.SCHOOL}),
    Role.GUARD: frozenset({Level.SCHOOL}),
    Role.VIEWER: frozenset({Level.CITY, Level.COUNTY, Level.TOWN, Level.SCHOOL}),
}


def roles_with(cap: str) -> list[str]:
    return [role for role, caps in CAPABILITIES.items() if cap in caps]


def roles_for_level(level: str) -> list[str]:
    return [role for role, levels in ROLE_LEVELS.items() if level in levels]


def can_grant(granter_caps: frozenset[str] | set[str], role: str) -> bool:
    """No escalation: a role may be granted only by someone who holds all of its capabilities."""
    return Cap.USER_MANAGE in granter_caps and CAPABILITIES[role] <= set(granter_caps)
