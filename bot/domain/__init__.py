"""The pure core: data objects and rules, with no Telegram, no SQL and no clock of their own."""
