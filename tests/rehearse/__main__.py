"""`python -m tests.rehearse` (what `make rehearse` runs): see driver.py and docs/rehearsal.md."""

from tests.rehearse.driver import main

raise SystemExit(main())
