"""Password policy: ≥ 8 characters, 3 of 4 character classes, not the username."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from safecampus.lib.testing.factories import PASSWORD


@pytest.mark.parametrize("password", ["Ab1!", "abcdefgh1", "ABCDEFGH!", "abcdefgh"])
def test_it_refuses_weak_passwords(db, teacher, password):
    with pytest.raises(ValidationError):
        validate_password(password, teacher)


def test_it_refuses_the_username_as_password(db, world):
    from safecampus.lib.testing.factories import make_user

    user = make_user("Zhang-San.88")
    with pytest.raises(ValidationError) as exc:
        validate_password("zhang-san.88", user)
    assert "password_is_username" in {e.code for e in exc.value.error_list}


@pytest.mark.parametrize("password", ["Campus-2026", "safe2026!x", "SAFE2026xx"])
def test_it_accepts_three_classes(db, teacher, password):
    validate_password(password, teacher)


def test_the_change_form_shows_the_rule_and_keeps_the_old_password(as_user, teacher):
    client = as_user(teacher)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "abcdefgh",
            "new_password2": "abcdefgh",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    teacher.refresh_from_db()
    assert teacher.check_password(PASSWORD)
