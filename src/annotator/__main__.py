"""``python -m annotator`` runs the command line (with no sub-command it starts the desktop app)."""

import sys

from annotator.cli import main

sys.exit(main())
