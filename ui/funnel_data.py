"""The Funnels page's headline numbers, shared per role and kept in the result store (issue #33)."""

from __future__ import annotations

from portal.product.funnels import FunnelSpec, segment_table, step_counts, user_levels
from portal.product.funnels.handoff import CHAINS
from portal.results.pages import funnel_key, stored_frames
from portal.results.store import role_key_text, warehouse_version
from ui.resources import result_store, settings
from ui.shared_cache import by_role


@by_role(ttl=600, show_spinner="Computing the funnel…", max_entries=8)
def headline(session, spec: FunnelSpec) -> dict:
    """The counts and segments: stored for this role and warehouse (refresh, a replica, the last
    visitor), else computed here, handing the per-user chains to the details right after."""

    def compute() -> dict:
        levels = user_levels(session, spec)
        CHAINS.put((spec, session.user.name), levels)
        return {"counts": step_counts(levels, spec), "segments": segment_table(levels, spec)}

    frames, at, _ = stored_frames(
        result_store(), session.user.name, role_key_text(session.user.has_pii, session.denied_schemas),
        funnel_key(spec), warehouse_version(settings().warehouse_path), compute,
    )  # fmt: skip
    return {**frames, "computed_at": at}
