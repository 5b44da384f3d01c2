"""Files the bot writes and reads: the report, spreadsheets, charts."""
