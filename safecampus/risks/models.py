"""Risk grading and control (风险分级管控, DOMAIN.md §3): the library, each school's register
of risk points with their assessments, grading rules per bureau, and the campus plan on which
the four-colour map is drawn."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safecampus.lib.models import ManagedCategory, english
from safecampus.risks.choices import Frequency, Level, Method, Reason

User = settings.AUTH_USER_MODEL


class RiskCategory(ManagedCategory):
    """A category of the risk library (§3.1), shipped with the 19 seed categories."""

    class Meta(ManagedCategory.Meta):
        verbose_name = _("risk category")
        verbose_name_plural = _("risk categories")


class LibraryItem(models.Model):
    """One version of a risk-library entry (风险点库). The product's standard items have no
    owner; a bureau's own items belong to it and apply to its subtree. An edit writes a new
    version and marks the old one not current: registers built from the old text keep it."""

    owner = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bureau"),
    )
    code = models.CharField(_("code"), max_length=20)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    category = models.ForeignKey(
        RiskCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    hazard_zh = models.CharField(_("risk (Chinese)"), max_length=200)
    hazard_en = models.CharField(_("risk (English)"), max_length=300, blank=True)
    consequences_zh = models.CharField(_("typical consequences (Chinese)"), max_length=200)
    consequences_en = models.CharField(
        _("typical consequences (English)"), max_length=300, blank=True
    )
    measures_zh = models.TextField(_("control measures (Chinese)"))
    measures_en = models.TextField(_("control measures (English)"), blank=True)
    frequency = models.CharField(
        _("inspection frequency"), max_length=10, choices=Frequency.choices
    )
    # SchoolKind values, or ["all"].
    school_kinds = models.JSONField(_("school kinds"), default=list)
    suggested_l = models.PositiveSmallIntegerField(null=True, blank=True)
    suggested_s = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("risk library item")
        verbose_name_plural = _("risk library items")
        ordering = ["category__sort", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"],
                condition=Q(owner__isnull=True),
                name="risk_library_standard_version",
            ),
            models.UniqueConstraint(
                fields=["owner", "code", "version"],
                condition=Q(owner__isnull=False),
                name="risk_library_bureau_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.hazard}"

    @property
    def hazard(self) -> str:
        return (self.hazard_en or self.hazard_zh) if english() else self.hazard_zh

    @property
    def consequences(self) -> str:
        return (self.consequences_en or self.consequences_zh) if english() else self.consequences_zh

    @property
    def measures(self) -> str:
        return (self.measures_en or self.measures_zh) if english() else self.measures_zh

    def applies_to(self, school_kind: str) -> bool:
        return "all" in self.school_kinds or school_kind in self.school_kinds


class GradingPolicy(models.Model):
    """A bureau's grading method and thresholds; schools use the nearest bureau above that
    set one, else LEC with the default thresholds (grading.default_policy)."""

    org = models.OneToOneField(
        "orgs.Organization", on_delete=models.CASCADE, related_name="grading_policy"
    )
    method = models.CharField(_("method"), max_length=4, choices=Method.choices)
    red_above = models.DecimalField(_("red above"), max_digits=8, decimal_places=2)
    orange_above = models.DecimalField(_("orange above"), max_digits=8, decimal_places=2)
    yellow_above = models.DecimalField(_("yellow above"), max_digits=8, decimal_places=2)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("grading policy")
        verbose_name_plural = _("grading policies")

    def __str__(self) -> str:
        return f"{self.org} {self.method}"


class CampusPlan(models.Model):
    """A campus plan image (校园平面图) on which areas are drawn for the four-colour map."""

    school = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="campus_plans"
    )
    campus = models.ForeignKey(
        "orgs.Campus", on_delete=models.CASCADE, null=True, blank=True, related_name="plans"
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    image = models.ImageField(_("plan image"), upload_to="campus_plans/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campus plan")
        verbose_name_plural = _("campus plans")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title or str(self.school)


class CampusArea(models.Model):
    """An area of a campus (教学楼, 食堂, 操场 …): where risk points sit, drawn on a plan as a
    rectangle or polygon, coloured by the highest level of its points."""

    school = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="campus_areas"
    )
    plan = models.ForeignKey(
        CampusPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="areas"
    )
    name = models.CharField(_("area"), max_length=60)
    # {"type": "rect"|"polygon", "points": [[x, y], ...]} in fractions 0..1 of the plan image.
    shape = models.JSONField(_("shape"), null=True, blank=True)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("campus area")
        verbose_name_plural = _("campus areas")
        ordering = ["sort", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="campus_area_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class RiskPoint(models.Model):
    """A risk point of a school's register (风险点): where, what, who controls it, how."""

    school = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="risk_points",
        verbose_name=_("school"),
    )
    # The school's path, copied for one-prefix "everything under this county" (as hazards do).
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    library_item = models.ForeignKey(
        LibraryItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points",
        verbose_name=_("from the library"),
    )
    category = models.ForeignKey(
        RiskCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    hazard = models.CharField(_("risk"), max_length=300)
    consequences = models.CharField(_("typical consequences"), max_length=300, blank=True)
    area = models.ForeignKey(
        CampusArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="points",
        verbose_name=_("campus area"),
    )
    location = models.CharField(_("location"), max_length=120, blank=True)
    responsible_post = models.CharField(_("responsible post"), max_length=60, blank=True)
    responsible = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    control_measures = models.TextField(_("control measures"), blank=True)
    emergency_measures = models.TextField(_("emergency measures"), blank=True)
    frequency = models.CharField(
        _("inspection frequency"), max_length=10, choices=Frequency.choices, blank=True
    )
    # The latest assessment, copied here for lists and maps (RiskAssessment keeps history).
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, blank=True)
    previous_level = models.CharField(max_length=10, choices=Level.choices, blank=True)
    score = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    review_on = models.DateField(_("review by"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("risk point")
        verbose_name_plural = _("risk points")
        ordering = ["category__sort", "id"]
        indexes = [models.Index(fields=["org_path", "level"], name="risk_point_path_level")]
        constraints = [
            # A library entry is in a school's register once (building again adds only new ones).
            models.UniqueConstraint(
                fields=["school", "library_item"],
                condition=Q(library_item__isnull=False),
                name="risk_point_once_per_item",
            )
        ]

    def __str__(self) -> str:
        return self.hazard

    @property
    def rose(self) -> bool:
        """The grade went up at the latest assessment (highlighted in lists)."""
        from safecampus.risks.choices import RANK

        return bool(self.previous_level) and RANK.get(self.level, 0) > RANK.get(
            self.previous_level, 0
        )


class RiskAssessment(models.Model):
    """One grading of a risk point, kept for ever: the history of its scores."""

    point = models.ForeignKey(RiskPoint, on_delete=models.CASCADE, related_name="assessments")
    method = models.CharField(_("method"), max_length=4, choices=Method.choices)
    l = models.DecimalField("L", max_digits=5, decimal_places=2)
    e = models.DecimalField("E", max_digits=5, decimal_places=2, null=True, blank=True)
    c = models.DecimalField("C", max_digits=5, decimal_places=2, null=True, blank=True)
    s = models.DecimalField("S", max_digits=5, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=9, decimal_places=2)
    scored_level = models.CharField(max_length=10, choices=Level.choices)
    # Red whatever the score (直接判定, §3.3) when a reason is given.
    direct_red_reason = models.CharField(
        _("graded red directly because"), max_length=200, blank=True
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.point_id} {self.level} {self.assessed_on}"
