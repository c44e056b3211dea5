"""Scheduling: cron expressions and the ticking loop (APScheduler), business days (exchange calendars)."""
