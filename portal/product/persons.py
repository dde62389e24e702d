"""Person ids as the compiled passes need them: integers in person order. A company's ids may be
text (a GA4 export's `user_pseudo_id`, a Segment `anonymous_id`); those are coded as small integers
for the pass and turned back into the ids afterwards, so pages and downloads show the real ids."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class PersonCodes:
    codes: np.ndarray  # one integer per row, equal for equal ids
    ids: pa.Array | None  # code -> id, for text ids; None when the ids are the codes

    @classmethod
    def of(cls, column) -> PersonCodes:
        """Codes for a column of ids: integer ids as they are; others by sorted dictionary, so a
        stream in (person, time) order stays in order."""
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if pa.types.is_integer(column.type):
            return cls(column.to_numpy(zero_copy_only=False), None)
        uniq = pc.unique(column.drop_null())
        dictionary = uniq.take(pc.array_sort_indices(uniq))
        codes = pc.index_in(column, value_set=dictionary).to_numpy(zero_copy_only=False).astype(np.int64)
        return cls(codes, dictionary)

    def ids_of(self, codes: np.ndarray):
        """The ids of `codes` (what the pass returns): integer ids as they are, text ids as an Arrow-
        backed string array (no Python string per person: a million ids decode in milliseconds)."""
        if self.ids is None:
            return codes
        import pandas as pd

        return pd.arrays.ArrowExtensionArray(self.ids.take(pa.array(codes)))

    def code_of(self, ids) -> np.ndarray:
        """Codes of other ids (e.g. cohort members), -1 for ids not in this set."""
        if self.ids is None:
            return np.asarray(ids)
        ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        ids = ids if isinstance(ids, pa.Array) else pa.array(ids)
        found = pc.index_in(ids.cast(self.ids.type), value_set=self.ids).fill_null(-1)
        return found.to_numpy(zero_copy_only=False).astype(np.int64)
