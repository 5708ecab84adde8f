"""The one package that knows WeasyPrint's and pydyf's internals: hooks, page loop, rendering."""
