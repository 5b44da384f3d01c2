"""Thin Telegram handlers: parse an update, call one use case, render a translated reply."""
