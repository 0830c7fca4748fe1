"""A fictional sales team for ``rolefit demo``: 40 employees who took the assessment, and a
year of their deals written as a Bitrix24 deal export and imported through the real import.

Everything goes through the product's own services: invitations, consent, saved answers and
finishing for the assessments; ``parse_deals`` and ``import_deals`` for the deals. Results
lean on the default matrix (a type's fit for the role nudges how well they sell) plus team,
tenure and a lot of noise, so the evidence page has something to weigh, as a real team would.
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
ROLES = (
    ("farmer", 12),
    ("hunter", 10),
    ("closer", 6),
    ("scout", 6),
    ("sales_operations", 6),
)
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
    for role, count in ROLES:
        for _ in range(count):
            code = rng.choice(codes)
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
            skill = 0.8 * (matrix.fit(code, role) - 50) / 30 + rng.gauss(0, 1)
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
    start = today - timedelta(days=365)
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
        return start + timedelta(days=30 * month + rng.randint(0, 27))

    company_no = 0
    for employee, who, skill in team:
        p = 1 / (1 + math.exp(-skill))  # 0..1, how often things go this person's way
        if employee.role in ("farmer", "sales_operations"):
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
                    closed = min(created + timedelta(days=rng.randint(5, 40)), today)
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
