"""API fixtures: an admin, read and read_write keys, and clients that send them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.api.keys import create_api_key
from app.models import User
from tests.factories import make_user


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, email="ada@example.com", role="admin")


def _key(db: Session, admin: User, scope: str) -> str:
    new = create_api_key(db, name=f"test {scope}", scope=scope, created_by=admin)
    db.commit()
    return new.secret


@pytest.fixture
def write_key(db: Session, admin: User) -> str:
    return _key(db, admin, "read_write")


@pytest.fixture
def read_key(db: Session, admin: User) -> str:
    return _key(db, admin, "read")


@pytest.fixture
def api(app: FastAPI, write_key: str) -> Iterator[TestClient]:
    """A client authenticated with a read_write key."""
    with TestClient(app, headers={"Authorization": f"Bearer {write_key}"}) as c:
        yield c


@pytest.fixture
def reader(app: FastAPI, read_key: str) -> Iterator[TestClient]:
    with TestClient(app, headers={"Authorization": f"Bearer {read_key}"}) as c:
        yield c
