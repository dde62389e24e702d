"""What a query's shape says, for the lint rules: the SELECTs and the sources each reads, CTEs and the
columns they return (a set operation's through its first arm), which sources a column can come from,
which sources every output row keeps, how the joins tie the sources together, and which joins cannot
repeat rows. The rules read these through the module, so a mutation test breaks each in one place."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from portal.workbench.lint.core import Context


def selects(ctx: Context) -> Iterator[exp.Select]:
    yield from ctx.tree.find_all(exp.Select)


def sources_of(select: exp.Select) -> list[exp.Expression]:
    """The tables and subqueries this SELECT reads directly (FROM plus joins)."""
    out = []
    frm = select.args.get("from") or select.args.get("from_")
    if frm is not None and frm.this is not None:
        out.append(frm.this)
    out.extend(j.this for j in select.args.get("joins") or [])
    return out


def cte_map(ctx: Context) -> dict[str, exp.Expression]:
    """CTE name -> its query, walked once per statement (a 200-line CTE chain asks per SELECT)."""
    if "_ctes" not in ctx.__dict__:
        ctx.__dict__["_ctes"] = {c.alias_or_name.lower(): c.this for c in ctx.tree.find_all(exp.CTE)}
    return ctx.__dict__["_ctes"]


def cte_names(ctx: Context) -> set[str]:
    return set(cte_map(ctx))


def first_arm(query: exp.Expression) -> exp.Select | None:
    """The SELECT that names a query's columns: the leftmost arm of a set operation (a breadth-first
    search finds the last arm of `a INTERSECT b INTERSECT c` first), through brackets."""
    while isinstance(query, exp.Subquery | exp.SetOperation):
        query = query.this
    return query if isinstance(query, exp.Select) else None


def output_names(query: exp.Expression) -> set[str] | None:
    """Column names a subquery or CTE returns, or None when it cannot be told (SELECT *)."""
    select = first_arm(query)
    if select is None:
        return None
    names = set()
    for e in select.expressions:
        if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
            return None
        names.add(e.alias_or_name.lower())
    return names


def source_columns(ctx: Context, select: exp.Select) -> dict[str, set[str] | None]:
    """Alias (or name) of each source of `select` -> the columns it offers (None: unknown), from the
    catalog for tables, from the SELECT list for CTEs and subqueries."""
    ctes = cte_map(ctx)
    out: dict[str, set[str] | None] = {}
    for src in sources_of(select):
        alias = (src.alias_or_name or "").lower()
        cols: set[str] | None = None
        if isinstance(src, exp.Table) and isinstance(src.this, exp.Identifier):
            if not src.db and src.name.lower() in ctes:
                cols = output_names(ctes[src.name.lower()])
            elif ctx.catalog is not None:
                t = ctx.catalog.table(f"{src.db}.{src.name}" if src.db else src.name)
                cols = {c.name.lower() for c in t.columns} if t is not None else None
        elif isinstance(src, exp.Subquery):
            cols = output_names(src.this)
        out[alias] = cols
    return out


def owners_of(column: exp.Column, sources: dict[str, set[str] | None]) -> set[str] | None:
    """Which sources a column can come from: its qualifier, else every source that has the name
    (None when some source's columns are unknown and none is known to have it)."""
    if column.table:
        return {column.table.lower()}
    name = column.name.lower()
    found = {alias for alias, cols in sources.items() if cols is not None and name in cols}
    if not found and any(cols is None for cols in sources.values()):
        return None
    return found


def preserved(select: exp.Select) -> set[str]:
    """The sources whose rows every output row keeps (never null-extended): the first source, plus
    each INNER side; a LEFT JOIN adds nothing, a RIGHT JOIN keeps only its right side, FULL none."""
    names = [(s.alias_or_name or "").lower() for s in sources_of(select)]
    kept = set(names[:1])
    for j, name in zip(select.args.get("joins") or [], names[1:], strict=False):
        side = (j.args.get("side") or "").upper()
        if side == "RIGHT":
            kept = {name}
        elif side == "FULL":
            kept = set()
        elif side != "LEFT":
            kept.add(name)
    return kept


def join_key_side(select: exp.Select, name: str, owners: set[str]) -> str | None:
    """For a name the joins equate across every table that has it (`ON o.user_id = u.user_id`), a
    side whose value every row keeps: qualifying with it changes nothing but the ambiguity (the
    mechanical fix). None when no such side exists (a FULL JOIN: only coalesce() keeps the answer)
    or some owner's value is not tied to the others'."""
    groups = Groups(sorted(owners))
    for j in select.args.get("joins") or []:
        on = j.args.get("on")
        for eq in on.find_all(exp.EQ) if on is not None else ():
            a, b = eq.this, eq.expression
            if isinstance(a, exp.Column) and isinstance(b, exp.Column) and a.name.lower() == b.name.lower() == name:
                groups.union([(a.table or "").lower(), (b.table or "").lower()])
    if len({groups.find(o) for o in owners}) != 1:
        return None
    kept = preserved(select)
    order = [(s.alias_or_name or "").lower() for s in sources_of(select)]
    return next((o for o in order if o in owners and o in kept), None)


def in_exists(select: exp.Select) -> bool:
    parent = select.parent
    return isinstance(parent, exp.Exists) or (
        isinstance(parent, exp.Subquery) and isinstance(parent.parent, exp.Exists)
    )


def one_row(query: exp.Expression) -> bool:
    """A global aggregate (aggregates, no GROUP BY): exactly one row."""
    select = query if isinstance(query, exp.Select) else query.find(exp.Select)
    if select is None or select.args.get("group"):
        return False
    return bool(select.expressions) and all(e.find(exp.AggFunc) is not None for e in select.expressions)


def conjuncts(condition: exp.Expression | None) -> list[exp.Expression]:
    if condition is None:
        return []
    return list(condition.flatten()) if isinstance(condition, exp.And) else [condition]


class Groups:
    """Union-find over a SELECT's sources: which ones some condition ties together."""

    def __init__(self, names: list[str]):
        self.parent = {n: n for n in names}

    def find(self, n: str) -> str:
        while self.parent[n] != n:
            self.parent[n] = self.parent[self.parent[n]]
            n = self.parent[n]
        return n

    def union(self, names) -> None:
        names = [n for n in names if n in self.parent]
        for n in names[1:]:
            self.parent[self.find(n)] = self.find(names[0])


def condition_links(select: exp.Select, sources, groups: Groups) -> None:
    """Tie together the sources that one equality of WHERE or any ON mentions, whatever its sides
    (`a.k = b.k`, `substring(a.zip, 1, 2) = substring(b.zip, 1, 2)`, `a.week = b.week - 53`) and
    wherever the tables are listed. Only an inequality between two tables (`b.at > a.at`) still pairs
    nearly every row with every row. A column no known source has may come from any source whose
    columns are unknown (a subquery with SELECT *), so it ties those in: no cry of wolf."""
    unknown = [alias for alias, cols in sources.items() if cols is None]
    conditions = [select.args.get("where")] + [j.args.get("on") for j in select.args.get("joins") or []]
    for cond in conditions:
        for part in (eq for c in conjuncts(cond) for eq in c.find_all(exp.EQ)):
            owners: set[str] = set()
            for col in part.find_all(exp.Column):
                if col.find_ancestor(exp.Select) is not select or isinstance(col.this, exp.Star):
                    continue
                found = owners_of(col, sources)
                owners |= set(unknown) if found is None else found
            if len(owners) > 1:
                groups.union(sorted(owners))


def always_joined(join: exp.Join, ctes: dict) -> bool:
    """Joins that pair rows by construction, not by a condition: USING, NATURAL/ASOF/POSITIONAL,
    UNNEST and LATERAL, table functions, and a one-row side (a total put beside the details)."""
    target = join.this
    if join.args.get("using") or isinstance(target, exp.Unnest | exp.Lateral):
        return True
    if (join.args.get("method") or "").upper() in ("NATURAL", "ASOF", "POSITIONAL"):
        return True
    if isinstance(target, exp.Table) and not isinstance(target.this, exp.Identifier):
        return True
    if isinstance(target, exp.Table) and not target.db and target.name.lower() in ctes:
        return one_row(ctes[target.name.lower()])
    return isinstance(target, exp.Subquery) and one_row(target.this)


def fans_out(select: exp.Select, join: exp.Join, ctes: dict) -> bool:
    """Whether a LEFT JOIN can repeat left rows: not when it is an anti-join (the right side tested
    IS NULL in WHERE), an ASOF join (one match at most), or joins an aggregated CTE or subquery (one row
    per group)."""
    if (join.args.get("method") or "").upper() == "ASOF":
        return False
    right = (join.this.alias_or_name or "").lower()
    where = select.args.get("where")
    if where is not None and any(
        isinstance(n.this, exp.Column) and (n.this.table or "").lower() == right for n in where.find_all(exp.Is)
    ):
        return False
    target = join.this
    if isinstance(target, exp.Table) and not target.db and target.name.lower() in ctes:
        target = ctes[target.name.lower()]
    query = target.this if isinstance(target, exp.Subquery) else target
    inner = query if isinstance(query, exp.Select) else None
    return not (inner is not None and (inner.args.get("group") or one_row(inner)))
