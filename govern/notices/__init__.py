"""Notices (公告/通知) with read receipts, acknowledgements (我已阅读) and reminders."""
