"""``python -m reproduce`` runs the command line (:func:`reproduce.cli.main`)."""

import sys

from reproduce.cli import main

sys.exit(main())
