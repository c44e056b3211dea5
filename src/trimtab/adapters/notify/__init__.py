"""Notification channels: email over SMTP, Slack-compatible webhooks and the Telegram Bot API."""
