"""An outside script using the rolefit API with httpx: invite a candidate, then read the result.

    ROLEFIT_URL=http://127.0.0.1:8000 ROLEFIT_API_KEY=rf_... python docs/example_client.py \
        --name "Anna Petrova" --email anna@example.com

The key needs read_write access (an administrator creates it under Integrations → API keys, or
``rolefit api-key create --name ATS --scope read_write``). The script finds (or creates) the
vacancy, invites the candidate, prints the personal link, then polls the results until the
candidate has finished (Ctrl+C stops waiting; run it again with --candidate ID to resume).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import httpx


class ApiError(Exception):
    """An RFC 9457 problem from the API, with the fields it names."""

    def __init__(self, response: httpx.Response) -> None:
        try:
            problem = response.json()
        except ValueError:
            problem = {"title": response.reason_phrase, "detail": response.text[:200]}
        fields = "; ".join(f"{e['field']}: {e['message']}" for e in problem.get("errors", []))
        message = f"{response.status_code} {problem.get('title')}: {problem.get('detail')}"
        super().__init__(message + (f" ({fields})" if fields else ""))
        self.status = response.status_code
        self.problem = problem


def make_client(base_url: str, api_key: str, **kwargs: Any) -> httpx.Client:
    return httpx.Client(
        base_url=base_url.rstrip("/") + "/api/v1",
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=30,
        **kwargs,
    )


def _json(response: httpx.Response) -> Any:
    if response.is_error:
        raise ApiError(response)
    return response.json()


def find_or_create_vacancy(client: httpx.Client, *, title: str, placement: str) -> dict:
    for vacancy in _json(client.get("/vacancies", params={"status": "open"}))["data"]:
        if vacancy["title"] == title:
            return vacancy
    body = {"title": title, "placement": placement, "language": "en"}
    return _json(client.post("/vacancies", json=body))


def invite(client: httpx.Client, *, vacancy_id: int, name: str, email: str | None) -> dict:
    """Returns the new candidate with its personal link (shown only in this response)."""
    person = {"name": name, **({"email": email} if email else {})}
    created = _json(
        client.post(f"/vacancies/{vacancy_id}/invitations", json={"candidates": [person]})
    )
    return created["invitations"][0]


def results(client: httpx.Client, *, candidate_id: int) -> dict:
    return _json(client.get(f"/candidates/{candidate_id}/results"))


def wait_for_results(
    client: httpx.Client, *, candidate_id: int, every: float = 30, max_polls: int | None = None
) -> dict | None:
    """Poll until the assessment is complete (a webhook receiver avoids polling: docs/api.md)."""
    polls = 0
    while max_polls is None or polls < max_polls:
        body = results(client, candidate_id=candidate_id)
        if body["complete"] or body["status"] in ("expired", "revoked"):
            return body
        polls += 1
        time.sleep(every)
    return None


def summary(body: dict) -> str:
    lines = [f"candidate {body['candidate_id']}: {body['status']}"]
    for q in body["questionnaires"]:
        version, quality = q["questionnaire_version"], q["quality"]["level"]
        lines.append(f"  {q['questionnaire_id']} v{version}: answer quality {quality}")
        for name, d in q["dichotomies"].items():
            if d["scored"]:
                lines.append(f"    {name}: {d['pole']} (p={d['probability']:.2f})")
    if body["type"]:
        lines.append(f"  type {body['type']['code']} (p={body['type']['probability']:.2f})")
    if body["role_fit"]:
        fit = body["role_fit"]
        lines.append(f"  placement {fit['placement']}, matrix {fit['matrix_version']}")
        for role in fit["roles"]:
            lines.append(f"    {role['rank']}. {role['role']}: {role['expected_fit']:.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vacancy", default="Client manager (API example)")
    parser.add_argument("--placement", default="farmer")
    parser.add_argument("--name", default="Anna Petrova")
    parser.add_argument("--email", default=None)
    parser.add_argument("--candidate", type=int, help="only wait for this candidate's results")
    parser.add_argument("--every", type=float, default=30, help="seconds between polls")
    args = parser.parse_args(argv)
    url = os.environ.get("ROLEFIT_URL", "http://127.0.0.1:8000")
    key = os.environ.get("ROLEFIT_API_KEY")
    if not key:
        print("set ROLEFIT_API_KEY to a read_write API key", file=sys.stderr)
        return 2
    with make_client(url, key) as client:
        try:
            candidate_id = args.candidate
            if candidate_id is None:
                vacancy = find_or_create_vacancy(
                    client, title=args.vacancy, placement=args.placement
                )
                new = invite(client, vacancy_id=vacancy["id"], name=args.name, email=args.email)
                candidate_id = new["id"]
                print(f"invited {new['name']} (candidate {candidate_id}); send this link:")
                print(f"  {new['link']}")
            print("waiting for the results ...")
            body = wait_for_results(client, candidate_id=candidate_id, every=args.every)
        except ApiError as exc:
            print(f"rolefit API: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 130
    print(summary(body) if body else "no results yet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
