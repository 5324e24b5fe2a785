"""Cards and the commands that build them: the command table and its argument kinds, the
replies, paging, and the ``Briefing`` service that loads content, store and knowledge. Imports
every package above it, never a platform.
"""
