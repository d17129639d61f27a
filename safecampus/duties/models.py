"""The responsibility system (责任体系, DOMAIN.md §2.3–2.4): post lists and their signatures,
the campus grid, teacher–student pairings and yearly responsibility letters."""

from __future__ import annotations

import hashlib
import json
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from safecampus.duties.choices import CellKind, LetterState

User = settings.AUTH_USER_MODEL


def duties_hash(post_name: str, duties: list[str]) -> str:
    """sha256 of exactly what a person signed: the post's name and its duty texts, in order."""
    canonical = json.dumps({"post": post_name, "duties": duties}, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class PostTemplate(models.Model):
    """A shipped list of duties for a common post (岗位安全职责模板), in both languages."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80)
    duties_zh = models.JSONField(_("duties (Chinese)"), default=list)
    duties_en = models.JSONField(_("duties (English)"), default=list)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("post template")
        verbose_name_plural = _("post templates")
        ordering = ["sort", "key"]

    def __str__(self) -> str:
        return self.name_en if self._english() else self.name_zh

    @staticmethod
    def _english() -> bool:
        return (get_language() or "").startswith("en")

    def duties(self) -> list[str]:
        return list(self.duties_en if self._english() else self.duties_zh)


class Post(models.Model):
    """A post (岗位) at a school or bureau and its safety duties (一岗双责).

    The name and duties are the organisation's own text (copied from a template in the language
    of whoever created it, then edited freely). Every change of the duties bumps ``version``:
    the people holding the post must sign the new version (review when things change, §2.3).
    """

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="duty_posts",
        verbose_name=_("organisation"),
    )
    # Copied from the organisation, as hazards do: "everything under this county" is one
    # indexed prefix filter (organisations never move between parents).
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    template = models.ForeignKey(
        PostTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("post"), max_length=80)
    duties = models.JSONField(_("duties"), default=list)
    version = models.PositiveIntegerField(_("version"), default=1)
    sort = models.PositiveSmallIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="duty_post_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PostAssignment(models.Model):
    """A real-named person holds a post (实名制) from a date; ending it keeps the history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="duty_assignments", verbose_name=_("person")
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    # The post version this holder last signed (0: never). "Signed" means signed_version ==
    # post.version, so the unsigned roll-up is a plain comparison, no join to the signatures.
    signed_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("post assignment")
        verbose_name_plural = _("post assignments")
        ordering = ["post__sort", "post_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "person"],
                condition=models.Q(ended_on__isnull=True),
                name="duty_assignment_one_current",
            ),
        ]
        indexes = [models.Index(fields=["person", "ended_on"], name="duty_assign_person")]

    def __str__(self) -> str:
        return f"{self.person} · {self.post}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    @property
    def is_signed(self) -> bool:
        return self.signed_version == self.post.version


class Acknowledgement(models.Model):
    """签字确认: the holder read and accepted one version of the list. The text signed is kept
    here, with its hash, so later edits of the post never rewrite what was signed."""

    assignment = models.ForeignKey(
        PostAssignment, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    version = models.PositiveIntegerField()
    post_name = models.CharField(max_length=80)
    duties = models.JSONField(default=list)
    sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "version"], name="duty_ack_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} v{self.version}"

    @property
    def intact(self) -> bool:
        return duties_hash(self.post_name, list(self.duties)) == self.sha256


class GridCell(models.Model):
    """A grid cell (网格): an area of a school and a time slot, with its named person (§2.3)."""

    school = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=16, choices=CellKind.choices, default=CellKind.AREA
    )
    area = models.CharField(_("area"), max_length=120)
    time_slot = models.CharField(_("time slot"), max_length=60)
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    person = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible person")
    )
    note = models.CharField(_("what to watch"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("grid cell")
        verbose_name_plural = _("grid cells")
        ordering = ["area", "start_time", "id"]

    def __str__(self) -> str:
        return f"{self.area} · {self.time_slot}"


class Pairing(models.Model):
    """一岗双带 (DOMAIN.md §2.4): a staff member follows a named group of students.

    Minimal personal data on purpose (§13.13): student names only, never ID numbers, phones or
    addresses; seen only by the school's principal and safety officer and the paired teacher.
    """

    school = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    teacher = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="duty_pairings", verbose_name=_("teacher")
    )
    group_label = models.CharField(_("group"), max_length=80)
    students = models.JSONField(_("students"), default=list)
    contact_duty = models.CharField(_("contact duty"), max_length=200, blank=True)
    started_on = models.DateField(_("since"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["group_label", "id"]

    def __str__(self) -> str:
        return self.group_label


class PairingNote(models.Model):
    """A dated note of the paired teacher (a talk, a home visit); kept short on purpose."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="notes")
    written_on = models.DateField(_("date"))
    text = models.CharField(_("note"), max_length=500)
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-written_on", "-id"]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.written_on}"


def letter_file_path(instance: ResponsibilityLetter, filename: str) -> str:
    # The uploader's file name is kept in file_name; on disk the name is ours.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"letters/{instance.year}/{uuid.uuid4().hex}.{extension}"


class ResponsibilityLetter(models.Model):
    """责任书: the letter a bureau issues to its subordinate units for a year (its text and/or
    a scanned file). Each recipient unit signs its own copy (``LetterCopy``)."""

    issuer = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("issuer")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"), blank=True)
    file = models.FileField(upload_to=letter_file_path, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()

    class Meta:
        verbose_name = _("responsibility letter")
        verbose_name_plural = _("responsibility letters")
        ordering = ["-year", "-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class LetterCopy(models.Model):
    """One recipient unit's copy of a letter: issued, then signed by that unit."""

    letter = models.ForeignKey(
        ResponsibilityLetter, on_delete=models.CASCADE, related_name="copies"
    )
    recipient = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="responsibility_letters",
        verbose_name=_("recipient"),
    )
    recipient_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("year"))  # the letter's, for the yearly board
    state = models.CharField(
        _("state"), max_length=10, choices=LetterState.choices, default=LetterState.ISSUED
    )
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("letter copy")
        verbose_name_plural = _("letter copies")
        ordering = ["recipient__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "recipient"], name="letter_copy_once"),
        ]
        indexes = [models.Index(fields=["recipient_path", "year"], name="letter_copy_path_year")]

    def __str__(self) -> str:
        return f"{self.letter_id} → {self.recipient_id}"
