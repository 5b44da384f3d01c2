"""The offline demo (`mentorbot demo`, `make demo`): the real bot against the local Bot
API emulator, a simulated programme played over three months of accelerated time, and
a transcript of what everyone received.

- `scenario`: the people, their behaviour and what they do when (data).
- `people`: simulated participants answering what the bot sends them.
- `runner`: plays the scenario against the bot; `CLOSING_STEPS` run at the end.
- `transcript`: the recorded events and how they read.
"""
