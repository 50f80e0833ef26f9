"""Evaluations have no task of their own: their time-driven steps (baseline measures, exit,
6-month and end-of-programme openings, expiry) run in `relances.tasks.plan_relances`, and their e-mails are reminders."""
