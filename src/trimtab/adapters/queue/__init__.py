"""Runs on a task queue: Celery on RabbitMQ (the `queue` extra; docs/scale.md)."""
