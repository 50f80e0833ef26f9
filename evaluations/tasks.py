"""Evaluations have no task of their own: their time-driven steps (baseline measures, exit and
6-month openings, expiry) run in `relances.tasks.plan_relances`, and their e-mails are reminders."""
