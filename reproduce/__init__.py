"""The repository's reproduction of the article, beside the library and not shipped with it.

Run from the repository root (the nox sessions do)::

    python -m reproduce figures [--only NAME ...] [-p NAME VALUE ...] [--no-png]
    python -m reproduce regression [--update]

- ``figures.py``: run the figure notebooks (``notebooks/``) through papermill and write each
  figure with :mod:`neuronboundary.export`;
- ``regression.py``: compare freshly made figures with ``tests/baselines/``;
- ``cli.py``: the two commands above;
- ``browser_setup.py``: find Chrome/Chromium for the nox sessions, or install Debian's
  ``chromium`` as root. It imports neither nox nor the library, because ``noxfile.py`` loads it
  in nox's own interpreter, where neither is installed; keep this file free of imports too.

The library (``neuronboundary``) never imports this package.
"""
