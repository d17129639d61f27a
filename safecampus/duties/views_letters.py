"""Responsibility letters (责任书): the yearly board of a bureau, issuing, signing, the file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safecampus.duties import actions_letters
from safecampus.duties.choices import LetterState
from safecampus.duties.forms import LetterForm, LetterSignForm
from safecampus.duties.queries import (
    board_totals,
    copies_to,
    eligible_recipients,
    get_copy_for_user,
    get_letter_for_user,
    letter_board,
    letters_of,
)
from safecampus.duties.views import duty_org, tabs
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.forms import apply_action_error
from safecampus.orgs.active import active_org
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _org_of_page(request: HttpRequest) -> Organization:
    pk = request.GET.get("org")
    if pk:
        return duty_org(request, pk)
    current = active_org(request)
    if current is None:
        raise Http404("organisation")
    return duty_org(request, current.pk)


def _render_board(
    request: HttpRequest,
    org: Organization,
    year: int,
    *,
    sign_form: tuple[int, LetterSignForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = tabs(request, org, "letters")
    is_bureau = org.level in (Level.CITY, Level.COUNTY)
    rows = letter_board(org, year) if is_bureau else []
    received = []
    may_sign = actions_letters.may_sign_for(request.user, org)
    for copy in copies_to(org).filter(year=year):
        form = None
        if may_sign and copy.state == LetterState.ISSUED:
            form = LetterSignForm()
            if sign_form is not None and sign_form[0] == copy.pk:
                form = sign_form[1]
        received.append({"copy": copy, "form": form})
    context.update(
        {
            "year": year,
            "years": list(range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1)),
            "is_bureau": is_bureau,
            "rows": rows,
            "totals": board_totals(rows) if is_bureau else None,
            "letters": list(letters_of(org, year)) if is_bureau else [],
            "received": received,
        }
    )
    return render(request, "duties/letters.html", context, status=status)


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """For a bureau: the year's letters to its units, issued/signed/not issued; for any unit:
    the letters it received."""
    return _render_board(request, _org_of_page(request), _year(request))


def _render_issue(
    request: HttpRequest, issuer: Organization, form: LetterForm, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {**tabs(request, issuer, "letters"), "form": form}
    return render(request, "duties/letter_new.html", context, status=status)


@login_required
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    issuer = duty_org(request, pk, Cap.DUTY_MANAGE)
    if issuer.level not in (Level.CITY, Level.COUNTY):
        raise Http404("issuer")
    units = eligible_recipients(issuer)
    if request.method != "POST":
        return _render_issue(request, issuer, LetterForm(units=units))
    form = LetterForm(request.POST, request.FILES, units=units)
    if not form.is_valid():
        return _render_issue(request, issuer, form, status=400)
    data = form.cleaned_data
    try:
        letter = actions_letters.do_issue_letter(
            request.user,
            issuer,
            year=data["year"],
            title=data["title"],
            text=data["text"],
            upload=data["file"],
            recipients=list(data["recipients"]) or None,
            request=request,
        )
    except ActionError as exc:
        apply_action_error(form, exc)
        return _render_issue(request, issuer, form, status=422)
    messages.success(
        request, _("The letter has been issued to %(n)d units.") % {"n": letter.copies.count()}
    )
    return redirect(f"{_board_url(issuer)}&year={letter.year}")


def _board_url(org: Organization) -> str:
    return f"{reverse('duties:letters')}?org={org.pk}"


@login_required
@require_POST
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    copy = get_copy_for_user(request.user, pk)
    form = LetterSignForm(request.POST)
    if not form.is_valid():
        return _render_board(
            request, copy.recipient, copy.year, sign_form=(copy.pk, form), status=400
        )
    try:
        actions_letters.do_sign_letter(
            request.user, copy, signed_on=form.cleaned_data["signed_on"], request=request
        )
    except ActionError as exc:
        apply_action_error(form, exc)
        return _render_board(
            request, copy.recipient, copy.year, sign_form=(copy.pk, form), status=422
        )
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The letter has been signed."))
    return redirect(f"{_board_url(copy.recipient)}&year={copy.year}")


@login_required
@require_GET
def letter_file(request: HttpRequest, pk: int) -> FileResponse:
    letter = get_letter_for_user(request.user, pk)
    if not letter.file:
        raise Http404("file")
    response = FileResponse(
        letter.file.open("rb"),
        content_type=letter.file_type or "application/octet-stream",
        as_attachment=True,
        filename=letter.file_name or letter.file.name.rsplit("/", 1)[-1],
    )
    # Private: the file sits behind a permission check, never in a shared cache.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
