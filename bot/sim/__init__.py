"""The local Bot API emulator and the demo; product code never imports it."""
