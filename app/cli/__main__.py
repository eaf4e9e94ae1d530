"""``python -m app.cli``: the same as the ``oncoregio`` command."""

import sys

from app.cli import main

sys.exit(main())
