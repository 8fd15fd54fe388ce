"""`python -m audit [STORE_URL]`: the same as `python -m audit.verify`."""

import sys

from audit.verify import main

sys.exit(main())
