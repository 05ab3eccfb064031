"""Clients for the outside services, one module per service: the only code that speaks HTTP.

Each module turns its service's protocol and failures into plain Python data and one error hierarchy,
so the stages above never see a status code, a header or a library-specific exception.
"""
