"""Pure domain rules with no I/O: identifiers, calendars, BAT comparisons, risk rules."""
