"""Reading lyrics from text files and checking lyrics strings.

Lyrics arrive as ``<name>.txt`` files beside audio, as a ``lyrics_path`` column in a manifest, or as a
``lyrics`` column holding the text itself. Whatever the source, the text that reaches the features is
checked the same way: decoded, newlines normalised to ``\\n``, a byte-order mark stripped, outer whitespace
stripped, and rejected when it is empty, binary, or holds no word at all.

Every function here returns a problem string instead of raising, because one bad lyrics file must not stop
a dataset from loading: the caller records the problem against the track (adding the file name) and treats
the track as having no lyrics. Problem strings are short and specific, e.g. ``"empty lyrics file"``.

Decoding order for files:

1. a byte-order mark decides: UTF-8 (``EF BB BF``), UTF-32 LE/BE, UTF-16 LE (``FF FE``) / BE (``FE FF``);
2. without a mark, UTF-16 without a BOM is recognised when every other byte is NUL (ASCII text in UTF-16);
3. otherwise any NUL byte means binary data;
4. strict UTF-8, then cp1252 (Windows "ANSI"), then Latin-1, which accepts every byte, so the last word
   belongs to the printable-character check below.
"""

from __future__ import annotations

import os
import unicodedata

__all__ = ["read_lyrics_file", "normalise_lyrics", "check_lyrics_text", "lyrics_advice", "decode_text",
           "MAX_LYRICS_BYTES"]

#: Files larger than this are not lyrics (a long song is 5-20 kB); they are refused unread.
MAX_LYRICS_BYTES = 1_000_000

#: A text whose share of control/unprintable characters exceeds this is treated as binary data.
_MAX_BAD_CHAR_SHARE = 0.02

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

BINARY = "binary data, not text lyrics"
EMPTY = "empty lyrics file"
NOT_A_FILE = "not a regular file (a named pipe or a device)"
NO_WORDS = "no words in lyrics (only punctuation or symbols)"


def lyrics_advice(problem: str) -> str:
    """What a person can do about a lyrics problem string returned by this module.

    Parameters
    ----------
    problem : str
        A reason from :func:`read_lyrics_file` or :func:`check_lyrics_text`.

    Returns
    -------
    str
        A short instruction, e.g. ``"save the lyrics as plain text (UTF-8)"``.
    """
    if problem == BINARY or problem.startswith("not valid ") or problem.startswith("lyrics must be text"):
        return "save the lyrics as plain text (UTF-8)"
    if problem in (EMPTY, NO_WORDS):
        return "add the words, or delete the file if the track is an instrumental"
    if problem == "permission denied":
        return "make the file readable, e.g. chmod a+r"
    if problem.startswith("file too large"):
        return "this does not look like a lyrics file; keep only the words"
    if problem == "file not found":
        return "fix the path"
    if problem == NOT_A_FILE:
        return "point it at a text file"
    return "check the file"


def _is_bad_char(ch: str) -> bool:
    """True for characters that do not occur in text lyrics: controls (other than tab and newline),
    unassigned, private-use and surrogate code points, and U+FFFD (a decoding failure upstream)."""
    if ch in "\n\t":
        return False
    if ch == "\ufffd":
        return True
    return unicodedata.category(ch) in ("Cc", "Cn", "Co", "Cs")


def check_lyrics_text(text: str | None) -> tuple[str | None, str | None]:
    """Check and normalise a decoded lyrics string.

    Parameters
    ----------
    text : str or None
        Decoded text, e.g. a manifest's ``lyrics`` cell. ``None`` (or a float NaN from a pandas
        column) means no lyrics.

    Returns
    -------
    text : str or None
        The lyrics with newlines normalised to ``\\n``, a leading byte-order mark removed and outer
        whitespace stripped; ``None`` when unusable.
    problem : str or None
        ``None`` when ``text`` is usable, ``None`` too when the input itself was ``None`` (no lyrics is
        not a problem), otherwise why the text was rejected: ``"empty lyrics file"``,
        ``"binary data, not text lyrics"`` or ``"no words in lyrics (only punctuation or symbols)"``.
    """
    if text is None or (isinstance(text, float) and text != text):  # None or NaN
        return None, None
    if not isinstance(text, str):
        return None, f"lyrics must be text, got {type(text).__name__}"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.lstrip("\ufeff")
    text = text.strip()
    if not text:
        return None, EMPTY
    if "\x00" in text:
        return None, BINARY
    bad = sum(1 for ch in text if _is_bad_char(ch))
    if bad / len(text) > _MAX_BAD_CHAR_SHARE:
        return None, BINARY
    if not any(ch.isalnum() for ch in text):
        return None, NO_WORDS
    return text, None


def normalise_lyrics(text: str | None) -> str | None:
    """Return usable lyrics from an in-memory string, or ``None``.

    Same checks as :func:`read_lyrics_file` (see :func:`check_lyrics_text`, which also returns the
    reason): newlines normalised to ``\\n``, BOM stripped, outer whitespace stripped; ``None`` for missing,
    empty, whitespace-only, binary-looking or word-less text.

    Parameters
    ----------
    text : str or None

    Returns
    -------
    str or None
    """
    return check_lyrics_text(text)[0]


def _looks_like_bomless_utf16(raw: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when ``raw`` looks like mostly-ASCII UTF-16 without a BOM."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    even, odd = raw[0::2], raw[1::2]
    half = len(raw) // 2
    if odd.count(0) >= 0.9 * half and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * half and odd.count(0) == 0:
        return "utf-16-be"
    return None


def decode_text(raw: bytes) -> tuple[str | None, str | None]:
    """Decode the bytes of a text file by the order in this module's docstring.

    Parameters
    ----------
    raw : bytes
        The whole file.

    Returns
    -------
    text : str or None
        The decoded text (byte-order mark removed for UTF-8; kept nowhere else), or None.
    problem : str or None
        None when decoded; otherwise :data:`BINARY` (NUL bytes that are not UTF-16) or
        ``"not valid <codec> despite its byte-order mark"``.
    """
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), None
            except UnicodeDecodeError:
                return None, f"not valid {codec.replace('-sig', '')} despite its byte-order mark"
    codec = _looks_like_bomless_utf16(raw)
    if codec:
        try:
            return raw.decode(codec), None
        except UnicodeDecodeError:
            return None, BINARY
    if b"\x00" in raw:
        return None, BINARY
    for codec in ("utf-8", "cp1252"):
        try:
            return raw.decode(codec), None
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1"), None


def read_lyrics_file(path) -> tuple[str | None, str | None]:
    """Read a lyrics text file.

    Parameters
    ----------
    path : str or os.PathLike
        The text file.

    Returns
    -------
    text : str or None
        The lyrics (see :func:`check_lyrics_text` for the normalisation), or ``None``.
    problem : str or None
        ``None`` when the file gave usable lyrics; otherwise a short reason without the file name, one
        of ``"file not found"``, ``"permission denied"``, ``"is a directory, not a file"``,
        ``"not a regular file (a named pipe or a device)"``,
        ``"cannot read file: <OS reason>"``, ``"file too large for lyrics (<n> bytes)"``,
        ``"empty lyrics file"``, ``"binary data, not text lyrics"``,
        ``"no words in lyrics (only punctuation or symbols)"``.

    Notes
    -----
    Decoding: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32) wins; then BOM-less UTF-16 of mostly ASCII
    text; then strict UTF-8, cp1252 and Latin-1 in that order. Text with NUL bytes or more than 2 % of
    control/unprintable characters is rejected as binary.
    """
    try:
        if os.path.exists(path) and not os.path.isdir(path) and not os.path.isfile(path):
            return None, NOT_A_FILE  # a named pipe or a device: open() would wait or read forever
        with open(path, "rb") as fh:
            raw = fh.read(MAX_LYRICS_BYTES + 1)
    except FileNotFoundError:
        return None, "file not found"
    except PermissionError:
        return None, "permission denied"
    except IsADirectoryError:
        return None, "is a directory, not a file"
    except OSError as exc:  # e.g. EIO, ENAMETOOLONG, a dangling mount
        return None, f"cannot read file: {exc.strerror or exc}"
    if len(raw) > MAX_LYRICS_BYTES:
        try:
            size = os.path.getsize(path)
        except OSError:
            size = len(raw)
        return None, f"file too large for lyrics ({size} bytes)"
    if not raw.strip():
        return None, EMPTY
    text, problem = decode_text(raw)
    if problem:
        return None, problem
    text, problem = check_lyrics_text(text)
    if text is None and problem is None:  # cannot happen for a decoded str; keep the contract explicit
        problem = EMPTY
    return text, problem
