"""What a demo city is made of: the seed city's proportions (DOMAIN.md §2.1, §12).

Counts come from the seed report (001: 1,935 schools, 1,135 kindergartens of which 539
unlicensed); the finer split of the 800 primary & secondary schools, shares and enrolment
ranges are a typical Chinese prefecture's, not seed figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from safecampus.orgs.choices import SchoolKind as K

# Schools of each kind in the seed city (§12: 1,135 kindergartens; the 800 primary & secondary
# split as a typical prefecture's), plus a few off-campus training institutions.
KIND_MIX: dict[str, int] = {
    K.KINDERGARTEN: 1135,
    K.PRIMARY: 495,
    K.JUNIOR: 130,
    K.SENIOR: 50,
    K.NINE_YEAR: 60,
    K.TWELVE_YEAR: 10,
    K.VOCATIONAL: 25,
    K.SPECIAL: 10,
    K.TRAINING: 20,
}
UNLICENSED_KINDERGARTENS = 539  # of the 1,135 (§12): only kindergartens run unlicensed
SCHOOLS_PER_COUNTY = 193.5  # 1,935 schools in 10 counties/districts
CITY_DIRECT_PER_SCHOOL = 20 / 1935  # ~20 市直学校 (§2.1)
STAFF_LOGIN_SHARE = 0.08  # schools that also get a teacher and a guard login

# Listing order in a county, which is also the order codes and ordinals (第一中学) are given in.
KIND_ORDER = [
    K.SENIOR,
    K.JUNIOR,
    K.NINE_YEAR,
    K.TWELVE_YEAR,
    K.PRIMARY,
    K.VOCATIONAL,
    K.SPECIAL,
    K.KINDERGARTEN,
    K.TRAINING,
]
PRIVATE_SHARE: dict[str, float] = {
    K.KINDERGARTEN: 0.55,  # licensed ones; unlicensed are all private
    K.PRIMARY: 0.05,
    K.JUNIOR: 0.08,
    K.SENIOR: 0.12,
    K.NINE_YEAR: 0.15,
    K.TWELVE_YEAR: 0.8,
    K.VOCATIONAL: 0.25,
    K.SPECIAL: 0.0,
    K.TRAINING: 1.0,
}
# How likely a school of each kind reports straight to the city (市直): key high schools,
# vocational and special schools far more than village kindergartens.
CITY_DIRECT_WEIGHT: dict[str, float] = {
    K.SENIOR: 8.0,
    K.VOCATIONAL: 6.0,
    K.SPECIAL: 6.0,
    K.TWELVE_YEAR: 2.0,
    K.JUNIOR: 1.0,
    K.NINE_YEAR: 0.3,
    K.PRIMARY: 0.4,
    K.KINDERGARTEN: 0.1,
}
# Students (lo, hi) in town and country; staff = students / ratio.
ENROLMENT: dict[str, tuple[tuple[int, int], tuple[int, int], int]] = {
    K.KINDERGARTEN: ((150, 450), (60, 260), 7),
    K.PRIMARY: ((600, 2800), (60, 900), 17),
    K.JUNIOR: ((800, 2500), (300, 1500), 13),
    K.SENIOR: ((1200, 4000), (1000, 3200), 12),
    K.NINE_YEAR: ((600, 2200), (300, 1400), 14),
    K.TWELVE_YEAR: ((1500, 4500), (1200, 3500), 12),
    K.VOCATIONAL: ((800, 5000), (600, 3000), 18),
    K.SPECIAL: ((60, 260), (40, 160), 3),
    K.TRAINING: ((50, 600), (30, 300), 15),
}
UNLICENSED_ENROLMENT = (15, 90)
# Boarding (寄宿制, §2.1) is for rural secondary schools; the share of each kind that boards.
RURAL_BOARDING: dict[str, float] = {
    K.JUNIOR: 0.45,
    K.NINE_YEAR: 0.4,
    K.SENIOR: 0.8,
    K.TWELVE_YEAR: 0.7,
    K.VOCATIONAL: 0.6,
}
MULTI_CAMPUS_SHARE: dict[str, float] = {K.KINDERGARTEN: 0.03, K.TRAINING: 0.0, K.SPECIAL: 0.0}
DEFAULT_MULTI_CAMPUS_SHARE = 0.06


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), summing exactly."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def kind_counts(schools: int) -> dict[str, int]:
    """Schools of each kind for a city of ``schools``, in the seed city's proportions."""
    kinds = list(KIND_MIX)
    counts = dict(zip(kinds, apportion(schools, [KIND_MIX[k] for k in kinds]), strict=True))
    # Small demo cities still show every kind: borrow from the kindergartens.
    for kind in kinds:
        if counts[kind] == 0 and counts[K.KINDERGARTEN] > schools // 2:
            counts[kind] = 1
            counts[K.KINDERGARTEN] -= 1
    return counts


def county_levels(count: int) -> list[str]:
    """区 / 县 / 县级市 in the usual mix: 40% districts, 40% counties, 20% county-level cities."""
    districts, counties, cities = apportion(count, [4, 4, 2])
    return ["区"] * max(districts, 1) + ["县"] * counties + ["市"] * cities
