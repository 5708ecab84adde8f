"""Chinese typesetting: numerals, dates and (later) spacing, punctuation, justification."""
