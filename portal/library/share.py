"""Share links. A saved query travels as its id plus parameter values; unsaved SQL is compressed
into the URL. Opening either goes through the same engine guards as typing the query."""

from __future__ import annotations

import base64
import zlib
from urllib.parse import urlencode

from portal.workbench.params import to_url

MAX_SHARED_SQL = 100_000  # characters after decompression: a link is no way to smuggle a huge blob


class ShareError(ValueError):
    pass


def share_query(query_id: str, values: dict) -> str:
    """Query-string for a saved query: ?q=team/name&p_start=2026-01-01."""
    return "?" + urlencode({"q": query_id, **{f"p_{k}": to_url(v) for k, v in values.items() if v is not None}})


def share_sql(sql: str) -> str:
    packed = base64.urlsafe_b64encode(zlib.compress(sql.encode("utf-8"), 9)).decode().rstrip("=")
    return "?" + urlencode({"sql": packed})


def decode_sql(packed: str) -> str:
    """SQL from a share link; ShareError in plain words when the link is damaged or too big."""
    try:
        raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        d = zlib.decompressobj()
        data = d.decompress(raw, MAX_SHARED_SQL * 4 + 1)
        if d.unconsumed_tail or len(data) > MAX_SHARED_SQL * 4:
            raise ShareError("This shared query is too large to open from a link.")
        text = data.decode("utf-8")
    except ShareError:
        raise
    except (ValueError, zlib.error, UnicodeDecodeError):
        raise ShareError("This share link is damaged (the query in it cannot be read). Ask for a new link.") from None
    if len(text) > MAX_SHARED_SQL:
        raise ShareError("This shared query is too large to open from a link.")
    return text


def params_from_url(query_params: dict) -> dict[str, str]:
    return {k[2:]: v for k, v in query_params.items() if k.startswith("p_")}


def site_base(configured: str, browser_url: str | None) -> str:
    """The portal's address for links that leave the page: `[site] url` when set (what a proxy's
    users type), else the scheme, host and port the browser used."""
    if configured:
        return configured.rstrip("/")
    from urllib.parse import urlsplit

    parts = urlsplit(browser_url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def absolute(base: str, path: str) -> str:
    """`path` (with its query string) under `base`: a link someone can paste anywhere."""
    return base.rstrip("/") + "/" + path.lstrip("/")
