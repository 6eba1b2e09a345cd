"""Fixtures of the register tests: the node web tests' seeded school (copied per test), app and clients."""

from tests.node.conftest import TODAY, app, as_user, db, make_app, pl, seed, template_db, web  # noqa: F401
