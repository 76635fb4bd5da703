"""Storage: the database engine and sessions, the ORM models, Alembic migrations."""
