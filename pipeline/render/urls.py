"""Pure: which link values may reach an output that a reader will follow (.bib, CSL-JSON, CSV).

A Zotero URL field holds whatever someone typed or a translator scraped: `javascript:`, `data:`,
`file:///etc/passwd`, `vbscript:`, a scheme-relative `//host/x` that takes the reader's own scheme.
A bibliography manager, a CSL processor, a PDF built with hyperref or a spreadsheet turns these into
live links, so only absolute http(s) URLs with a host pass; anything else becomes "". The URL is
otherwise left as typed: each renderer escapes it for its own syntax.
"""
from __future__ import annotations

import functools
import re
import urllib.parse

SCHEMES = ("http", "https")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
# The common case, recognised without urlsplit: an http(s) URL whose host is a plain name (a port of at
# most four digits is always valid) and whose rest is printable ASCII without spaces.
_PLAIN_URL_RE = re.compile(r"(?i:https?)://[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.?(?::[0-9]{1,4})?(?:[/?#][!-~]*)?")


def safe_url(url: object) -> str:
    """`url` (trimmed) when it is an absolute http(s) URL with a host, else ""."""
    if not isinstance(url, str):
        return ""
    if _PLAIN_URL_RE.fullmatch(url):
        return url
    url = url.strip()
    # Control characters inside a URL are how `java\tscript:` and friends slip past scheme checks.
    if not url or _CONTROL_RE.search(url):
        return ""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port   # noqa: B018 - raises on a malformed port
    except ValueError:
        return ""
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        return ""
    return url


# Hosts whose pages a reader opens without a subscription: a curator's link there is already open, and
# the list adds no [PDF] beside it.
OPEN_HOSTS = ("arxiv.org", "openreview.net", "aclanthology.org", "proceedings.mlr.press", "papers.nips.cc",
              "proceedings.neurips.cc", "openaccess.thecvf.com", "www.usenix.org", "biorxiv.org", "medrxiv.org")


def is_open(url: str, oa_url: str = "") -> bool:
    """Whether `url` is an open copy: the open-access copy itself, or a page on an open host."""
    if not url:
        return False
    if oa_url and url.rstrip("/") == oa_url.rstrip("/"):
        return True
    host = _HOST_RE.match(url)
    return _open_host(host.group(1) if host else "")


_HOST_RE = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//(?:[^/?#]*@)?([^/?#:@\[\]]*)")   # urlsplit's hostname, quicker


@functools.lru_cache(maxsize=4096)      # a list links to a few hundred hosts, 10,000 times over
def _open_host(host: str) -> bool:
    host = host.lower()
    return any(host == h or host.endswith("." + h) for h in OPEN_HOSTS)


def open_copy(link: str, oa_url: str) -> str:
    """The open-access copy to show beside the curator's `link` ("" when the link is open already, or
    no open copy is known). It never replaces the link: it is shown after it."""
    oa = safe_url(oa_url)
    return oa if oa and not is_open(link, oa) else ""
