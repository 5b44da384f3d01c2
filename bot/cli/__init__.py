"""The `mentorbot` command line."""
