"""API test helpers: a client that speaks JSON with a bearer token per user."""

from __future__ import annotations

import pytest

from gic.models import User

PREFIX = "/api/v1"


class Api:
    """Calls ``/api/v1`` as a given user (token made once per user, through the service)."""

    def __init__(self, client):
        self.client = client
        self._tokens: dict[int, str] = {}

    def token(self, user: User) -> str:
        """A fresh personal token for ``user`` (fast: no password hashing)."""
        if user.id not in self._tokens:
            from gic.auth.services import create_token  # after the app: import order
            self._tokens[user.id] = create_token(user, "tests")[1]
        return self._tokens[user.id]

    def call(self, method: str, path: str, user: User | None = None, *, json=None,
             data=None, headers=None, **kwargs):
        """One request; ``json`` is sent as JSON, ``data`` as raw bytes (JSON type)."""
        headers = dict(headers or {})
        if user is not None:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        elif json is not None:
            kwargs["json"] = json
        return self.client.open(PREFIX + path, method=method, headers=headers, **kwargs)

    def get(self, path, user=None, **kw):
        return self.call("GET", path, user, **kw)

    def post(self, path, user=None, **kw):
        return self.call("POST", path, user, **kw)

    def patch(self, path, user=None, **kw):
        return self.call("PATCH", path, user, **kw)

    def delete(self, path, user=None, **kw):
        return self.call("DELETE", path, user, **kw)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def error_of(response) -> dict:
    """The ``error`` object of a §8 error body (and check its shape)."""
    body = response.get_json()
    assert response.content_type.startswith("application/json")
    assert set(body) == {"error"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]
