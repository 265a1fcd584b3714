"""Use cases, grouped by the area of the pages that call them (plans, tasks, stages, committee, partners,
indicators, accounts), with what the areas share at the top (access rules, the unit of work, paging, the
journal, definitions). Each public function does its use case's work and flushes; the edge that called it
(view, API resource, CLI command) is one unit of work, committed or rolled back by ``unit_of_work``."""
