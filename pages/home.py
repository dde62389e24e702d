"""Home: what the portal is for, what is in the warehouse, where to go next."""

import streamlit as st

from portal.warehouse.connect import engine_label
from portal.warehouse.overview import summary, tables_frame
from ui.explore import question_box
from ui.resources import metric_definitions, settings
from ui.role_facts import catalog
from ui.sign_in import current_user
from ui.text import caption_text, warning_text

st.title("Analytics Portal")
st.markdown(
    "Self-serve analytics for the whole company: write **safe SQL** in the browser, reuse the data "
    "team's **curated queries**, read **funnels, cohorts and experiment results** without SQL, and "
    "open your **team's dashboard**."
)

# the question box: plain English over the canonical metrics (read when asked), answered on Explore
question_box(metric_definitions, "home_ask")

cat = catalog()
user = current_user()
facts = summary(cat)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Schemas", facts["schemas"])
c2.metric("Tables", facts["tables"])
c3.metric("Rows", f"{facts['rows']:,}")
c4.metric("Data through", cat.data_through or "unknown")
caption_text(engine_label(settings()))

st.subheader("Where to go next")
PLACES = [
    ("pages/explore.py", "Explore", ":material/explore:", "Any metric by any dimension, without SQL."),
    ("pages/workbench.py", "SQL workbench", ":material/code:", "Write and run SQL with linting and guard rails."),
    ("pages/library.py", "Saved queries", ":material/bookmarks:", "Curated answers the data team stands behind."),
    ("pages/funnels.py", "Funnels", ":material/filter_alt:", "Where users drop off, by segment, with statistics."),
    ("pages/paths.py", "Paths", ":material/route:", "Where people go next instead, step by step."),
    ("pages/cohorts.py", "Cohorts", ":material/grid_on:", "Retention and payback by signup cohort."),
    ("pages/experiments.py", "Experiments", ":material/science:", "Did a test move conversion or revenue?"),
    ("pages/impact.py", "Before/after", ":material/compare_arrows:", "Did a product change move a rate, beyond noise?"),
]
for row in (PLACES[:4], PLACES[4:]):
    for col, (path, label, icon, text) in zip(st.columns(4), row, strict=True):
        with col.container(border=True):  # a card: the link is its title, so it reads as one
            st.page_link(path, label=f"**{label}** →", icon=icon)
            caption_text(text)

st.subheader("What is in the warehouse")
if raw := [s for s in cat.schemas if s.lower() in {r.lower() for r in settings().model.raw_schemas}]:
    caption_text(
        f"{', '.join(raw)}: dumps of production tables, unstable (the workbench warns when a query reads them). "
        "The other schemas hold the tables to use."
    )
if settings().dbt_target is not None:
    from portal.dbt.artifacts import DbtError, load_project, short_time

    try:
        project = load_project(settings().dbt_target)
        caption_text(
            "Descriptions, tests and freshness from the data team's dbt project"
            + (f" (tests as of the run at {short_time(project.run_at)})" if project.run_at else "")
            + "."
        )
    except DbtError as err:
        warning_text(f"The dbt project's artifacts could not be read, so its descriptions are missing: {err}")
if not user.has_pii:
    st.caption("Personal data (emails, names, phones, addresses) is masked for your role.")
tabs = st.tabs([f"{s} ({sum(t.schema == s for t in cat.tables)} tables)" for s in cat.schemas])
for tab, schema in zip(tabs, cat.schemas, strict=True):
    with tab:
        frame = tables_frame(cat, schema)
        st.dataframe(
            frame,
            hide_index=True,
            column_config={
                "rows": st.column_config.NumberColumn("rows", format="localized"),
                "description": st.column_config.TextColumn(
                    "description", width="medium" if "freshness" in frame.columns else "large"
                ),
                "freshness": st.column_config.TextColumn("freshness", width="large"),
            },
            key=f"home_tables_{schema}",
        )
