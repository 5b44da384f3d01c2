"""What runs the bot: the application, settings, clock, translations, delivery."""
