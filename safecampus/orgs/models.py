"""Organisation tree (city → county → school), campuses and memberships (DOMAIN.md §2)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from safecampus.orgs.choices import Level, OrgStatus, Ownership, SchoolKind
from safecampus.orgs.roles import Role


class Organization(MP_Node):
    """A bureau or a school (教育局 / 学校). Subtree = ``path`` prefix (one indexed query)."""

    steplen = 4

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=OrgStatus.choices, default=OrgStatus.ACTIVE
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # School attributes (blank for bureaus).
    school_kind = models.CharField(
        _("school kind"), max_length=16, choices=SchoolKind.choices, blank=True
    )
    ownership = models.CharField(
        _("ownership"), max_length=10, choices=Ownership.choices, blank=True
    )
    licensed = models.BooleanField(_("licensed"), default=True)  # 有证/无证, §2.1
    principal_name = models.CharField(_("principal"), max_length=60, blank=True)
    safety_officer_name = models.CharField(_("safety officer"), max_length=60, blank=True)
    students = models.PositiveIntegerField(_("students"), default=0)
    staff = models.PositiveIntegerField(_("staff"), default=0)
    boarding = models.BooleanField(_("boarding"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [
            models.Index(fields=["level", "status"]),
            models.Index(fields=["school_kind"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_school(self) -> bool:
        return self.level == Level.SCHOOL

    @property
    def is_bureau(self) -> bool:
        return self.level in (Level.CITY, Level.COUNTY)


class Campus(models.Model):
    """A campus site (校区/园区) of a school: the unit the seeds count (§2.1)."""

    school = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="campuses", verbose_name=_("school")
    )
    name = models.CharField(_("campus name"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_main = models.BooleanField(_("main campus"), default=False)

    class Meta:
        verbose_name = _("campus")
        verbose_name_plural = _("campuses")
        ordering = ["-is_main", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="campus_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person holds a role at an organisation; it applies to the whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    org = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "org", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.org}"


def _import_upload_path(instance: ImportBatch, filename: str) -> str:
    # The person's name for the file is kept in original_name; on disk the name is ours.
    return f"imports/{instance.created_by_id}/{uuid.uuid4().hex}.xlsx"


class ImportBatch(models.Model):
    """An uploaded school list (学校导入批次): checked by a dry run, then committed once.

    The file stays under MEDIA_ROOT/imports/ so that the commit re-reads what was checked,
    never data sent back by the browser; its sha256 goes into the audit trail.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(upload_to=_import_upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("new schools"), default=0)
    updated = models.PositiveIntegerField(_("updated schools"), default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        indexes = [models.Index(fields=["created_by", "committed_at"])]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_committed(self) -> bool:
        return self.committed_at is not None
