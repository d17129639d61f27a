"""Scores and levels (DOMAIN.md §3.3): the method's scales, the bands, the thresholds a bureau
may set, and which bureau's rules a school follows."""

from decimal import Decimal

import pytest

from safecampus.lib.errors import ActionError
from safecampus.risks import actions
from safecampus.risks.choices import Level, Method
from safecampus.risks.grading import check_thresholds, default_policy, score
from safecampus.risks.queries import policy_for


@pytest.mark.parametrize(
    ("l", "e", "c", "level"),
    [
        ("10", "6", "7", Level.RED),  # 420 > 320
        ("3", "6", "15", Level.ORANGE),  # 270
        ("1", "6", "15", Level.YELLOW),  # 90
        ("3", "2", "7", Level.BLUE),  # 42
        ("1", "10", "7", Level.BLUE),  # 70 is not above 70
        ("1", "2", "40", Level.YELLOW),  # 80
    ],
)
def test_lec_scores_fall_into_the_default_bands(l, e, c, level):
    factors = score(Method.LEC, l=l, e=e, c=c)
    assert factors.score == Decimal(l) * Decimal(e) * Decimal(c)
    assert default_policy(Method.LEC).level(factors.score) == level


@pytest.mark.parametrize(
    ("l", "s", "level"),
    [
        (5, 5, Level.RED),
        (4, 5, Level.RED),
        (4, 4, Level.ORANGE),
        (3, 5, Level.ORANGE),
        (3, 4, Level.YELLOW),
        (3, 3, Level.YELLOW),
        (2, 4, Level.BLUE),
        (1, 1, Level.BLUE),
    ],
)
def test_the_risk_matrix_bands_are_the_domain_table(l, s, level):
    assert default_policy(Method.LS).level(score(Method.LS, l=l, s=s).score) == level


@pytest.mark.parametrize(
    ("method", "factors", "field"),
    [
        (Method.LEC, {"l": "4", "e": "6", "c": "7"}, "l"),  # 4 is not on the L scale
        (Method.LEC, {"l": "3", "e": "6"}, "c"),
        (Method.LEC, {"l": "3", "e": "abc", "c": "7"}, "e"),
        (Method.LS, {"l": 6, "s": 3}, "l"),
        (Method.LS, {"l": 3, "s": 0}, "s"),
        (Method.LS, {"l": "NaN", "s": 3}, "l"),
    ],
)
def test_a_factor_off_the_scale_is_a_field_error(method, factors, field):
    with pytest.raises(ActionError) as caught:
        score(method, **factors)
    assert field in caught.value.errors


def test_thresholds_must_increase_and_stay_reachable():
    with pytest.raises(ActionError) as caught:
        check_thresholds(Method.LEC, red=160, orange=320, yellow=70)
    assert "orange" in caught.value.errors
    with pytest.raises(ActionError) as caught:
        check_thresholds(Method.LS, red=25, orange=14, yellow=8)
    assert "red" in caught.value.errors  # 25 is the highest score: nothing could be above it
    with pytest.raises(ActionError) as caught:
        check_thresholds("abc", red=3, orange=2, yellow=1)
    assert "method" in caught.value.errors
    policy = check_thresholds(Method.LS, red="18", orange="12", yellow="6")
    assert policy.level(Decimal(16)) == Level.ORANGE


def test_a_school_follows_the_nearest_bureau_with_its_own_rules(world, city_admin, county_officer):
    assert policy_for(world.school_a1) == default_policy(Method.LEC)
    actions.do_set_policy(city_admin, world.city, method=Method.LS, red=19, orange=14, yellow=8)
    assert policy_for(world.school_a1).method == Method.LS
    actions.do_set_policy(
        county_officer, world.county_a, method=Method.LEC, red=300, orange=150, yellow=60
    )
    assert policy_for(world.school_a1).red == Decimal(300)
    assert policy_for(world.school_b1).method == Method.LS  # county B follows the city


def test_a_policy_is_set_by_a_bureau_with_the_capability(
    world, county_officer, safety_officer, county_viewer
):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.do_set_policy(
            county_viewer, world.county_a, method="lec", red=3, orange=2, yellow=1
        )
    with pytest.raises(PermissionDenied):
        actions.do_set_policy(
            safety_officer, world.school_a1, method="lec", red=3, orange=2, yellow=1
        )
    with pytest.raises(ActionError):
        actions.do_set_policy(
            county_officer, world.county_a, method="lec", red=1, orange=2, yellow=3
        )
    from safecampus.risks.models import GradingPolicy

    assert not GradingPolicy.objects.exists()
