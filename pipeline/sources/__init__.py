"""Clients for the outside services, one module per service: the only code that speaks HTTP.

Each module turns its service's protocol and failures into plain Python data and one error hierarchy,
so the stages above never see a status code, a header or a library-specific exception.
"""


class SourceError(Exception):
    """A source could not answer. The message is one line and names the source.

    Defined here, not in `http`, so that the stages (`pipeline.stages.source_errors`, the one place a
    source's error becomes a stop) can name it without loading the HTTP machinery."""
