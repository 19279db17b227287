"""`python -m orchestration.cli`: the `leia` command."""

import sys

from orchestration.cli import main

sys.exit(main())
