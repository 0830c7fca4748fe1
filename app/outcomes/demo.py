"""A fictional sales team for ``rolefit demo``: 40 employees who took the assessment, and a
year of their deals written as a Bitrix24 deal export and imported through the real import.

Everything goes through the product's own services: invitations, consent, saved answers and
finishing for the assessments; ``parse_deals`` and ``import_deals`` for the deals.

The company is fictional, and so is what its data shows. It is a B2B distributor of office and
facility supplies whose sales are mostly client management: 30 client managers (farmers), each
looking after a book of corporate clients who reorder every month, and a small team around them
(4 hunters, 2 closers, 2 scouts, 2 in sales operations) — so the client managers are the one role
with enough people for the evidence page's verdict, type chart, proposal and best third, and the
small roles show what the page says when a role is too small.

Results lean on the default matrix (a type's fit for the role nudges how well they sell) plus
each person's own noise and the chance in their deals, with one departure, the demo's story: this
company's clients are procurement departments buying by specification and contract, and its
analytical, precise LII client managers keep their clients better than any other type, although
the matrix rates LII low (25) for the role. Nine of the 30 client managers are LII (the company
hired them for their accuracy with catalogues and contracts), so the evidence page proposes
raising the LII/farmer cell for the administrator to accept. None of this is a finding: the
company, its people and the departure are invented to give the page something to show.

The deals cover the four calendar quarters before the current one, from their first day, so
the figures (counted per quarter) and the evidence are the same whatever day the demo loads.
"""

from __future__ import annotations

import csv
import io
import math
import random
from datetime import date, timedelta

from sqlmodel import Session

from app.candidate.service import finish, record_consent, save_answers
from app.config import Settings
from app.db import utcnow
from app.invitations.invite import invite_candidate
from app.matrix.service import current
from app.models import Employee, User, Vacancy
from app.organisation.consent import EMPLOYEE_CONSENT_VERSION
from app.outcomes.crm import BITRIX24
from app.outcomes.service import import_deals
from app.staff.service import create_vacancy
from questionnaires.schema import Questionnaire
from questionnaires.simulate import leaning_answers
from socionics.model import get_type, type_codes

TEAM_VACANCY = "Оценка действующей команды продаж"
# The client managers' types: the story's nine LII, the matrix's farmer types (a team mostly
# hired for fit), and one of each type the matrix rates low for the role, whose weaker results
# show that the matrix holds here apart from the LII.
FARMER_TYPES = (
    ("LII", 9),
    ("SEI", 3),
    ("ESE", 2),
    ("ESI", 2),
    ("EII", 2),
    ("LSE", 2),
    ("LSI", 1),
    ("SLI", 1),
    ("ILE", 1),
    ("EIE", 1),
    ("SEE", 1),
    ("IEE", 1),
    ("SLE", 1),
    ("LIE", 1),
    ("ILI", 1),
    ("IEI", 1),
)
ROLES = (
    ("farmer", sum(count for _, count in FARMER_TYPES)),  # 30
    ("hunter", 4),
    ("closer", 2),
    ("scout", 2),
    ("sales_operations", 2),
)
# Where this company departs from the default matrix, in the units of the matrix's nudge below
# (1 ≈ 37 points of fit): its LII client managers do as if their fit were about 130, better
# than the types the matrix rates highest.
DEPARTURE = {("LII", "farmer"): 2.8}
# How much of a person's results their type does not explain. With the deals' own randomness
# on top, the LII's lead is just large enough for 30 people to show it past the Bonferroni bar.
SKILL_NOISE = 0.5
TEAMS = ("Москва", "Санкт-Петербург", "Екатеринбург")
FIRST = (
    "Алексей",
    "Ольга",
    "Дмитрий",
    "Елена",
    "Сергей",
    "Наталья",
    "Андрей",
    "Ирина",
    "Михаил",
    "Татьяна",
    "Николай",
    "Светлана",
    "Артём",
    "Юлия",
    "Кирилл",
    "Анастасия",
)
LAST = (
    "Ковалев",
    "Соколова",
    "Морозов",
    "Новикова",
    "Лебедев",
    "Егорова",
    "Козлов",
    "Павлова",
    "Степанов",
    "Орлова",
    "Никитин",
    "Захарова",
    "Фролов",
    "Белова",
)
PRODUCTS = ("Бумага офисная", "Картриджи", "Канцелярия", "Мебель", "Техника", "Хозтовары")
QIDS = ("introversion_extraversion", "socionics_16")


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        female = first.endswith(("а", "я"))
        if female and not last.endswith("а"):
            last += "а"
        if not female and last.endswith("а"):
            last = last[:-1]
        name = f"{first} {last}"
        if name not in used:
            used.add(name)
            return name


def add_demo_team(
    session: Session,
    *,
    settings: Settings,
    admin: User,
    catalog: dict[str, Questionnaire],
    today: date | None = None,
) -> int:
    """The team, its assessments and a year of deals; returns how many deals were imported."""
    rng = random.Random(18)  # noqa: S311  (fictional data, the same on every install)
    today = today or date.today()
    now = utcnow()
    vacancy: Vacancy = create_vacancy(
        session,
        title=TEAM_VACANCY,
        placement="undecided",
        language=settings.default_language,
        questionnaire_ids=list(QIDS),
        created_by=admin,
    )
    # The team's internal vacancy: its links carry the employee consent, on no hiring page.
    vacancy.kind = "team"
    session.add(vacancy)
    matrix = current(session).matrix
    codes = type_codes()
    used: set[str] = set()
    team: list[tuple[Employee, str, float]] = []
    farmers = [code for code, count in FARMER_TYPES for _ in range(count)]
    rng.shuffle(farmers)
    for role, count in ROLES:
        # Outside the client managers, a team hired for fit: types drawn by the matrix's fit.
        weights = [matrix.fit(c, role) for c in codes]
        chosen = farmers if role == "farmer" else rng.choices(codes, weights=weights, k=count)
        for code in chosen:
            name = _name(rng, used)
            when = now - timedelta(days=rng.randint(20, 40))
            new = invite_candidate(
                session, settings=settings, vacancy=vacancy, name=name, created_by=admin, now=when
            )
            inv = new.invitation
            record_consent(session, invitation=inv, now=when, version=EMPLOYEE_CONSENT_VERSION)
            poles = get_type(code).poles
            for qid in inv.questionnaire_ids:
                q = catalog[qid]
                lean = {d.scale: poles[d.id] == d.high.code for d in q.dichotomies}
                answers = leaning_answers(q, lean, rng=rng, consistency=0.8)
                save_answers(
                    session, invitation=inv, questionnaire_id=qid, answers=answers, now=when
                )
            finish(session, invitation=inv, catalog=catalog, now=when + timedelta(minutes=22))
            employee = Employee(
                candidate_id=inv.candidate_id,
                role=role,
                team=rng.choice(TEAMS),
                started_on=today - timedelta(days=rng.randint(120, 2000)),
                invitation_id=inv.id,
            )
            session.add(employee)
            # How well this person sells: the matrix's fit for the role, plus much else.
            skill = (
                0.8 * (matrix.fit(code, role) - 50) / 30
                + DEPARTURE.get((code, role), 0.0)
                + rng.gauss(0, SKILL_NOISE)
            )
            team.append((employee, name, skill))
    session.flush()
    data = _bitrix_export(rng, team, today)
    return import_deals(session, data=data, mapping=BITRIX24).created


def _bitrix_export(
    rng: random.Random, team: list[tuple[Employee, str, float]], today: date
) -> bytes:
    """A year of deals as Bitrix24's deal export writes them (Russian titles, ``;``, cp1251)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            "ID",
            "Название сделки",
            "Стадия сделки",
            "Сумма",
            "Валюта",
            "Ответственный",
            "Компания",
            "Дата создания",
            "Дата закрытия",
            "Товары",
        ]
    )
    # The four calendar quarters before the current one, whole months from their first day:
    # the periods the figures are counted in then hold the same deals whatever today's date.
    this_quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    start = this_quarter.replace(year=this_quarter.year - 1)
    end = this_quarter - timedelta(days=1)
    deal_id = 1000

    def row(who: str, stage: str, amount: int, company: str, created: date, closed: date | None):
        nonlocal deal_id
        deal_id += 1
        products = ", ".join(rng.sample(PRODUCTS, rng.randint(1, 3))) if amount else ""
        writer.writerow(
            [
                deal_id,
                f"Сделка {deal_id}",
                stage,
                f"{amount:,}".replace(",", " "),
                "RUB",
                who,
                company,
                created.strftime("%d.%m.%Y"),
                closed.strftime("%d.%m.%Y") if closed else "",
                products,
            ]
        )

    def day(month: int) -> date:
        year, index = divmod(start.month - 1 + month, 12)
        return date(start.year + year, index + 1, 1 + rng.randint(0, 27))

    company_no = 0
    for employee, who, skill in team:
        p = 1 / (1 + math.exp(-skill))  # 0..1, how often things go this person's way
        if employee.role == "farmer":
            # A client manager's book: clients reorder month after month until they leave,
            # and a better manager loses fewer of them (retention is the role's headline).
            book = [f"ООО «Клиент {employee.id}-{i}»" for i in range(rng.randint(12, 18))]
            lost = 0
            for month in range(12):
                for i, client in enumerate(book):
                    if rng.random() < 0.3 * (1 - p):
                        lost += 1
                        book[i] = client = f"ООО «Клиент {employee.id}-н{lost}»"
                    if rng.random() < 0.6:
                        d = day(month)
                        row(who, "Сделка успешна", rng.randint(20, 300) * 1000, client, d, d)
        elif employee.role == "sales_operations":
            book = [f"ООО «Клиент {employee.id}-{i}»" for i in range(rng.randint(8, 14))]
            for month in range(12):
                for client in book:
                    if rng.random() < 0.15 + 0.35 * p:
                        d = day(month)
                        row(who, "Сделка успешна", rng.randint(20, 300) * 1000, client, d, d)
        else:
            for month in range(12):
                for _ in range(rng.randint(2, 6)):
                    company_no += 1
                    company = f"АО «Новый клиент {company_no}»"
                    created = day(month)
                    closed = min(created + timedelta(days=rng.randint(5, 40)), end)
                    if employee.role == "scout":
                        stage = "Квалификация пройдена" if rng.random() < 0.2 + 0.5 * p else "Новая"
                        row(who, stage, 0, company, created, None)
                    elif rng.random() < 0.1 + 0.4 * p:
                        row(
                            who,
                            "Сделка успешна",
                            rng.randint(50, 600) * 1000,
                            company,
                            created,
                            closed,
                        )
                    else:
                        row(who, "Сделка провалена", 0, company, created, closed)
    return out.getvalue().encode("cp1251")
