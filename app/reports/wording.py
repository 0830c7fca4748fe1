"""The words of the recommendation's explanation: ``socionics.recommend`` gives the reasons as
numbers, and this module says them in the reader's language through the catalogs.

The report page and the PDF show these sentences; the other surfaces (table, comparison,
exports, API, webhooks) show the verdict only (``app/web/labels.py``).
"""

from __future__ import annotations

from babel.support import NullTranslations

from app.i18n import translations
from questionnaires.shown import shown_percent
from socionics.matrix import ROLE_NAMES
from socionics.model import base_dichotomy
from socionics.recommend import (
    PLACEMENT_NAMES,
    BestFit,
    Borderline,
    Closeness,
    DichotomyPush,
    ExtraversionDisagrees,
    NoGoodFit,
    NotForSales,
    PlacementOfRoles,
    Reason,
    Recommendation,
    TargetFit,
    UniversalTarget,
    UniversalWarning,
)


def explanation(rec: Recommendation, language: str) -> list[str]:
    """The report's sentences, one per reason."""
    return [reason_text(r, language) for r in rec.reasons()]


def universal_warning(rec: Recommendation, language: str) -> str | None:
    warning = rec.universal_warning
    return None if warning is None else reason_text(warning, language)


def points(t: NullTranslations, n: int) -> str:
    n = abs(n)
    return t.ngettext("%(num)s point", "%(num)s points", n) % {"num": n}


def _role(language: str, role: str) -> str:
    return ROLE_NAMES[role].get(language)


def _placement(language: str, placement: str) -> str:
    return PLACEMENT_NAMES[placement].get(language)


def _pole(language: str, dichotomy: str, pole: str) -> str:
    d = base_dichotomy(dichotomy)
    return (d.high if pole == d.high.code else d.low).name.get(language)


def reason_text(reason: Reason, language: str) -> str:
    """One reason as a sentence in ``language``."""
    t = translations(language)
    _ = t.gettext
    match reason:
        case BestFit():
            sentence = _(
                "Best fit: %(role)s, expected fit %(fit)s of 100, %(gap)s ahead of %(runner_up)s."
            ) % {
                "role": _role(language, reason.role),
                "fit": reason.fit,
                "gap": points(t, reason.gap),
                "runner_up": _role(language, reason.runner_up),
            }
            less_than = points(t, reason.too_close_points)
            if reason.closeness == Closeness.SAME_PLACEMENT:
                sentence += " " + _(
                    "That is less than %(points)s, but both roles belong to the same placement, "
                    "%(placement)s."
                ) % {"points": less_than, "placement": _placement(language, reason.placement)}
            elif reason.closeness == Closeness.TOO_CLOSE:
                sentence += " " + _("That is less than %(points)s: too close to call.") % {
                    "points": less_than
                }
            return sentence
        case PlacementOfRoles():
            roles = ", ".join(
                str(t.pgettext("a role named in a list", "%(role)s")) % {"role": _role(language, r)}
                for r in reason.roles
            )
            return _(
                "The recommended placement is %(placement)s because its roles (%(roles)s) are "
                "one department, and %(role)s is the best of them."
            ) % {
                "placement": _placement(language, reason.placement),
                "roles": roles,
                "role": _role(language, reason.best_role),
            }
        case NoGoodFit():
            return _(
                "No role fits well: even the best is below %(below)s of 100. Probability of a "
                "type the matrix marks as not for sales: %(probability)s."
            ) % {"below": reason.below, "probability": shown_percent(reason.p_not_for_sales)}
        case NotForSales():
            return _(
                "No sales role is suitable: with probability %(probability)s the type is one the "
                "matrix marks as not for sales."
            ) % {"probability": shown_percent(reason.p_not_for_sales)}
        case DichotomyPush():
            values: dict[str, str | int] = {
                "pole": _pole(language, reason.dichotomy, reason.pole),
                "probability": shown_percent(reason.probability),
                "up": _role(language, reason.raised_role),
                "raised": points(t, reason.raised),
                "down": _role(language, reason.lowered_role),
                "lowered": points(t, reason.lowered),
            }
            if reason.raised and reason.lowered:
                return (
                    _(
                        "%(pole)s (%(probability)s sure) raised the expected fit for %(up)s by "
                        "%(raised)s and lowered it for %(down)s by %(lowered)s."
                    )
                    % values
                )
            if reason.raised:
                return (
                    _(
                        "%(pole)s (%(probability)s sure) raised the expected fit for %(up)s by "
                        "%(raised)s."
                    )
                    % values
                )
            return (
                _(
                    "%(pole)s (%(probability)s sure) lowered the expected fit for %(down)s by "
                    "%(lowered)s."
                )
                % values
            )
        case Borderline():
            values = {
                "dichotomy": base_dichotomy(reason.dichotomy).name.get(language),
                "probability": shown_percent(reason.probability),
                "pole": _pole(language, reason.dichotomy, reason.pole).lower(),
                "other": _pole(language, reason.dichotomy, reason.other_pole).lower(),
                "role": _role(language, reason.best_if_flipped),
            }
            if reason.still_best:
                return (
                    _(
                        "%(dichotomy)s is borderline (%(probability)s %(pole)s); with %(other)s "
                        "the best fit would still be %(role)s."
                    )
                    % values
                )
            return (
                _(
                    "%(dichotomy)s is borderline (%(probability)s %(pole)s); with %(other)s "
                    "the best fit would be %(role)s instead."
                )
                % values
            )
        case UniversalTarget():
            return _(
                "The vacancy combines hunting and farming: expected fit %(hunter_fit)s for "
                "%(hunter)s and %(farmer_fit)s for %(farmer)s."
            ) % {
                "hunter_fit": reason.hunter_fit,
                "hunter": _role(language, "hunter"),
                "farmer_fit": reason.farmer_fit,
                "farmer": _role(language, "farmer"),
            }
        case TargetFit():
            values = {
                "role": _role(language, reason.role),
                "fit": reason.fit,
                "rank": reason.rank,
                "of": reason.of,
            }
            if reason.placement is None:
                return (
                    _(
                        "The vacancy's role, %(role)s: expected fit %(fit)s of 100, "
                        "rank %(rank)s of %(of)s."
                    )
                    % values
                )
            return _(
                "The vacancy is for %(placement)s; of its roles %(role)s fits best: expected fit "
                "%(fit)s of 100, rank %(rank)s of %(of)s."
            ) % (values | {"placement": _placement(language, reason.placement)})
        case ExtraversionDisagrees():
            extravert = str(
                t.pgettext("what a questionnaire shows the candidate to be", "extravert")
            )
            introvert = str(
                t.pgettext("what a questionnaire shows the candidate to be", "introvert")
            )
            return _(
                "The two questionnaires disagree on extraversion: the socionics one says "
                "%(socionics)s (%(p_socionics)s), the introversion/extraversion one says "
                "%(questionnaire)s (%(p_questionnaire)s). Check this in the interview before "
                "relying on the recommendation."
            ) % {
                "socionics": extravert if reason.socionics_extravert else introvert,
                "p_socionics": shown_percent(reason.p_socionics),
                "questionnaire": extravert if reason.questionnaire_extravert else introvert,
                "p_questionnaire": shown_percent(reason.p_questionnaire),
            }
        case UniversalWarning():
            return _(
                "The book warns that a universal manager who both wins and keeps clients is a "
                "mistake: either new sales or repeat sales suffer. The one exception is the "
                "Enthusiast (ESE); this candidate is an Enthusiast with probability "
                "%(probability)s."
            ) % {"probability": shown_percent(reason.p_ese)}
    raise TypeError(f"no words for {reason!r}")
