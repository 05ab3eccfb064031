"""arXiv: the only code that speaks HTTP to arXiv's query API (`add` of a preprint by its id).

One request per lookup (`GET /query?id_list=ID`), through the shared HTTP policy; arXiv asks for no
more than one request every three seconds, which `add`, a handful of ids at a time, keeps by pacing.
The answer is an Atom feed (`convert/arxiv.py` reads it); an id arXiv does not have is a feed with no
entry, not an error.
"""
from __future__ import annotations

from typing import Callable

import httpx2

from pipeline.sources import http

INTERVAL = 3.0        # seconds between requests, as arXiv's terms of use ask
USER_AGENT = "awesome-ml-reliability-pipeline (+https://github.com/; add)"


class ArxivError(http.SourceError):
    """arXiv could not answer; the message is one line."""


class ArxivClient(http.Client):
    def __init__(self, base_url: str, *, policy: http.RetryPolicy | None = None, interval: float = INTERVAL,
                 on_wait: Callable[[float, str], None] | None = None):
        self.policy = policy or http.RetryPolicy(attempts=4, base=3.0, cap=30.0, timeout=20.0)
        limiter = http.FixedRate(interval, clock=self.policy.clock, sleep=self.policy.sleep)
        self.http = http.make_client(base_url.rstrip("/"), policy=self.policy, name="arXiv", limiter=limiter,
                                     on_wait=on_wait, headers={"User-Agent": USER_AGENT})

    def feed(self, arxiv_id: str) -> str:
        """The Atom feed answering `id_list=arxiv_id` (raises ArxivError when arXiv could not answer)."""
        try:
            response = self.http.get("/query", params={"id_list": arxiv_id, "max_results": 1})
        except http.SourceUnavailable as exc:
            raise ArxivError(str(exc)) from None
        except httpx2.HTTPError as exc:
            raise ArxivError(f"arXiv request failed ({type(exc).__name__})") from None
        if response.status_code not in (200, 400):     # arXiv answers a malformed id with a 400 feed
            raise ArxivError(f"arXiv answered HTTP {response.status_code} for {arxiv_id}")
        return response.text
