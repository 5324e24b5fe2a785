"""Chat platforms: one folder each (adapter, renderer, limits, HTTP transport) and what they
share (the member quota). They translate updates into core requests and cards into messages;
they hold no business logic, and no platform imports another.
"""
