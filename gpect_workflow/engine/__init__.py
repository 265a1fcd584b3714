"""Pure rules of plans, stages and tasks: no Flask, no database, no clock of its own."""
