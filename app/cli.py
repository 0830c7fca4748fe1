"""``rolefit`` (also ``python -m app``): the admin commands. They use the server's settings."""

from __future__ import annotations

import argparse
import gc
import gettext
import logging
import os
import secrets
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from app.config import LANGUAGES, Settings, SettingsError, load_settings
from app.db import make_engine
from app.migrations import UnknownRevision
from app.models import Role, User, Vacancy
from questionnaires.loader import QuestionnaireError

if TYPE_CHECKING:
    from app.audit.service import Audit

DEMO_EMAIL = "admin@example.com"
DEMO_PASSWORD_FILE = "demo_admin_password"  # noqa: S105  (a file name, not a password)
# The demo vacancy's title in the install's language (DEFAULT_LANGUAGE), like every other text.
DEMO_VACANCY = {"ru": "Демо: клиентский менеджер (B2B)", "en": "Demo: client manager (B2B)"}
DEMO_LINK_FILE = "demo_candidate_link"
# Who did it, in the audit log, for changes made with these commands (no user is logged in).
CLI_ACTOR = "command line"


def cli_audit(session: Session) -> Audit:
    """The audit log as a command writes it: no person, "command line" as who did it."""
    from app.audit.service import Audit as AuditLog

    return AuditLog(session, None, actor_label=CLI_ACTOR)


class CommandError(Exception):
    """A command that cannot do what was asked; printed without a traceback."""


def _count(n: int, noun: str) -> str:
    """ "1 candidate", "2 candidates": the command line speaks English only, and counts its
    nouns through ngettext, as the interface does, never with a "(s)"."""
    return f"{n} {gettext.ngettext(noun, noun + 's', n)}"


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.db_url)
    try:
        _require_migrated(settings, engine)
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()  # a command must leave no connection open behind it


def _require_migrated(settings: Settings, engine: Engine) -> None:
    """A command on a database that is missing or behind the code says what to do instead of
    failing inside a query. It never migrates by itself: an upgrade is the operator's call
    (a backup first, in production), and `rolefit migrate` is one command away."""
    from alembic.script import ScriptDirectory

    from app.migrations import alembic_config, check_known_revision

    try:
        with engine.connect() as conn:
            current = check_known_revision(conn, alembic_config(settings.db_url))
    except OperationalError as exc:
        raise CommandError(f"cannot open the database: {exc.orig}") from None
    heads = set(ScriptDirectory.from_config(alembic_config(settings.db_url)).get_heads())
    if not current:
        raise CommandError("the database is empty (not migrated yet): run `rolefit migrate` first")
    if current != heads:
        raise CommandError(
            "the database is not at the version this code needs: run `rolefit migrate` first"
        )


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> None:
    from app.migrations import upgrade

    upgrade(settings.db_url)
    print("rolefit: database is up to date")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from app.main import create_app, load_questionnaires
    from app.migrations import upgrade
    from app.scoring import service as scoring
    from app.security.logs import RedactLinkTokens
    from app.web import warm_up

    questionnaires = load_questionnaires()  # a malformed file stops here, before migrating
    upgrade(settings.db_url)
    app = create_app(settings, questionnaires=questionnaires)
    warm_up()
    scoring.warm_up(questionnaires)
    # What start-up built (modules, tables, compiled templates, questionnaires) lives as long
    # as the process: frozen out of the collector's sight, a full collection no longer walks
    # it, which paused every request for about 0.14 s under load (bench/load). Here, not in
    # create_app: a test suite creates many apps, and frozen ones are never collected.
    gc.freeze()
    print(f"rolefit: serving on http://{args.host}:{args.port} (links use {settings.base_url})")
    # X-Forwarded-For/-Proto are believed only from TRUSTED_PROXIES: otherwise any client could
    # claim any address and step around the per-address rate limits.
    trusted = settings.trusted_proxies.strip()
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        log_level="info",
    )
    logging.getLogger("uvicorn.access").addFilter(RedactLinkTokens())  # after Config's setup
    uvicorn.Server(config).run()


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> None:
    from app.auth.service import UserExists, create_user

    with _session(settings) as session:
        try:
            user = create_user(
                session,
                email=args.email,
                password=args.password,
                role=Role(args.role),
                full_name=args.name or "",
            )
        except UserExists:
            raise CommandError(f"a user with email {args.email} already exists") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        session.commit()
        print(f"rolefit: created {user.role} {user.email} (id {user.id})")


def cmd_unlock(settings: Settings, args: argparse.Namespace) -> None:
    """Forgets an account's failed logins from every address (``app.security.throttle``)."""
    from app.security.ratelimit import make_limiter, storage_kind
    from app.security.throttle import unlock

    engine = make_engine(settings.db_url)
    try:
        _require_migrated(settings, engine)
        # The login counters are in the database or Redis whatever the storage (memory keeps
        # only per-minute windows), so this process reaches the server's.
        kind = storage_kind(
            settings.rate_limit_storage, db_url=settings.db_url, redis_url=settings.redis_url
        )
        limiter = make_limiter(
            engine=engine,
            storage=kind,
            redis_url=settings.redis_url,
            prefix=settings.rate_limit_prefix,
        )
        unlock(limiter, email=args.email)
    finally:
        engine.dispose()
    print(f"rolefit: failed logins of account {args.email.strip().lower()} cleared")


def cmd_invite(settings: Settings, args: argparse.Namespace) -> None:
    """The staff pages' lifecycle: with --email the invitation email is queued as well."""
    from app.db import utcnow
    from app.invitations.duplicates import AlreadyInvited
    from app.invitations.invite import Person
    from app.invitations.service import VacancyClosed, create_invitation
    from app.web.forms import FormErrors

    with _session(settings) as session:
        vacancy = session.get(Vacancy, args.vacancy)
        # The team's internal vacancy is as absent here as on every hiring page (issue 18).
        if vacancy is None or vacancy.kind != "hiring":
            raise CommandError(f"no vacancy with id {args.vacancy}")
        try:
            invitation, link = create_invitation(
                session,
                settings=settings,
                vacancy=vacancy,
                invitee=Person(args.name, args.email, args.language, args.phone),
                created_by=None,
            )
        except VacancyClosed:
            raise CommandError(
                f"vacancy {vacancy.id} is closed and takes no new invitations; reopen it on "
                "its page (or POST /api/v1/vacancies/{id}/reopen) first"
            ) from None
        except FormErrors as exc:
            raise CommandError("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
        except AlreadyInvited as exc:
            status = exc.invitation.status(utcnow()).value
            raise CommandError(
                f"{exc.candidate.name} is already invited to vacancy {vacancy.id} "
                f"(invitation {exc.invitation.id}, {status}); nothing was created"
            ) from None
        cli_audit(session)("invitation.create", invitation, vacancy_id=vacancy.id)
        session.commit()
        if args.email:
            print("rolefit: the invitation email is queued", file=sys.stderr)
        print(link)


def cmd_organisation(settings: Settings, args: argparse.Namespace) -> None:
    """Set the organisation (the employer and operator of candidates' data), or print it."""
    from pathlib import Path

    from app.organisation.service import LOGO_MAX_BYTES, organisation, save_organisation
    from app.web.forms import FormErrors

    with _session(settings) as session:
        org = organisation(session)
        given = (args.name, args.legal_entity, args.address, args.contact_email)
        if all(v is None for v in (*given, args.logo, args.sender_name, args.reply_to)):
            if org is None:
                raise CommandError(
                    "no organisation is set: candidate links do not open until one is "
                    "(rolefit organisation --name ... --legal-entity ... --address ... "
                    "--contact-email ...)"
                )
            print(f"name:          {org.name}")
            print(f"legal entity:  {org.legal_entity}")
            print(f"address:       {org.address}")
            print(f"contact email: {org.contact_email}")
            print(f"sender name:   {org.sender_name or '(the name)'}")
            print(f"reply-to:      {org.reply_to or '(the inviter or the contact email)'}")
            print(f"logo:          {org.logo_type or 'none'}")
            return
        if org is None and any(v is None for v in given):
            raise CommandError(
                "the first time, give --name, --legal-entity, --address and --contact-email"
            )
        logo = None
        if args.logo:
            path = Path(args.logo)
            if not path.is_file():
                raise CommandError(f"no logo file {args.logo}")
            logo = path.read_bytes()[: LOGO_MAX_BYTES + 1]

        def pick(value: str | None, field: str) -> str:
            return value if value is not None else (getattr(org, field) if org else "")

        try:
            saved, changed = save_organisation(
                session,
                name=pick(args.name, "name"),
                legal_entity=pick(args.legal_entity, "legal_entity"),
                address=pick(args.address, "address"),
                contact_email=pick(args.contact_email, "contact_email"),
                sender_name=pick(args.sender_name, "sender_name"),
                reply_to=pick(args.reply_to, "reply_to"),
                logo=logo,
                actor=None,
            )
        except FormErrors as exc:
            raise CommandError(
                "; ".join(f"{k.replace('_', '-')}: {v}" for k, v in exc.errors.items())
            ) from None
        if changed:
            cli_audit(session)("organisation.update", saved, details={"fields": changed})
        session.commit()
        print(f"rolefit: organisation {saved.name} saved ({', '.join(changed) or 'no changes'})")


DEMO_ORGANISATION = {
    "name": "Северный ветер",
    "legal_entity": "ООО «Северный ветер»",
    "address": "190000, Санкт-Петербург, Примерная улица, дом 1 (вымышленный адрес)",
    "contact_email": "privacy@severny-veter.example",
}


def cmd_demo(settings: Settings, _args: argparse.Namespace) -> None:
    """Demo data, once: an admin whose password is kept in the data dir, one vacancy with five
    fictional candidates who have answered (app/demo.py) and one link not yet used."""
    from app.auth.service import create_user
    from app.demo import add_demo_candidates
    from app.main import load_questionnaires
    from app.migrations import upgrade
    from app.outcomes.demo import TEAM_VACANCY, add_demo_team
    from app.staff.service import create_vacancy

    if settings.production:
        raise CommandError("refusing to load demo data with ENV=production")
    upgrade(settings.db_url)
    password_file = settings.data_dir / DEMO_PASSWORD_FILE
    from app.organisation.service import organisation, save_organisation

    with _session(settings) as session:
        if organisation(session) is None:
            # A fictional employer, so the candidate's side reads as it would for a real one.
            save_organisation(
                session,
                name=DEMO_ORGANISATION["name"],
                legal_entity=DEMO_ORGANISATION["legal_entity"],
                address=DEMO_ORGANISATION["address"],
                contact_email=DEMO_ORGANISATION["contact_email"],
                actor=None,
            )
        admin = session.exec(select(User).where(User.email == DEMO_EMAIL)).first()
        if admin is None:
            password = secrets.token_urlsafe(12)
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(password + "\n")
            admin = create_user(
                session,
                email=DEMO_EMAIL,
                password=password,
                role=Role.admin,
                full_name="Demo Admin",
            )
        # Either title: an install whose language changed keeps the demo it already has.
        demo_titles = col(Vacancy.title).in_(DEMO_VACANCY.values())
        if session.exec(select(Vacancy).where(demo_titles)).first() is None:
            vacancy = create_vacancy(
                session,
                title=DEMO_VACANCY[settings.default_language],
                placement="farmer",
                language=settings.default_language,
                questionnaire_ids=["introversion_extraversion", "socionics_16"],
                created_by=admin,
            )
            link = add_demo_candidates(
                session,
                settings=settings,
                vacancy=vacancy,
                admin=admin,
                catalog=load_questionnaires(),
            )
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            (settings.data_dir / DEMO_LINK_FILE).write_text(link + "\n", encoding="utf-8")
        if session.exec(select(Vacancy).where(Vacancy.title == TEAM_VACANCY)).first() is None:
            add_demo_team(session, settings=settings, admin=admin, catalog=load_questionnaires())
        session.commit()
    password = (
        password_file.read_text(encoding="utf-8").strip()
        if password_file.exists()
        else "(unknown: the password file was removed)"
    )
    print("rolefit demo data is loaded.")
    print(f"  open:     {settings.base_url}/login")
    print(f"  email:    {DEMO_EMAIL}")
    print(f"  password: {password}")
    link_file = settings.data_dir / DEMO_LINK_FILE
    if link_file.exists():
        link = link_file.read_text(encoding="utf-8").strip()
        print(f"  a candidate's link, to try their side: {link}")


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None


def cmd_deals(settings: Settings, args: argparse.Namespace) -> None:
    """Import a CRM's deal export, whole or not at all, and list the names not yet matched."""
    from app.outcomes.crm import DealFileError
    from app.outcomes.service import import_deals, mapping_named

    data = _read(args.file)
    with _session(settings) as session:
        mapping = mapping_named(session, args.mapping)
        if mapping is None:
            raise CommandError(
                f"no mapping named {args.mapping!r} (bitrix24, amocrm or a saved one)"
            )
        try:
            summary = import_deals(session, data=data, mapping=mapping)
        except DealFileError as exc:
            raise CommandError(f"{args.file}: nothing imported. {exc}") from None
        cli_audit(session)(
            "deals.import", object_type="deals", details=summary.audit_details(mapping.name)
        )
        session.commit()
    print(
        f"rolefit: {summary.created} new, {summary.updated} updated, "
        f"{summary.unchanged} unchanged deals ({mapping.name})"
    )
    for name, count in summary.unmatched.items():
        print(f"  not matched to an employee: {name} ({_count(count, 'deal')})")


def cmd_employees(settings: Settings, args: argparse.Namespace) -> None:
    """The team from a CSV file: what it would change, and with --apply, the change."""
    from app.outcomes.service import import_team, plan_team_import

    data = _read(args.file)
    with _session(settings) as session:
        plan = (import_team if args.apply else plan_team_import)(session, data=data)
        if plan.error is not None:
            raise CommandError(f"{args.file}: nothing imported. {plan.error.text('en')}")
        for r in plan.rejected:
            print(f"  row {r.line}: {r.text('en')}")
        counts = (
            f"{len(plan.new)} new, {len(plan.updated)} updated, {plan.unchanged} unchanged, "
            f"{len(plan.rejected)} broken rows (skipped)"
        )
        if not args.apply:
            print(f"rolefit: {counts}; nothing changed: run with --apply to import")
            return
        cli_audit(session)("employee.import", object_type="team", details=plan.audit_details())
        session.commit()
    print(f"rolefit: {counts}")


def cmd_api_key(settings: Settings, args: argparse.Namespace) -> None:
    """API keys for /api/v1: create (the key is printed once), list, revoke."""
    from app.api.keys import create_api_key, list_api_keys, revoke_api_key
    from app.web.forms import FormErrors

    with _session(settings) as session:
        if args.api_key_command == "create":
            try:
                new = create_api_key(session, name=args.name, scope=args.scope)
            except FormErrors as exc:
                raise CommandError("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
            cli_audit(session)(
                "api_key.create",
                new.key,
                details={"prefix": new.key.prefix, "scope": new.key.scope},
            )
            session.commit()
            print(f"rolefit: API key {new.key.id} ({new.key.scope}); shown only now:")
            print(new.secret)
        elif args.api_key_command == "list":
            for key in list_api_keys(session):
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                print(f"{key.id}\t{key.prefix}...\t{key.scope}\t{state}\t{key.name}")
        else:
            revoked = revoke_api_key(session, key_id=args.id)
            if revoked is None:
                raise CommandError(f"no API key with id {args.id}")
            cli_audit(session)("api_key.revoke", revoked, details={"prefix": revoked.prefix})
            session.commit()
            print(f"rolefit: API key {args.id} revoked")


def cmd_export_candidate(settings: Settings, args: argparse.Namespace) -> None:
    import json

    from app.privacy.service import NoSuchCandidate, export_candidate

    with _session(settings) as session:
        try:
            data = export_candidate(session, candidate_id=args.candidate, actor=None)
        except NoSuchCandidate:
            raise CommandError(f"no candidate with id {args.candidate}") from None
        session.commit()  # the audit event
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if args.output:
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        print(f"rolefit: candidate {args.candidate} exported to {args.output}")
    else:
        print(text)


def cmd_erase_candidate(settings: Settings, args: argparse.Namespace) -> None:
    from app.privacy.service import NoSuchCandidate, erase_candidate

    if not args.yes:
        raise CommandError("erasure cannot be undone: add --yes to erase")
    with _session(settings) as session:
        try:
            erasure = erase_candidate(session, candidate_id=args.candidate, actor=None)
        except NoSuchCandidate:
            raise CommandError(f"no candidate with id {args.candidate}") from None
        session.commit()
        print(f"rolefit: candidate {args.candidate} erased: {erasure.removed}")


def cmd_retention(settings: Settings, args: argparse.Namespace) -> None:
    from app.db import utcnow
    from app.privacy.service import apply_retention, due_for_retention, leavers_due

    days = settings.retention_days_after_close
    leaver_days = settings.retention_days_after_leaving
    with _session(settings) as session:
        if not args.apply:
            due = due_for_retention(session, days=days, now=utcnow())
            print(f"rolefit: {_count(len(due), 'candidate')} due ({days} days after close): {due}")
            left = leavers_due(session, days=leaver_days, now=utcnow())
            after = f"{leaver_days} days after leaving"
            print(f"rolefit: {_count(len(left), 'employee')} due ({after}): {left}")
            print("rolefit: nothing changed; run with --apply to erase them")
            return
        erased = apply_retention(session, days=days, now=utcnow(), leaver_days=leaver_days)
        session.commit()
        print(f"rolefit: erased {_count(len(erased), 'candidate')}: {erased}")


def cmd_db_revision(settings: Settings, args: argparse.Namespace) -> None:
    from app.migrations import revision, upgrade

    # Autogenerate compares models with a database at head, so bring it there first.
    upgrade(settings.db_url)
    revision(settings.db_url, args.message)


def cmd_matrix(settings: Settings, args: argparse.Namespace) -> None:
    """The matrix in force (the newest stored version; the file is stored first if new)."""
    import json

    from app.matrix.service import current
    from socionics.matrix import matrix_as_json

    with _session(settings) as session:
        in_force = current(session)
        session.commit()
        if args.json:
            print(json.dumps(matrix_as_json(in_force.matrix), ensure_ascii=False, indent=2))
            return
        v = in_force.version
        when = f"{v.created_at:%Y-%m-%d %H:%M} UTC"
        print(f"matrix version {v.id} (label {v.label}), by {v.author}, {when}")
        roles = in_force.matrix.roles
        print(f"{'type':<5} {'group':<18} " + " ".join(f"{r[:10]:>10}" for r in roles))
        for code, tf in in_force.matrix.types.items():
            print(f"{code:<5} {tf.group:<18} " + " ".join(f"{tf.fit[r]:>10}" for r in roles))
        for w in in_force.matrix.warnings():
            print(f"warning: {w}")


def cmd_rescore(settings: Settings, _args: argparse.Namespace) -> None:
    from app.matrix.service import current
    from app.scoring.service import rescore_all

    with _session(settings) as session:
        count = rescore_all(session)
        in_force = current(session).version
        cli_audit(session)(
            "matrix.rescore", in_force, details={"label": in_force.label, "rescored": count}
        )
        session.commit()
    print(f"rolefit: re-scored {_count(count, 'result')} with the matrix in force")


def cmd_stats(settings: Settings, _args: argparse.Namespace) -> None:
    from app.main import load_questionnaires
    from app.stats.service import questionnaire_statistics
    from questionnaires.psychometrics import format_statistics

    with _session(settings) as session:
        stats = questionnaire_statistics(session, catalog=load_questionnaires())
    if not stats:
        print("rolefit: no stored results yet")
        return
    for qs in stats:
        print(f"{qs.questionnaire.id} {', '.join(qs.versions)}: {qs.results} results")
    print(format_statistics([s for qs in stats for s in qs.scales]))


def cmd_validate(_settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from questionnaires.validation import main as validate

    return validate(
        Path(args.data) if args.data else None,
        predictions=Path(args.predictions) if args.predictions else None,
        fit=args.fit,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rolefit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="apply migrations and serve the web app")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="load demo data once (development only) and print the login")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("create-user", help="create a staff user")
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--name", default="")
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("unlock", help="clear an account's failed logins from every address")
    p.add_argument("--email", required=True)
    p.set_defaults(func=cmd_unlock)

    p = sub.add_parser("invite", help="invite a candidate and print the personal link")
    p.add_argument("--vacancy", required=True, type=int, help="vacancy id")
    p.add_argument("--name", required=True)
    p.add_argument("--email", default=None)
    p.add_argument("--phone", default=None, help="tells people without an email apart")
    p.add_argument("--language", choices=LANGUAGES, default=None)
    p.set_defaults(func=cmd_invite)

    p = sub.add_parser(
        "organisation", help="set the employer (the operator of candidates' data), or print it"
    )
    p.add_argument("--name", default=None, help="the display name candidates see")
    p.add_argument("--legal-entity", default=None, help='e.g. "Northwind LLC"')
    p.add_argument("--address", default=None, help="the legal entity's address")
    p.add_argument("--contact-email", default=None, help="where candidates send data requests")
    p.add_argument("--logo", default=None, help="a PNG or JPEG file, up to 200 KB")
    p.add_argument("--sender-name", default=None, help="the name emails come from")
    p.add_argument("--reply-to", default=None, help="the address replies go to")
    p.set_defaults(func=cmd_organisation)

    p = sub.add_parser("matrix", help="print the role-fit matrix in force")
    p.add_argument("--json", action="store_true", help='{"<type>": {"group", "fit": {...}}}')
    p.set_defaults(func=cmd_matrix)

    p = sub.add_parser("rescore", help="re-score every result with the matrix in force")
    p.set_defaults(func=cmd_rescore)

    p = sub.add_parser("stats", help="reliability, item-total correlations and norms")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("validate", help="prove the scoring engine on public data")
    p.add_argument("--data", default=None, help="default: ../shared/validation")
    p.add_argument(
        "--predictions",
        default=None,
        metavar="FILE.csv",
        help="also write the out-of-fold OEJTS probabilities, one row per respondent",
    )
    p.add_argument(
        "--fit",
        action="store_true",
        help="print the self-knowledge spreads for questionnaires/data/self_knowledge.yaml",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("api-key", help="API keys for /api/v1: create, list, revoke")
    key_sub = p.add_subparsers(dest="api_key_command", required=True, metavar="API_KEY_COMMAND")
    k = key_sub.add_parser("create", help="create a key and print it (shown only once)")
    k.add_argument("--name", required=True, help="who uses it, e.g. 'ATS integration'")
    k.add_argument("--scope", choices=["read", "read_write"], default="read")
    k.set_defaults(func=cmd_api_key)
    k = key_sub.add_parser("list", help="list keys (their first characters, never the key)")
    k.set_defaults(func=cmd_api_key)
    k = key_sub.add_parser("revoke", help="revoke a key by id")
    k.add_argument("id", type=int)
    k.set_defaults(func=cmd_api_key)

    p = sub.add_parser("export-candidate", help="one candidate's stored data as JSON")
    p.add_argument("candidate", type=int, help="candidate id")
    p.add_argument("--output", "-o", default=None, help="file to write (default: stdout)")
    p.set_defaults(func=cmd_export_candidate)

    p = sub.add_parser("erase-candidate", help="erase one candidate's personal data on request")
    p.add_argument("candidate", type=int, help="candidate id")
    p.add_argument("--yes", action="store_true", help="confirm: erasure cannot be undone")
    p.set_defaults(func=cmd_erase_candidate)

    p = sub.add_parser(
        "retention", help="erase candidates whose vacancy closed RETENTION_DAYS_AFTER_CLOSE ago"
    )
    p.add_argument("--apply", action="store_true", help="erase (default: only list who is due)")
    p.set_defaults(func=cmd_retention)

    p = sub.add_parser("deals", help="sales results from a CRM export (CSV or XLSX)")
    deals_sub = p.add_subparsers(dest="deals_command", required=True, metavar="DEALS_COMMAND")
    d = deals_sub.add_parser(
        "import", help="import a deal export; the same file twice adds nothing"
    )
    d.add_argument("file")
    d.add_argument("--mapping", required=True, help="bitrix24, amocrm, or a saved mapping's name")
    d.set_defaults(func=cmd_deals)

    p = sub.add_parser("employees", help="the sales team from a CSV file")
    emp_sub = p.add_subparsers(dest="employees_command", required=True, metavar="COMMAND")
    e = emp_sub.add_parser(
        "import", help="preview a team file (matched by email); --apply writes it"
    )
    e.add_argument("file")
    e.add_argument("--apply", action="store_true", help="write (default: only show the changes)")
    e.set_defaults(func=cmd_employees)

    p = sub.add_parser("db", help="database maintenance")
    db_sub = p.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    r = db_sub.add_parser("revision", help="autogenerate a migration from app/models.py")
    r.add_argument("-m", "--message", required=True, help="short slug, e.g. 'add reports'")
    r.set_defaults(func=cmd_db_revision)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        code = args.func(settings, args)
    except (SettingsError, QuestionnaireError, CommandError, UnknownRevision) as exc:
        print(f"rolefit: {exc}", file=sys.stderr)
        return 2
    return code if isinstance(code, int) else 0
