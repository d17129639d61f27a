"""What bench/load.py replays: the people, their hazards, the transitions and the weighted
request sequence wrk sends. Imported after django.setup() (it reads the database); writes only
the API tokens it issues (revoked again by ``revoke_tokens``).

Deterministic for a given database and seed: the area is the city with the most hazards, its
county with the most and that county's school with the most (or the codes given); the hazards
are a seeded sample of what each person may see.
"""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from safecampus.accounts.actions import do_issue_token, do_revoke_token
from safecampus.accounts.models import ApiToken, User
from safecampus.audit.models import AuditEvent
from safecampus.hazards.actions import check_responsible
from safecampus.hazards.choices import State
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.hazards.queries import visible_hazards
from safecampus.notify.models import Notification, NotificationEvent, OutboxMessage
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization

TOKEN_NAME = "bench/load.py"  # noqa: S105 (a token's label, not a secret)

# Request kinds, their default share of the mix (percent) and what they are.
KINDS: dict[str, tuple[int, str]] = {
    "ledger_html": (15, "GET /hazards/ (ledger page, with or without a filter)"),
    "ledger_api": (15, "GET /api/v1/hazards (50 rows, with or without a filter)"),
    "detail_html": (20, "GET /hazards/<id>/ (detail page with timeline)"),
    "detail_api": (20, "GET /api/v1/hazards/<id>"),
    "home": (10, "GET / (home dashboard of the person's organisation)"),
    "stats_html": (10, "GET /hazards/stats/ (statistics page of the person's area)"),
    "transition": (10, "POST /api/v1/hazards/<id>/assign (re-assign, same person and deadline)"),
}
# Not in the mix: an authenticated trivial JSON endpoint (token lookup, one small query), the
# floor under every API request, run alone next to /healthz for comparison.
BASELINE_API = "baseline_api"
# The ledger filters a person tries (the page and the API take the same ones).
LEDGER_QUERIES = ("", "open=true", "overdue=true", "state=rectifying", "severity=major")


@dataclass
class Person:
    role: str  # "city admin", ...
    user: User
    org: Organization
    token: str = ""
    token_pk: int = 0
    session: str = ""  # Cookie header value after a real login (load.py)
    hazards: list[int] = field(default_factory=list)


@dataclass
class Transition:
    hazard: int
    actor: str  # username
    body: str  # JSON


@dataclass
class Plan:
    city: Organization
    county: Organization
    school: Organization
    people: list[Person]
    transitions: list[Transition]

    def person(self, username: str) -> Person:
        return next(p for p in self.people if p.user.username == username)


# --- choosing the area and the people ---------------------------------------------------------


def _busiest(parent_path: str, level: str, depth: int) -> Organization:
    """The organisation of ``level`` under ``parent_path`` with the most hazards (ties: path)."""
    width = Organization.steplen * depth
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT substr(org_path, 1, %s) AS p, count(*) FROM hazards_hazard "
            "WHERE org_path LIKE %s GROUP BY p ORDER BY count(*) DESC, p",
            [width, parent_path + "%"],
        )
        for path, _count in cursor.fetchall():
            org = Organization.objects.filter(path=path, level=level).first()
            if org is not None:
                return org
    raise SystemExit(f"No {level} with hazards under {parent_path or 'the province'}.")


def _org(code: str | None, level: str, parent: Organization | None) -> Organization:
    if code:
        org = Organization.objects.filter(code=code, level=level).first()
        if org is None:
            raise SystemExit(f"There is no {level} with code {code}.")
        if parent is not None and not org.path.startswith(parent.path):
            raise SystemExit(f"{level} {code} is not under {parent.code}.")
        return org
    parent_path = parent.path if parent else ""
    return _busiest(parent_path, level, (parent.depth if parent else 0) + 1)


def _login(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise SystemExit(f"No active user {username} (the demo_province logins are needed).")
    if user.must_change_password:
        raise SystemExit(f"{username} must change the password first; pick another area.")
    return user


def choose_people(city: str | None, county: str | None, school: str | None) -> Plan:
    city_org = _org(city, Level.CITY, None)
    county_org = _org(county, Level.COUNTY, city_org)
    school_org = _org(school, Level.SCHOOL, county_org)
    people = [
        Person("city admin", _login(f"{city_org.code}_admin"), city_org),
        Person("county admin", _login(f"{county_org.code}_admin"), county_org),
        Person("principal", _login(f"{school_org.code}_principal"), school_org),
        Person("safety officer", _login(f"{school_org.code}_safety"), school_org),
    ]
    return Plan(city_org, county_org, school_org, people, [])


def sample_hazards(plan: Plan, per_person: int, seed: int) -> None:
    for index, person in enumerate(plan.people):
        ids = sorted(visible_hazards(person.user).values_list("id", flat=True))
        if not ids:
            raise SystemExit(f"{person.user.username} sees no hazards.")
        rng = random.Random(seed * 100 + index)
        person.hazards = rng.sample(ids, min(per_person, len(ids)))


def choose_transitions(plan: Plan, limit: int) -> None:
    """Assigned hazards in the city that can be re-assigned to the same person with the same
    deadline: the hazard's fields stay as they are (escalation level 0 is kept 0), the state
    stays `assigned`, so every request is valid however often and in whatever order it runs,
    and two requests for one hazard cannot conflict (the row lock serialises them)."""
    county_admin = plan.people[1].user.username
    city_admin = plan.people[0].user.username
    candidates = (
        Hazard.objects.filter(
            org_path__startswith=plan.city.path,
            state=State.ASSIGNED,
            escalation_level=0,
            deadline__isnull=False,
            responsible__is_active=True,
        )
        .select_related("org", "responsible")
        .order_by("id")
    )
    chosen: list[Transition] = []
    for hazard in candidates.iterator():
        if hazard.deadline is None or hazard.deadline < hazard.found_on:
            continue
        try:
            check_responsible(hazard.responsible, hazard.org)
        except Exception:  # noqa: S112 (an invalid responsible person: leave the hazard out)
            continue
        actor = county_admin if hazard.org_path.startswith(plan.county.path) else city_admin
        body = {
            "expected_state": State.ASSIGNED,
            "responsible": hazard.responsible_id,
            "deadline": hazard.deadline.isoformat(),
        }
        chosen.append(Transition(hazard.pk, actor, json.dumps(body)))
        if len(chosen) >= limit:
            break
    if not chosen:
        raise SystemExit(f"No assigned hazards to re-assign in {plan.city.code}.")
    plan.transitions = chosen


def issue_tokens(plan: Plan) -> None:
    for person in plan.people:
        token, secret = do_issue_token(person.user, TOKEN_NAME)
        person.token, person.token_pk = secret, token.pk


def revoke_tokens(plan: Plan) -> int:
    revoked = 0
    for person in plan.people:
        if person.token_pk:
            token = ApiToken.objects.get(pk=person.token_pk)
            do_revoke_token(person.user, token)
            revoked += 1
    return revoked


# --- what the run changed ----------------------------------------------------------------------


def changes_since(plan: Plan, started: datetime.datetime) -> dict[str, int]:
    """Rows the run added (the re-assignments' time-line, audit and notification rows; the
    logins' and tokens' audit rows). Nothing else is written."""
    users = [p.user.pk for p in plan.people]
    hazards = [t.hazard for t in plan.transitions]
    audit = AuditEvent.objects.filter(created_at__gte=started, actor_id__in=users)
    by_verb = dict(audit.values_list("verb").annotate(n=Count("id")).order_by())
    return {
        "hazard events (re-assign)": HazardEvent.objects.filter(
            hazard_id__in=hazards, verb="assign", created_at__gte=started
        ).count(),
        "audit events": audit.count(),
        "audit hazard.assign": by_verb.get("hazard.assign", 0),
        "notifications": Notification.objects.filter(
            created_at__gte=started, kind="hazard.assigned"
        ).count(),
        "outbox messages": OutboxMessage.objects.filter(created_at__gte=started).count(),
        "notification events": NotificationEvent.objects.filter(
            created_at__gte=started, key__startswith="assign:"
        ).count(),
    }


def now() -> datetime.datetime:
    return timezone.now()


# --- the request sequence ----------------------------------------------------------------------


def parse_mix(text: str | None) -> dict[str, int]:
    """``"ledger_html=15,detail_api=20,..."``; kinds left out get 0. None: the default mix."""
    if not text:
        return {kind: weight for kind, (weight, _what) in KINDS.items()}
    mix = dict.fromkeys(KINDS, 0)
    for part in text.split(","):
        name, _eq, value = part.partition("=")
        name = name.strip()
        if name not in KINDS or not value.strip().isdigit():
            raise SystemExit(f"--mix: {part!r} is not kind=weight; kinds: {', '.join(KINDS)}")
        mix[name] = int(value)
    if not any(mix.values()):
        raise SystemExit("--mix: every weight is 0.")
    return mix


# One request: method, path, header set name, body ("" for none).
Request = tuple[str, str, str, str]


def request_for(kind: str, rng: random.Random, plan: Plan, person: Person | None = None) -> Request:
    """A read of ``kind`` by ``person`` (default: one of the people, at random)."""
    person = person or rng.choice(plan.people)
    name = person.user.username
    if kind == "ledger_html":
        query = rng.choice(LEDGER_QUERIES)
        return ("GET", "/hazards/" + (f"?{query}" if query else ""), f"html:{name}", "")
    if kind == "ledger_api":
        query = "&".join(q for q in ("limit=50", rng.choice(LEDGER_QUERIES)) if q)
        return ("GET", f"/api/v1/hazards?{query}", f"api:{name}", "")
    if kind == "detail_html":
        return ("GET", f"/hazards/{rng.choice(person.hazards)}/", f"html:{name}", "")
    if kind == "detail_api":
        return ("GET", f"/api/v1/hazards/{rng.choice(person.hazards)}", f"api:{name}", "")
    if kind == "home":
        return ("GET", "/", f"html:{name}", "")
    if kind == "stats_html":
        return ("GET", "/hazards/stats/", f"html:{name}", "")
    if kind == BASELINE_API:
        return ("GET", "/api/v1/hazards/categories", f"api:{name}", "")
    raise ValueError(kind)


def sequences(
    plan: Plan, mix: dict[str, int], threads: int, length: int, seed: int
) -> list[list[Request]]:
    """One request list per wrk thread, each replayed in a loop. The transitions are dealt out
    so that no two threads share a hazard, and each thread walks its own share in order, so a
    hazard is never re-assigned twice at the same time (it would be harmless, only slower)."""
    kinds = [k for k, w in mix.items() if w]
    weights = [mix[k] for k in kinds]
    out: list[list[Request]] = []
    for index in range(threads):
        rng = random.Random(seed * 1000 + index)
        mine = plan.transitions[index::threads] or plan.transitions
        turn = 0
        requests: list[Request] = []
        for _ in range(length):
            kind = rng.choices(kinds, weights)[0]
            if kind == "transition":
                t = mine[turn % len(mine)]
                turn += 1
                requests.append(
                    ("POST", f"/api/v1/hazards/{t.hazard}/assign", f"post:{t.actor}", t.body)
                )
            else:
                requests.append(request_for(kind, rng, plan))
        out.append(requests)
    return out


def kind_of(method: str, path: str) -> str:
    """The request kind of an access-log line (for the server-side breakdown)."""
    if path == "/healthz":
        return "healthz"
    if method == "POST" and path.endswith("/assign"):
        return "transition"
    if path == "/":
        return "home"
    if path == "/hazards/":
        return "ledger_html"
    if path == "/hazards/stats/":
        return "stats_html"
    if path == "/api/v1/hazards":
        return "ledger_api"
    if path == "/api/v1/hazards/categories":
        return BASELINE_API
    if path.startswith("/api/v1/hazards/"):
        return "detail_api"
    if path.startswith("/hazards/"):
        return "detail_html"
    return "other"


def headers(plan: Plan, host: str) -> dict[str, dict[str, str]]:
    sets: dict[str, dict[str, str]] = {"plain": {"Host": host}}
    for person in plan.people:
        name = person.user.username
        sets[f"html:{name}"] = {"Host": host, "Cookie": person.session, "Accept": "text/html"}
        sets[f"api:{name}"] = {
            "Host": host,
            "Authorization": f"Bearer {person.token}",
            "Accept": "application/json",
        }
        sets[f"post:{name}"] = {**sets[f"api:{name}"], "Content-Type": "application/json"}
    return sets


def _lua(value: str) -> str:
    """A Lua string literal (decimal escapes for anything but printable ASCII)."""
    out = []
    for ch in value.encode():
        if ch in (0x22, 0x5C) or ch < 0x20 or ch > 0x7E:
            out.append(f"\\{ch:03d}")
        else:
            out.append(chr(ch))
    return '"' + "".join(out) + '"'


def lua_plan(seqs: Sequence[Sequence[Request]], header_sets: dict[str, dict[str, str]]) -> str:
    """The data file bench/load.lua reads (``return {headers = ..., threads = ...}``)."""
    lines = ["return {", "headers = {"]
    for name, values in header_sets.items():
        pairs = ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in values.items())
        lines.append(f"  [{_lua(name)}] = {{{pairs}}},")
    lines += ["},", "threads = {"]
    for seq in seqs:
        lines.append("  {")
        for method, path, header_set, body in seq:
            lines.append(f"    {{{_lua(method)}, {_lua(path)}, {_lua(header_set)}, {_lua(body)}}},")
        lines.append("  },")
    lines += ["},", "}"]
    return "\n".join(lines) + "\n"
