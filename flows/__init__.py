"""The layer above the library: Prefect flows and what starts them.

``flows.sweep`` and ``flows.aggregate`` (Prefect flows, thin orchestration over ``pipeline``),
``flows.clusters`` (the Dask cluster backends a config chooses by ``kind``), ``flows.schema``
(the JSON schema of a sweep config) and ``flows.cli`` (the ``energy-sweep`` command line).
``pipeline`` never imports this package; importing it sets nothing and imports no Prefect.
"""
