"""One way to cache a result shared between people: by role. A function decorated with `by_role` is
called with the session of its role's system principal first (exactly that role's access: which
warehouse, which schemas denied) and cached under the role plus its other arguments, so a result
computed for one role never reaches another (review #3: Funnels and Cohorts keyed on `pii` alone,
so a role denied a schema got results computed with it)."""

from __future__ import annotations

import functools

import streamlit as st

from ui.sessions import role_key, shared_session


def by_role(cache=st.cache_data, **cache_options):
    """`cache(**cache_options)` (st.cache_data, or st.cache_resource for objects that are not copied)
    keyed by the current person's role; the function receives the role's shared session as its first
    argument. `.clear()` empties it for every role."""

    def decorate(fn):
        def computed(role: tuple, *args):
            return fn(shared_session(*role), *args)

        # Streamlit tells cached functions apart by module and qualified name: give each its own
        computed.__module__, computed.__qualname__ = fn.__module__, fn.__qualname__ + ".by_role"
        cached = cache(**cache_options)(computed)

        @functools.wraps(fn)
        def call(*args):
            return cached(role_key(), *args)

        call.clear = cached.clear
        return call

    return decorate
