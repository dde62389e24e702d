"""The Funnels page's numbers, shared per role and kept in the result store (issue #33): the headline
(counts, segments) and the details the other tabs read (time to convert, the weekly trend), so a
stored view computes nothing, not even after the chart is drawn."""

from __future__ import annotations

from collections.abc import Callable

from portal.product.funnels import FunnelSpec, user_levels
from portal.product.funnels.handoff import CHAINS
from portal.results.pages import DETAILS, HEADLINE, funnel_frames, funnel_key, stored_frames
from ui.shared_cache import by_role
from ui.stored import role_store


def _stored(session, spec: FunnelSpec, names: tuple[str, ...], compute: Callable[[], dict]) -> dict:
    r = role_store(session)
    frames, at, _ = stored_frames(r.store, r.owner, r.role_key, funnel_key(spec), r.version, compute, names=names)
    return {**frames, "computed_at": at}


@by_role(ttl=600, show_spinner="Computing the funnel…", max_entries=8)
def headline(session, spec: FunnelSpec) -> dict:
    """The counts and segments: stored for this role and warehouse (refresh, a replica, the last
    visitor), else computed here, handing the per-user chains to the details right after."""

    def compute() -> dict:
        levels = user_levels(session, spec)
        CHAINS.put((spec, session.user.name), levels)
        return funnel_frames(levels, spec, HEADLINE)

    return _stored(session, spec, HEADLINE, compute)


# Small tables only, shared per role (computed on a session that belongs to nobody): the per-user
# chains (millions of rows) are not cached; the headline hands them over when it computed them.
@by_role(ttl=600, show_spinner="Computing time to convert and the weekly trend…", max_entries=8)
def details(session, spec: FunnelSpec) -> dict:
    """Time to convert and the weekly trend: stored with the headline by refresh, else computed."""

    def compute() -> dict:
        levels = CHAINS.take((spec, session.user.name))
        return funnel_frames(user_levels(session, spec) if levels is None else levels, spec, DETAILS)

    return _stored(session, spec, DETAILS, compute)
