//! Store tests. Every test runs against both SQLite (a fresh file) and PostgreSQL (a fresh
//! database on the server at `AGENTED_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`), so the PostgreSQL implementation is held to the
//! same behaviour as the default.

mod api_keys;
mod audit;
mod migrations;
mod support;
