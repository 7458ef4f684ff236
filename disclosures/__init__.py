"""Platform Disclosures: the library that validates, builds and releases the dataset.

One module per job (see the README's "The code" section). The library never prints or exits:
it returns values and raises the exceptions its docstrings name. ``scripts/cli.py`` is the
command line over it, and the site (``plugins/``) never imports it.
"""
