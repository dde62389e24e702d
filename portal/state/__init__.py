"""App state (history, audit, sign-outs, API tokens, alert checks, per-person admission) behind one
interface with two backends: SQLite files in the state folder (the default: one command on a
laptop) and one PostgreSQL database (`[state] url = "postgresql://…"`), which several app servers
share. Schemas are numbered SQL files per store and dialect (portal/sql/state), applied at start."""

from portal.state.db import StateDB, open_state

__all__ = ["StateDB", "open_state"]
