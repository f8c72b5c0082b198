"""``python -m tui.cli``: the ``ipt`` command."""

from tui.cli.commands import main

raise SystemExit(main())
