"""Finding saved queries in the library: free text over title, description and SQL, plus facets."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.library.header import SavedQuery

STATUS_ORDER = ("curated", "draft", "deprecated")


@dataclass(frozen=True)
class LibraryFilter:
    text: str = ""
    teams: tuple[str, ...] = field(default_factory=tuple)
    tags: tuple[str, ...] = field(default_factory=tuple)
    owners: tuple[str, ...] = field(default_factory=tuple)
    statuses: tuple[str, ...] = field(default_factory=tuple)

    def matches(self, q: SavedQuery) -> bool:
        needle = self.text.strip().lower()
        return (
            (not needle or needle in q.title.lower() or needle in q.description.lower() or needle in q.sql.lower())
            and (not self.teams or q.team in self.teams)
            and (not self.tags or bool(set(self.tags) & set(q.tags)))
            and (not self.owners or q.owner in self.owners)
            and (not self.statuses or q.status in self.statuses)
        )


def facets(queries: list[SavedQuery]) -> dict[str, list[str]]:
    """The values each facet can take, for the filter widgets."""
    return {
        "teams": sorted({q.team for q in queries}),
        "tags": sorted({t for q in queries for t in q.tags}),
        "owners": sorted({q.owner for q in queries if q.owner}),
        "statuses": list(STATUS_ORDER),
    }


def search(queries: list[SavedQuery], f: LibraryFilter) -> list[SavedQuery]:
    """Matching queries, in the store's order (curated first, then by title)."""
    return [q for q in queries if f.matches(q)]
