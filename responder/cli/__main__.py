"""`python -m responder.cli`: the same as the `tiexin` command."""

import sys

from responder.cli import main

sys.exit(main())
