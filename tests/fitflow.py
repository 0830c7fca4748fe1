"""Helpers for the fit-report tests: answer any questionnaire through the web flow, and build
answer sets that make a chosen socionics type."""

from __future__ import annotations

from fastapi.testclient import TestClient

from questionnaires.engine import item_gain
from questionnaires.loader import product_questionnaires
from questionnaires.schema import Questionnaire
from socionics.model import get_type

SOC = "socionics_16"
IE = "introversion_extraversion"


def questionnaire(qid: str) -> Questionnaire:
    return product_questionnaires()[qid]


def keyed_answers(q: Questionnaire, high: dict[str, bool]) -> dict[str, int]:
    """Each scored item answered at the end of its scale that ``high[scale]`` asks for;
    attention checks answered right."""
    answers = {}
    for item in q.items:
        if item.attention_check is not None:
            answers[item.id] = item.attention_check.expected
            continue
        for scale, want_high in high.items():
            gains = item_gain(q, item, scale)
            if gains:
                pick = max if want_high else min
                answers[item.id] = gains.index(pick(gains)) + 1
                break
        else:  # a forced choice whose chosen option feeds nothing: either is fine
            answers[item.id] = 1
    return answers


def socionics_answers(type_code: str) -> dict[str, int]:
    q = questionnaire(SOC)
    t = get_type(type_code)
    high = {}
    for d in q.dichotomies:
        high[d.scale] = t.poles[d.id] == d.high.code
    return keyed_answers(q, high)


def ie_answers(*, extravert: bool) -> dict[str, int]:
    return keyed_answers(questionnaire(IE), {"extraversion": extravert})


def answer_questionnaire(client: TestClient, token: str, qid: str, answers: dict[str, int]):
    """Every page of one questionnaire (the candidate flow moves on to the next one).

    The pages are posted without being viewed first: a view followed at once by its save
    would time the test's candidate at 0 s per item, and answers that fast are unusable
    (no type, no placement anywhere). Unviewed pages have no measured time."""
    q = questionnaire(qid)
    for n, ids in enumerate(q.pages(), start=1):
        data = {f"item-{i}": str(answers[i]) for i in ids}
        data["go"] = "next"
        r = client.post(f"/a/{token}/q/{qid}/{n}", data=data, follow_redirects=False)
        assert r.status_code == 303, r.text


def finish(client: TestClient, token: str) -> None:
    """The review page's Finish button: scores every questionnaire of the invitation."""
    r = client.post(f"/a/{token}/finish", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/a/{token}/done", r.text
