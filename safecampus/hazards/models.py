"""Hidden hazards (隐患) and what hangs off them: photos, timeline, plans, revisits (§4)."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.hazards.choices import (
    OPEN_STATES,
    OVERDUE_STATES,
    PhotoKind,
    RectificationType,
    RevisitResult,
    Severity,
    Source,
    State,
)
from safecampus.lib.models import ManagedCategory

User = settings.AUTH_USER_MODEL


class HazardCategory(ManagedCategory):
    """A managed category list (§3.1); shipped with defaults, bureaus may add more."""

    class Meta(ManagedCategory.Meta):
        verbose_name = _("hazard category")
        verbose_name_plural = _("hazard categories")


def overdue_q(today: datetime.date | None = None) -> models.Q:
    """The one definition of overdue (choices.OVERDUE_STATES), for every query that counts it."""
    return models.Q(state__in=OVERDUE_STATES, deadline__lt=today or timezone.localdate())


class HazardQuerySet(models.QuerySet["Hazard"]):
    def open(self) -> HazardQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, today: datetime.date | None = None) -> HazardQuerySet:
        return self.filter(overdue_q(today))


class Hazard(models.Model):
    """A hidden hazard found at a school (隐患), tracked until it is closed (销号)."""

    client_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="hazards",
        verbose_name=_("school"),
    )
    # The school's tree path, copied so that "everything under this county" is one indexed
    # prefix filter on this table (organisations never move between parents).
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    source = models.CharField(_("source"), max_length=24, choices=Source.choices)
    category = models.ForeignKey(
        HazardCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.GENERAL
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("location on campus"), max_length=120, blank=True)
    found_on = models.DateField(_("found on"))
    finder = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("found by"),
    )
    finder_name = models.CharField(_("found by"), max_length=60, blank=True)
    state = models.CharField(
        _("state"), max_length=24, choices=State.choices, default=State.REPORTED
    )
    rectification_type = models.CharField(
        _("rectification type"),
        max_length=12,
        choices=RectificationType.choices,
        default=RectificationType.DEADLINE,
    )
    responsible = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    interim_measures = models.TextField(_("interim control measures"), blank=True)
    cost_note = models.CharField(_("cost and funding"), max_length=200, blank=True)
    rectification_note = models.TextField(_("rectification done"), blank=True)
    verifier = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verifier"),
    )
    verification_opinion = models.TextField(_("verification opinion"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    dismissed_reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Listed supervision (挂牌督办, §4.1).
    supervising_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_hazards",
        verbose_name=_("supervising organisation"),
    )
    supervisor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supervisor"),
    )
    report_interval_days = models.PositiveSmallIntegerField(
        _("progress report every (days)"), null=True, blank=True
    )
    supervised_on = models.DateField(_("supervised since"), null=True, blank=True)
    # Raised from a risk point of the school's register (风险点, §3): its open major hazards
    # show the point as red.
    risk_point = models.ForeignKey(
        "risks.RiskPoint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name=_("risk point"),
        db_index=False,  # indexed CONCURRENTLY by migration 0005 (a big table)
    )
    # Escalation after the deadline: 0 none, 1 county, 2 city (jobs.py).
    escalation_level = models.PositiveSmallIntegerField(default=0)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    tracking_code = models.CharField(max_length=16, unique=True, null=True, blank=True)
    reporter_contact = models.CharField(_("contact"), max_length=80, blank=True)
    import_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HazardQuerySet.as_manager()

    class Meta:
        verbose_name = _("hidden hazard")
        verbose_name_plural = _("hidden hazards")
        indexes = [
            models.Index(fields=["org_path", "state"], name="hazard_path_state"),
            models.Index(fields=["org_path", "found_on"], name="hazard_path_found"),
            models.Index(fields=["state", "deadline"], name="hazard_state_deadline"),
            models.Index(fields=["found_on", "id"], name="hazard_found_id"),
            models.Index(fields=["risk_point"], name="hazard_risk_point"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def number(self) -> str:
        """What people call it on the phone: YH + year + id."""
        return f"YH{self.found_on:%Y}-{self.pk:06d}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        return (
            self.state in OVERDUE_STATES
            and self.deadline is not None
            and self.deadline < timezone.localdate()
        )

    @property
    def is_supervised(self) -> bool:
        return self.supervising_org_id is not None


def photo_path(instance: HazardPhoto, filename: str) -> str:
    return f"hazards/{instance.hazard_id}/{uuid.uuid4().hex}.jpg"


class HazardPhoto(models.Model):
    """A photo before or after the fix; stored re-encoded, served only through a scoped view."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("kind"), max_length=8, choices=PhotoKind.choices)
    image = models.ImageField(upload_to=photo_path)
    thumbnail = models.ImageField(upload_to=photo_path)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "created_at"]

    def __str__(self) -> str:
        return f"{self.hazard_id}/{self.kind}"


class HazardEvent(models.Model):
    """The hazard's own timeline (who moved it, when, with what note): shown to users."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    verb = models.CharField(max_length=24)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.verb}"


class RectificationPlan(models.Model):
    """整改方案 for a hard case (五落实: who, measures, funds, deadline, contingency)."""

    hazard = models.OneToOneField(Hazard, on_delete=models.CASCADE, related_name="plan")
    measures = models.TextField(_("measures"))
    funds = models.CharField(_("funds"), max_length=200, blank=True)
    responsible = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible person")
    )
    interim_measures = models.TextField(_("interim control measures"), blank=True)
    contingency = models.TextField(_("contingency plan"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"plan of {self.hazard_id}"


class PlanMilestone(models.Model):
    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=120)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    progress = models.TextField(_("progress"), blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class Revisit(models.Model):
    """回头看: a bureau re-checks a closed hazard; "recurred" reopens it (§4.1 step 7)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="revisits")
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("visited on"))
    result = models.CharField(_("result"), max_length=10, choices=RevisitResult.choices)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.result}"
