"""Action plans: starting one (and the wizard that prepares it), opening, holding, resuming and cancelling
it, the plans list, the plan page, progress and burn-up."""
