"""Telegram through python-telegram-bot: the adapter, its HTML renderer, flood limits and its
aiohttp transport.
"""
