"""Streamlit glue shared by app.py and app_pages/: session state, query parameters and the cached
wrappers around ``core``. Everything that needs ``import streamlit`` outside the pages lives here,
so ``core`` stays a plain library."""
