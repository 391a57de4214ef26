"""Browser journeys (Playwright with Debian's Chromium)."""
