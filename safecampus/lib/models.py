"""Small shared model pieces."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def english() -> bool:
    """The page is in English (else: Chinese, the default)."""
    return (get_language() or "").startswith("en")


class ManagedCategory(models.Model):
    """A managed, bilingual category list shipped with defaults (hazard categories, risk
    categories): a stable code, a Chinese and an English name, an order, and retirement
    instead of deletion."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80)
    sort = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name_en if english() else self.name_zh
