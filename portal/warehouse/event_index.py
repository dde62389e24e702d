"""A compact per-person event index, built with the warehouse: the model's events as flat arrays in
(person, time) order (person id, time in µs, day, event-name code, and small codes for the breakdown
columns), saved as .npy files beside the warehouse file and memory-mapped, so a funnel reads its
events at memory speed instead of through a query.

The data team's build writes it (`python -m portal demo`, or `python -m portal index` after their own
build). It records the warehouse file's size and modification time, and is ignored as soon as the
file changes: a stale index is never read, the funnel falls back to its query. It holds no personal
data (person ids, times, event names and coded properties) and is used only for sessions allowed to read
the events table's schema. It needs integer person ids; with text ids the passes query instead.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from portal.product.persons import PersonCodes

MAX_CODED = 8  # properties kept as one-byte codes (those with fewer than 255 values)
VERSION = 3
_INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
_OPEN: dict[tuple, EventIndex] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class EventIndex:
    names: tuple[str, ...]  # event names; ev holds 1 + their position (0: none)
    user: np.ndarray
    t: np.ndarray  # µs since 1970, int64
    day: np.ndarray  # event_date as days since 1970, int32 (the retention pass counts days)
    ev: np.ndarray  # uint8
    codes: dict[str, tuple[tuple[str, ...], np.ndarray]]  # column → (values, uint8: 1 + position, 0 NULL)
    ids: pa.Array | None = None  # text person ids: `user` holds positions in this sorted array

    @property
    def rows(self) -> int:
        return int(self.user.size)

    @property
    def persons(self) -> PersonCodes:
        """The pass's person codes and how to turn them back into the company's ids."""
        return PersonCodes(self.user, self.ids)


def index_dir(warehouse_path: Path) -> Path:
    return Path(str(warehouse_path) + ".events")


def _source(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


class IndexUnsupported(ValueError):
    """This warehouse's events cannot be indexed (text person ids); the passes query instead."""


def build_index(con, warehouse_path: Path, events, batch_rows: int = 4_000_000) -> dict:
    """Write the index of the warehouse `con` reads (its file at `warehouse_path`, finished and not
    to be written again), atomically: into a temporary folder, then renamed into place."""
    folder = building_dir(Path(warehouse_path))
    try:
        return seal(folder, Path(warehouse_path), write_arrays(con, folder, events, batch_rows))
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # left only when writing failed


def building_dir(warehouse_path: Path) -> Path:
    final = index_dir(warehouse_path)
    return final.with_name(final.name + ".building")


def write_arrays(con, folder: Path, events, batch_rows: int = 4_000_000) -> dict:
    """The arrays of `con`'s events (a `portal.model.Events`) into `folder` (replaced); returns what
    seal() records."""
    rel = events.relation()
    ((person_type,),) = con.execute(f"SELECT typeof(user_id) FROM {rel} LIMIT 1").fetchall() or [("BIGINT",)]
    text_ids = person_type not in _INTEGER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    names = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT event_name FROM {rel} WHERE event_name IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    if len(names) > 254:
        raise IndexUnsupported("too many event names for a one-byte code")
    codes = {}
    for col in events.properties:
        if len(codes) == MAX_CODED:
            break
        values = [
            r[0]
            for r in con.execute(
                f'SELECT DISTINCT CAST("{col}" AS VARCHAR) FROM {rel} WHERE "{col}" IS NOT NULL ORDER BY 1 LIMIT 255'
            ).fetchall()
        ]
        if len(values) < 255:
            codes[col] = values
    kept = "WHERE event_name IS NOT NULL AND user_id IS NOT NULL AND event_at IS NOT NULL"
    source = f"(SELECT * FROM {rel} {kept})"
    if text_ids:
        # resolve once into a temporary table (identity joins run once), then code ids by their sorted
        # position: the sort is over integers, not text
        con.execute(f"CREATE OR REPLACE TEMP TABLE __index_events AS SELECT * FROM {rel} {kept}")
        persons = (
            con.sql("SELECT DISTINCT CAST(user_id AS VARCHAR) AS id FROM __index_events ORDER BY 1").arrow().read_all()
        )
        ids = persons.column("id").combine_chunks()
        with pa.OSFile(str(folder / "persons.arrow"), "wb") as sink, ipc.new_file(sink, persons.schema) as writer:
            writer.write_table(persons)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE __index_persons AS "
            "SELECT id, CAST(row_number() OVER (ORDER BY id) - 1 AS INTEGER) AS code "
            "FROM (SELECT DISTINCT CAST(user_id AS VARCHAR) AS id FROM __index_events)"
        )
        source = (
            "(SELECT p.code AS user_id, e.* EXCLUDE (user_id) FROM __index_events AS e "
            "JOIN __index_persons AS p ON p.id = CAST(e.user_id AS VARCHAR))"
        )
        ((rows,),), user_dtype = con.execute("SELECT count(*) FROM __index_events").fetchall(), np.int32
        if len(ids) >= 2**31:
            raise IndexUnsupported("more than 2^31 distinct persons")
    else:
        ((rows, low, high),) = con.execute(f"SELECT count(*), min(user_id), max(user_id) FROM {source}").fetchall()
        user_dtype = np.int32 if rows == 0 or (-(2**31) < low and high < 2**31) else np.int64
    arrays = {
        "user": np.lib.format.open_memmap(folder / "user.npy", "w+", user_dtype, (rows,)),
        "t": np.lib.format.open_memmap(folder / "t.npy", "w+", np.int64, (rows,)),
        "day": np.lib.format.open_memmap(folder / "day.npy", "w+", np.int32, (rows,)),
        "ev": np.lib.format.open_memmap(folder / "ev.npy", "w+", np.uint8, (rows,)),
        **{c: np.lib.format.open_memmap(folder / f"{c}.npy", "w+", np.uint8, (rows,)) for c in codes},
    }
    slot = {c: f"p{i}" for i, c in enumerate(codes)}  # parameter names: any column name is safe
    coded = ", ".join(
        f'CAST(coalesce(list_position(${slot[c]}, CAST("{c}" AS VARCHAR)), 0) AS UTINYINT) AS "{c}"' for c in codes
    )
    reader = (
        (con if text_ids else con.cursor())  # temporary tables belong to this connection
        .sql(
            "SELECT user_id AS user, epoch_us(event_at) AS t, CAST(date_diff('day', DATE '1970-01-01', event_date) AS INTEGER) AS day, "
            "CAST(list_position($names, event_name) AS UTINYINT) AS ev"
            + (f", {coded}" if coded else "")
            + f" FROM {source} ORDER BY user_id, event_at",
            params={"names": names, **{slot[c]: v for c, v in codes.items()}},
        )
        .to_arrow_reader(batch_rows)
    )
    at = 0
    for batch in reader:
        n = batch.num_rows
        for name, arr in arrays.items():
            arr[at : at + n] = batch.column(name).to_numpy(zero_copy_only=False)
        at += n
    for arr in arrays.values():
        arr.flush()
    reader.close()
    if text_ids:
        con.execute("DROP TABLE IF EXISTS __index_events")
        con.execute("DROP TABLE IF EXISTS __index_persons")
    return {"rows": rows, "names": names, "codes": codes, "model": str(rel), "text_ids": text_ids}


def seal(folder: Path, warehouse_path: Path, info: dict) -> dict:
    """Tie the arrays in `folder` to the warehouse file as it is now and move them into place."""
    meta = {"version": VERSION, "source": _source(warehouse_path), **info}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    final = index_dir(warehouse_path)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(folder, final)
    return meta


def share_index(source: Path, twin: Path) -> dict:
    """The twin's analytics.events is the same table: its index is the same arrays (hard links, no
    second copy on disk), sealed to the twin file."""
    src = index_dir(source)
    meta = json.loads((src / "meta.json").read_text(encoding="utf-8"))
    folder = building_dir(twin)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for f in [*src.glob("*.npy"), *src.glob("*.arrow")]:
        try:
            os.link(f, folder / f.name)
        except OSError:
            shutil.copy2(f, folder / f.name)
    return seal(folder, twin, {k: meta[k] for k in ("rows", "names", "codes", "model", "text_ids")})


def rebuild(warehouse_path: Path, events) -> dict:
    """Build the index of a finished warehouse file (the data team's build step)."""
    import duckdb

    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        return build_index(con, Path(warehouse_path), events)
    finally:
        con.close()


def _persons(folder: Path) -> pa.Array:
    """The sorted text ids of a dictionary-coded index, memory-mapped."""
    source = pa.memory_map(str(folder / "persons.arrow"), "r")
    return ipc.open_file(source).read_all().column("id").combine_chunks()


def open_index(warehouse_path: Path, events) -> EventIndex | None:
    """The index of this warehouse file as it is now, memory-mapped; None when there is none, or it
    was built from another version of the file or another events model (then the caller queries)."""
    warehouse_path = Path(warehouse_path)
    folder = index_dir(warehouse_path)
    try:
        source = _source(warehouse_path)
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("version") != VERSION or meta.get("source") != source or meta.get("model") != str(events.relation()):
        return None
    key = (str(folder), source["size"], source["mtime_ns"])
    with _LOCK:
        if key not in _OPEN:
            try:
                load = lambda name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r"))  # noqa: E731
                idx = EventIndex(
                    tuple(meta["names"]),
                    load("user"),
                    load("t"),
                    load("day"),
                    load("ev"),
                    {c: (tuple(v), load(c)) for c, v in meta["codes"].items()},
                    _persons(folder) if meta.get("text_ids") else None,
                )
            except (OSError, ValueError):
                return None
            if not idx.rows == idx.t.size == idx.day.size == idx.ev.size == meta["rows"]:
                return None
            for old in [k for k in _OPEN if k[0] == key[0]]:  # an older version of the same file
                del _OPEN[old]
            _OPEN[key] = idx
        return _OPEN[key]
