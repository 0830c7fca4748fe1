"""Answer-quality flags as sentences a reader acts on: what was doubtful, where, by how much.

The engine's flags (``questionnaires.quality``) carry a code, the scales concerned and their
numbers; this turns them into one line per code in the report's language. A code found in two
questionnaires is still one line (its worse severity), with each questionnaire's finding.
Results stored before the flags carried numbers get the short label alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.i18n import N_, translations
from questionnaires.result import QualityFlag
from questionnaires.result import Result as EngineResult
from questionnaires.schema import Questionnaire

LABELS = {
    "too_fast": N_("Answered very fast"),
    "straight_lining": N_("The same answer many times in a row"),
    "attention_failed": N_("Attention check failed"),
    "random_like": N_("Answers that follow no consistent direction"),
    "inconsistent": N_("Contradictory answers to paired items"),
    "acquiescence": N_("Agreeing with statements whatever they say"),
    "missing_answers": N_("Some items unanswered"),
}
KIND_NAMES = {
    "agreement": N_("statements to agree or disagree with"),
    "bipolar": N_("scales between two statements"),
    "forced_choice": N_("choices between two options"),
}
# Flags about particular scales: a doubtful result then needs interview questions only there.
SCALE_FLAGS = ("random_like", "inconsistent", "missing_answers")


@dataclass(frozen=True)
class QualityNote:
    code: str
    severity: str  # doubtful or unusable
    text: str  # the label and what exactly was found, in the report's language


def dimension_names(q: Questionnaire | None, scales: Sequence[str], language: str) -> str:
    """The dichotomies (as "Sensing / Intuition") or scales a flag is about, comma-separated."""
    if q is None:
        return ", ".join(scales)
    names = []
    for scale in scales:
        d = next((d for d in q.dichotomies if d.scale == scale), None)
        s = next((s for s in q.scales if s.id == scale), None)
        if d is not None and d.low.name is not None and d.high.name is not None:
            names.append(f"{d.low.name.get(language)} / {d.high.name.get(language)}")
        elif s is not None and s.name is not None:
            names.append(s.name.get(language))
        else:
            names.append(scale)
    return ", ".join(names)


def finding(flag: QualityFlag, q: Questionnaire | None, language: str) -> str | None:
    """What exactly this flag found, in ``language``; None without the numbers (old results)."""
    t = translations(language)
    _, n_ = t.gettext, t.ngettext
    f = flag.facts
    try:
        if flag.code == "too_fast":
            return _(
                "a median of %(seconds)s s per item; reading a statement with care takes at "
                "least 2 s"
            ) % {"seconds": _number(float(f["seconds"]), language)}
        if flag.code == "straight_lining":
            run = int(f["run"])
            return n_(
                "%(num)s time in a row (%(kind)s)",
                "%(num)s times in a row (%(kind)s)",
                run,
            ) % {"num": run, "kind": _(KIND_NAMES[str(f["kind"])])}
        if flag.code == "attention_failed":
            failed, checks = int(f["failed"]), int(f["checks"])
            return n_(
                "%(num)s of %(checks)s attention check answered wrongly",
                "%(num)s of %(checks)s attention checks answered wrongly",
                checks,
            ) % {"num": failed, "checks": checks}
        if flag.code == "random_like":
            return _(
                "the answers fit random clicking better than any consistent leaning, so they do "
                "not show which pole the candidate leans to (%(scales)s)"
            ) % {"scales": dimension_names(q, flag.scales, language)}
        if flag.code == "inconsistent":
            return n_(
                "full agreement (or full disagreement) with both of two opposite statements in "
                "%(num)s of %(pairs)s pair (%(scales)s)",
                "full agreement (or full disagreement) with both of two opposite statements in "
                "%(num)s of %(pairs)s pairs (%(scales)s)",
                int(f["pairs"]),
            ) % {
                "num": int(f["contradicted"]),
                "pairs": int(f["pairs"]),
                "scales": dimension_names(q, flag.scales, language),
            }
        if flag.code == "acquiescence":
            return _(
                "agreement with statements worded both ways is on average %(index)s points "
                "higher than their content explains (yea-saying); the scores may lean towards "
                "the middle"
            ) % {"index": _number(float(f["index"]), language)}
        if flag.code == "missing_answers":
            missing, items = int(f["missing"]), int(f["items"])
            text = n_(
                "%(num)s of %(items)s item unanswered",
                "%(num)s of %(items)s items unanswered",
                items,
            ) % {"num": missing, "items": items}
            if flag.scales:
                text += _("; not scored: %(scales)s") % {
                    "scales": dimension_names(q, flag.scales, language)
                }
            return text
    except (KeyError, ValueError):
        return None  # a flag stored without these numbers: the label says enough
    return None


def _number(x: float, language: str) -> str:
    text = f"{x:.1f}"
    return text.replace(".", ",") if language == "ru" else text


def quality_notes(
    results: Sequence[tuple[str, EngineResult]],
    catalog: Mapping[str, Questionnaire],
    language: str,
) -> list[QualityNote]:
    """One note per flag code over the questionnaires taken, in the order first found."""
    t = translations(language)
    found: dict[str, list[tuple[str, QualityFlag]]] = {}
    for qid, result in results:
        for flag in result.quality.flags:
            found.setdefault(flag.code, [])
            # results stored before one flag per code could list too_fast twice: keep one
            if all(q != qid for q, _ in found[flag.code]):
                found[flag.code].append((qid, flag))
    notes = []
    for code, where in found.items():
        label = t.gettext(LABELS[code]) if code in LABELS else code
        parts = []
        for qid, flag in where:
            text = finding(flag, catalog.get(qid), language)
            if text is None:
                continue
            q = catalog.get(qid)
            if len(where) > 1 and q is not None and q.title is not None:
                text = f"{q.title.get(language)}: {text}"
            parts.append(text)
        severity = "unusable" if any(f.severity == "unusable" for _, f in where) else "doubtful"
        notes.append(
            QualityNote(
                code=code,
                severity=severity,
                text=f"{label}: {'; '.join(parts)}." if parts else f"{label}.",
            )
        )
    return notes


def doubtful_dimensions(
    results: Sequence[tuple[str, EngineResult]], catalog: Mapping[str, Questionnaire]
) -> set[str] | None:
    """Dichotomy ids the flags point at (the extraversion questionnaire's scale counts as EI),
    or None when some flag concerns the answers as a whole (then every dichotomy is in doubt)."""
    out: set[str] = set()
    for qid, result in results:
        q = catalog.get(qid)
        for flag in result.quality.flags:
            if flag.code not in SCALE_FLAGS or not flag.scales or q is None:
                return None
            for scale in flag.scales:
                ids = [d.id for d in q.dichotomies if d.scale == scale]
                out.update(ids or [scale])
    return out
