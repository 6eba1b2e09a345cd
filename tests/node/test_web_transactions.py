"""The node's request/transaction layer (node_agent/web/context.py): a login checks the password
before it takes the write lock, a write request reads its user again under the lock, and a write
that a request attempts before switching to writing is refused loudly instead of failing later with
"database is locked"."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from node_agent.auth.models import LoginAttempt, UserAccount
from node_agent.db import Database
from node_agent.web import context
from tests.node.web_factories import PASSWORD, Web
from tests.node.write_lock import write_transactions


def test_login_verifies_the_password_before_taking_the_lock(web: Web, db: Database) -> None:
    token = web.token("/login")
    with write_transactions(db) as writes:
        response = web.client.post("/login", data={"csrf_token": token, "username": "nauczyciel",
                                                   "password": PASSWORD})
    assert response.status_code == 302
    # under the lock: the account read again by its id, the attempt and the login time; the lookup by
    # name, the throttling count and the argon2 check ran before BEGIN IMMEDIATE
    assert writes == [["SELECT user_account", "INSERT login_attempt", "UPDATE user_account"]]
    with db.read_session() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.username == "nauczyciel"))
        assert user.last_login_at is not None
        assert [a.success for a in session.scalars(select(LoginAttempt))] == [True]


def test_a_failed_login_is_recorded_without_touching_the_account(web: Web, db: Database) -> None:
    token = web.token("/login")
    with write_transactions(db) as writes:
        response = web.client.post("/login", data={"csrf_token": token, "username": "nauczyciel",
                                                   "password": "zle-haslo-123"})
    assert response.status_code == 200
    assert writes == [["INSERT login_attempt"]]
    with db.read_session() as session:
        assert [a.success for a in session.scalars(select(LoginAttempt))] == [False]


def test_changes_made_before_writing_are_refused(app: Flask, as_user: Callable[[str], Web], db: Database) -> None:
    as_user("nauczyciel")
    with app.test_request_context("/lessons"):
        session = context.db()
        session.add(LoginAttempt(username="x", success=False, remote_addr=""))
        with pytest.raises(RuntimeError, match="changed records before it started writing"), context.writing():
            pass
        session.rollback()
        context.close_session(None)
