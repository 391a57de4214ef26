"""An intervention's life driven through the API (for worked examples and happy paths)."""

from __future__ import annotations


def draft(api, world, provider="A", beneficiary="B", **fields) -> dict:
    """A draft from ``beneficiary``'s technician to ``provider``."""
    body = {"provider_id": world.establishments[provider].id, "axis": 2,
            "nature": "incident", "description": "Serveur de fichiers en panne"}
    body.update(fields)
    response = api.post("/interventions", world.technicians[beneficiary], json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def accepted(api, world, provider="A", beneficiary="B", **fields) -> dict:
    """Drafted, activated by the beneficiary's director, accepted by the provider's."""
    i = draft(api, world, provider, beneficiary, **fields)
    r = api.post(f"/interventions/{i['id']}/activate", world.directors[beneficiary])
    assert r.status_code == 200, r.get_json()
    r = api.post(f"/interventions/{i['id']}/accept", world.directors[provider],
                 json={"technician_id": world.technicians[provider].id})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def log(api, world, i: dict, day: str, start: str, end: str, mode="onsite", provider="A"):
    """The assigned technician logs a session; returns the response."""
    return api.post(f"/interventions/{i['id']}/sessions", world.technicians[provider],
                    json={"date": day, "start": start, "end": end, "mode": mode})


def finish(api, world, i: dict, provider="A", beneficiary="B") -> dict:
    """Complete (report) and validate."""
    r = api.post(f"/interventions/{i['id']}/complete", world.technicians[provider],
                 json={"report": "Serveur remis en service."})
    assert r.status_code == 200, r.get_json()
    r = api.post(f"/interventions/{i['id']}/validate", world.directors[beneficiary])
    assert r.status_code == 200, r.get_json()
    return r.get_json()
