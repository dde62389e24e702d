"""Answers that leave the portal: a read-only HTTP API for curated saved queries and canonical
metrics, called with personal API tokens (`tokens`), answered through the same warehouse seam as
the workbench (`service`), mounted on the Streamlit server as Starlette routes (`routes`)."""
