"""The ``ipt`` command line: the headless commands, and the Rich views they share with the tracker.

- :mod:`tui.cli.commands` — the parser and the commands (``ipt`` with no command opens the tracker);
- :mod:`tui.cli.common` — what every command shares: the store, dates, who is acting, output;
- :mod:`tui.cli.edits`, :mod:`tui.cli.reviews`, :mod:`tui.cli.board` — groups of commands;
- :mod:`tui.cli.summary_view`, :mod:`tui.cli.comparison_view` — Rich views the tracker draws too.

Nothing is imported here, so a tracker screen drawing one of the views loads no command.
"""
