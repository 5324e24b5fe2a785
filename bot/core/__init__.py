"""The platform-neutral core: content, dates, facts, stores, cards and commands.

Nothing in this package imports telegram, discord or apscheduler.
"""
