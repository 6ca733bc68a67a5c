"""bidgeo: the domain library of a geospatial planning tool for Swedish "Levande orter" /
Service-BID processes. It never imports streamlit; the pages in ``app_pages/`` call into it."""

__version__ = "0.1.0"
