"""briefing-bot: briefing cards and a dated fact store from Polish news articles."""
