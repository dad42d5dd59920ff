"""``python -m neuronboundary`` runs the command line."""

import sys

from neuronboundary.cli import main

sys.exit(main())
