"""The periodic pass (the tick) and the APScheduler wiring that runs it."""
