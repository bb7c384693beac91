"""A hardened YAML loader for files written by strangers.

Submissions arrive in pull requests and ``publiccode.yml`` files are fetched from any repository,
so the loader must fail fast, with a located message and bounded memory, on anything hostile.
It reads PyYAML's *event* stream (libyaml's C parser when available) and builds plain Python data
itself instead of calling a constructor, so that:

- no tag ever constructs an object: only the core tags (``!!str``, ``!!int``, ``!!float``,
  ``!!bool``, ``!!null``, ``!!seq``, ``!!map``) are accepted;
- anchors and aliases are refused outright, which stops "billion laughs" before any expansion;
- nesting depth, list length, mapping size and string length are capped while parsing;
- duplicate keys and several documents in one file are errors, not silent overwrites;
- plain scalars follow the YAML 1.2 core schema (``true``/``false`` only), so ``no`` (Norwegian)
  and ``2017-04-15`` stay text, as publiccode.yml asks (it is "a YAML 1.2 document");
- every key and value gets its 1-based line and column, keyed by a field path such as
  ``adopters[0].website``.

The file size is checked with ``fstat`` before anything is read, and never more than the limit
plus one byte is read (``/dev/zero`` or a growing file cannot exhaust memory).
"""

from __future__ import annotations

import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from registry.errors import SubmissionError

try:  # libyaml: faster, and its parser never builds a tree we do not ask for
    from yaml import CSafeLoader as _BaseLoader

    _C_PARSER = True
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _BaseLoader

    _C_PARSER = False

MAX_BYTES = 256 * 1024
MAX_DEPTH = 20
MAX_SCALAR_CHARS = 20_000
MAX_ITEMS = 1_000  # keys of one mapping
# Items of one list. Real publiccode.yml files list many adopters (GlobaLeaks' ``usedBy`` has
# about 1,200 entries); memory stays bounded by MAX_BYTES whatever this is.
MAX_LIST_ITEMS = 10_000
MAX_NUMBER_CHARS = 100

FILE_FIELD = "(file)"

Location = tuple[int, int]

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null")}
_SEQ_TAGS = {None, "!", f"{_CORE}seq"}
_MAP_TAGS = {None, "!", f"{_CORE}map"}

# YAML 1.2 core schema, https://yaml.org/spec/1.2.2/#1023-core-schema
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class _Loader(_BaseLoader):
    """Only the parser (scanner + parser, event API) of this loader is used; never its constructor."""


class _PythonLoader(yaml.SafeLoader):
    """PyYAML's pure-Python parser, for files that libyaml refuses on its own nesting limit."""


class _LibyamlTooDeep(Exception):
    pass


@dataclass
class Document:
    """A parsed YAML file: plain data and where each piece of it was written.

    :param data: the top-level mapping, made of ``dict``, ``list``, ``str``, ``int``, ``float``,
        ``bool`` and ``None`` only; keys are always strings
    :param locations: field path → (line, column) of the value (for a list item, of the item)
    :param key_locations: field path → (line, column) of the key, for mapping entries
    :param source: the path or URL used in error messages
    """

    data: dict[str, Any]
    locations: dict[str, Location] = field(default_factory=dict)
    key_locations: dict[str, Location] = field(default_factory=dict)
    source: str = ""

    def locate(self, path: str, key: bool = False) -> Location:
        """The position of ``path``, or of its closest written ancestor.

        :param path: a field path such as ``organisation.country`` or ``sectors[1]``
        :param key: prefer the position of the key (for "unknown field") over the value's
        """
        while True:
            if key and path in self.key_locations:
                return self.key_locations[path]
            if path in self.locations:
                return self.locations[path]
            if not path:
                return (1, 1)
            path = parent_path(path)


def parent_path(path: str) -> str:
    """``adopters[0].website`` → ``adopters[0]`` → ``adopters`` → ``""``."""
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def printable(text: str) -> str:
    """``text`` with each character that is not printable escaped (``\\u202e``, ``\\n``).

    Field paths are made of keys written by strangers, and file names can hold anything: each
    error must stay on one line, and must not reorder or recolour a terminal or a CI log.

    :param text: a field path or a file name
    """
    if text.isprintable():
        return text
    return "".join(
        character if character.isprintable()
        else character.encode("unicode_escape", "backslashreplace").decode("ascii")
        for character in text
    )


def join_path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def read_limited(path: str | Path, max_bytes: int = MAX_BYTES, display: str | None = None) -> bytes:
    """Read a regular file of at most ``max_bytes`` bytes, checking its size before reading it.

    :param path: the file
    :param max_bytes: the size limit
    :param display: the name used in error messages (default: ``path``)
    :raises SubmissionError: missing, not a regular file, a symbolic link, or too large
    """
    shown = display or str(path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise SubmissionError(shown, 1, 1, FILE_FIELD, "file not found") from None
    except OSError as error:
        if Path(path).is_symlink():
            message = "symbolic links are not accepted; put the file itself here"
        elif Path(path).is_dir():
            message = "is a directory, not a YAML file"
        else:
            message = f"cannot be read ({error.strerror})"
        raise SubmissionError(shown, 1, 1, FILE_FIELD, message) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionError(shown, 1, 1, FILE_FIELD, "not a regular file")
        if info.st_size > max_bytes:
            raise SubmissionError(shown, 1, 1, FILE_FIELD, _too_large(info.st_size, max_bytes))
        try:
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(max_bytes + 1)
        except OSError as error:  # an unreadable disk block, /proc/self/mem...
            raise SubmissionError(shown, 1, 1, FILE_FIELD, f"cannot be read ({error.strerror or error})") from None
        if len(data) > max_bytes:  # the file grew after fstat
            raise SubmissionError(shown, 1, 1, FILE_FIELD, _too_large(len(data), max_bytes))
        return data
    finally:
        os.close(fd)


def _too_large(size: int, max_bytes: int) -> str:
    return f"file is too large ({size} bytes; the limit is {max_bytes} bytes)"


# The line breaks of YAML 1.1, which both parsers count (https://yaml.org/spec/1.1/#id868927):
# CR LF, LF, a lone CR, NEL, LS and PS.
_BREAK_RE = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _line_column(before: str) -> Location:
    """The 1-based line and column just after ``before``, counting lines as the parser does."""
    line, start = 1, 0
    for found in _BREAK_RE.finditer(before):
        line, start = line + 1, found.end()
    return line, len(before) - start + 1


def decode_utf8(data: bytes, source: str) -> str:
    """Decode UTF-8 (a leading byte-order mark is allowed), locating the first bad byte.

    :param data: the raw bytes
    :param source: the name used in error messages
    :raises SubmissionError: at the line and column of the first byte that is not UTF-8
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _line_column(data[: error.start].decode("utf-8", errors="replace"))
        bad = data[error.start]
        if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
            raise SubmissionError(
                source, 1, 1, FILE_FIELD, "the file is UTF-32; save it with the UTF-8 encoding",
            ) from None
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise SubmissionError(
                source, 1, 1, FILE_FIELD, "the file is UTF-16; save it with the UTF-8 encoding",
            ) from None
        raise SubmissionError(
            source, line, column, FILE_FIELD,
            f"not valid UTF-8 (byte 0x{bad:02x}{_legacy_hint(bad)}); save the file with the UTF-8 encoding",
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _legacy_hint(byte: int) -> str:
    """``", which is 'é' in Windows-1252"``: what an editor that is not UTF-8 meant by ``byte``."""
    try:
        character = bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return ""
    if byte < 0x80 or not character.isprintable() or character.isspace():
        return ""
    return f", which is {character!r} in Windows-1252 or Latin-1"


def load_path(path: str | Path, display: str | None = None, max_bytes: int = MAX_BYTES) -> Document:
    """Read, decode and parse one YAML file whose top level must be a mapping.

    :param path: the file
    :param display: the name used in error messages (default: ``path``)
    :param max_bytes: the size limit, checked before reading
    :raises SubmissionError: for any problem, located
    """
    shown = display or str(path)
    return load_text(read_limited(path, max_bytes, shown), shown, max_bytes)


def load_text(text: str | bytes, source: str, max_bytes: int = MAX_BYTES) -> Document:
    """Parse YAML text (or UTF-8 bytes) whose top level must be a mapping.

    :param text: the YAML document
    :param source: the path or URL used in error messages
    :param max_bytes: the size limit
    :raises SubmissionError: for any problem, located
    """
    if isinstance(text, (bytes, bytearray)):
        if len(text) > max_bytes:
            raise SubmissionError(source, 1, 1, FILE_FIELD, _too_large(len(text), max_bytes))
        text = decode_utf8(bytes(text), source)
    else:
        if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
            size = len(text.encode("utf-8", "surrogatepass"))
            raise SubmissionError(source, 1, 1, FILE_FIELD, _too_large(size, max_bytes))
        if text.startswith("\ufeff"):
            text = text[1:]
    _check_characters(text, source)
    return _Builder(text, source).build()


# YAML's printable set (https://yaml.org/spec/1.2.2/#51-character-set), checked here so the
# position is ours (libyaml reports a byte offset) and the message names the character.
_FORBIDDEN_RE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _check_characters(text: str, source: str) -> None:
    match = _FORBIDDEN_RE.search(text)
    if match is None:
        return
    line, column = _line_column(text[: match.start()])
    raise SubmissionError(
        source, line, column, FILE_FIELD,
        f"control character {match.group()!r} is not allowed in YAML",
    )


class _Refused(Exception):
    def __init__(self, mark: Any, path: str, message: str):
        self.mark = mark
        self.path = path
        self.message = message


class _Builder:
    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source
        self.locations: dict[str, Location] = {}
        self.key_locations: dict[str, Location] = {}
        self._lines: list[str] | None = None
        self._byte_offsets = _C_PARSER

    def build(self) -> Document:
        try:
            return self._parse(_Loader)
        except _LibyamlTooDeep:
            # libyaml (PyYAML 6.0.4's wheels) scans a flow collection ahead and stops at its own
            # limit of 1,000 levels before emitting an event; PyYAML's own parser reaches our
            # MAX_DEPTH check, which names the field. The file is at most MAX_BYTES long.
            self.locations.clear()
            self.key_locations.clear()
            return self._parse(_PythonLoader)

    def _parse(self, loader_class: type) -> Document:
        loader = loader_class(self.text)
        self._byte_offsets = _C_PARSER and loader_class is _Loader
        try:
            return self._document(loader)
        except _Refused as refused:
            line, column = _position(refused.mark)
            raise SubmissionError(self.source, line, column, printable(refused.path), refused.message) from None
        except yaml.MarkedYAMLError as error:
            if loader_class is not _PythonLoader and error.problem == "exceeded maximum nesting depth":
                raise _LibyamlTooDeep from None
            raise self._yaml_error(error) from None
        except yaml.reader.ReaderError as error:
            line, column = self._offset_position(error.position)
            raise SubmissionError(self.source, line, column, FILE_FIELD, f"invalid YAML: {error.reason}") from None
        except yaml.YAMLError as error:
            raise SubmissionError(self.source, 1, 1, FILE_FIELD, f"invalid YAML: {error}") from None
        except RecursionError:  # belt and braces: MAX_DEPTH stops far earlier
            raise SubmissionError(self.source, 1, 1, FILE_FIELD, "too deeply nested") from None
        finally:
            loader.dispose()

    def _document(self, loader: _Loader) -> Document:
        loader.get_event()  # StreamStartEvent
        event = loader.get_event()
        if isinstance(event, yaml.StreamEndEvent):
            raise _Refused(None, FILE_FIELD, _EMPTY)
        document_start = event.start_mark
        first = loader.peek_event()
        data = self._node(loader, "", 0)
        loader.get_event()  # DocumentEndEvent
        event = loader.get_event()
        if isinstance(event, yaml.DocumentStartEvent):
            raise _Refused(
                event.start_mark, FILE_FIELD,
                "several YAML documents in one file; keep a single document (remove the '---' line)",
            )
        if data is None:
            raise _Refused(document_start, FILE_FIELD, _EMPTY)
        if not isinstance(data, dict):
            raise _Refused(
                first.start_mark, FILE_FIELD,
                f"expected a mapping of fields (name: ...) at the top level, got {describe(data)}",
            )
        return Document(data, self.locations, self.key_locations, self.source)

    def _node(self, loader: _Loader, path: str, depth: int) -> Any:
        event = loader.get_event()
        shown = path or FILE_FIELD
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(event.start_mark, shown, "anchors and aliases (& and *) are not allowed")
        self.locations[path] = self._value_position(event)
        if isinstance(event, yaml.ScalarEvent):
            return self._scalar(event, shown)
        if depth >= MAX_DEPTH:
            raise _Refused(event.start_mark, shown, f"too deeply nested (the limit is {MAX_DEPTH} levels)")
        if isinstance(event, yaml.SequenceStartEvent):
            if event.tag not in _SEQ_TAGS:
                raise _Refused(event.start_mark, shown, _tag_message(event.tag))
            items: list[Any] = []
            while not loader.check_event(yaml.SequenceEndEvent):
                if len(items) >= MAX_LIST_ITEMS:
                    raise _Refused(
                        loader.peek_event().start_mark, shown,
                        f"too many items (the limit is {MAX_LIST_ITEMS})",
                    )
                items.append(self._node(loader, join_path(path, len(items)), depth + 1))
            loader.get_event()
            return items
        if isinstance(event, yaml.MappingStartEvent):
            if event.tag not in _MAP_TAGS:
                raise _Refused(event.start_mark, shown, _tag_message(event.tag))
            mapping: dict[str, Any] = {}
            while not loader.check_event(yaml.MappingEndEvent):
                key_event = loader.get_event()
                if len(mapping) >= MAX_ITEMS:
                    raise _Refused(key_event.start_mark, shown, f"too many keys (the limit is {MAX_ITEMS})")
                key = self._key(key_event, shown)
                child = join_path(path, key)
                if key in mapping:
                    first_line = self.key_locations[child][0]
                    raise _Refused(
                        key_event.start_mark, child,
                        f"duplicate key {key!r} (first written on line {first_line})",
                    )
                self.key_locations[child] = _position(key_event.start_mark)
                mapping[key] = self._node(loader, child, depth + 1)
            loader.get_event()
            return mapping
        raise _Refused(event.start_mark, shown, f"unexpected YAML event {type(event).__name__}")  # pragma: no cover

    def _key(self, event: Any, shown: str) -> str:
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(event.start_mark, shown, "anchors and aliases (& and *) are not allowed")
        if not isinstance(event, yaml.ScalarEvent):
            raise _Refused(event.start_mark, shown, "keys must be plain text, not lists or mappings")
        if event.tag not in (None, "!", f"{_CORE}str"):
            raise _Refused(event.start_mark, shown, _tag_message(event.tag))
        if len(event.value) > 200:
            raise _Refused(event.start_mark, shown, "key is too long (the limit is 200 characters)")
        if not event.value.strip():
            raise _Refused(event.start_mark, shown, "a key must not be empty; write the field's name before the ':'")
        # Keys stay text as written: ``no:`` (Norwegian) or ``1:`` are not booleans or numbers.
        return event.value

    def _scalar(self, event: Any, shown: str) -> Any:
        value = event.value
        if len(value) > MAX_SCALAR_CHARS:
            raise _Refused(
                event.start_mark, shown,
                f"value is too long ({len(value)} characters; the limit is {MAX_SCALAR_CHARS})",
            )
        if event.style == '"':
            # Double-quoted escapes ("\0", "\e", "\x1b") make characters the file itself may not
            # hold; they are refused the same way.
            forbidden = _FORBIDDEN_RE.search(value)
            if forbidden:
                raise _Refused(
                    event.start_mark, shown,
                    f"control character {forbidden.group()!r} is not allowed (written as an escape)",
                )
        tag = event.tag
        if tag is None:
            if event.implicit[0]:  # plain (unquoted) scalar
                return _resolve_plain(value)
            return value
        if tag == "!" or tag == f"{_CORE}str":
            return value
        if tag not in _SCALAR_TAGS:
            raise _Refused(event.start_mark, shown, _tag_message(tag))
        resolved = _resolve_plain(value)
        expected = {"int": int, "float": (float, int), "bool": bool, "null": type(None)}[tag[len(_CORE):]]
        if not isinstance(resolved, expected) or (expected is int and isinstance(resolved, bool)):
            raise _Refused(event.start_mark, shown, f"{value!r} is not a valid {tag.replace(_CORE, '!!')}")
        return float(resolved) if tag.endswith("float") else resolved

    def _yaml_error(self, error: yaml.MarkedYAMLError) -> SubmissionError:
        mark = error.problem_mark or error.context_mark
        line, column = _position(mark)
        problem = error.problem or "syntax error"
        message = f"invalid YAML: {problem}"
        if error.context and error.context_mark is not None:
            context_line, context_column = _position(error.context_mark)
            message += f" ({error.context} at line {context_line}, column {context_column})"
        if "'\\t'" in problem or self._char_at(mark) == "\t":
            message += "; indent with spaces, not tabs"
        elif "mapping values are not allowed" in problem:
            message += "; put text that contains ': ' in quotes"
        return SubmissionError(self.source, line, column, FILE_FIELD, message)

    def _value_position(self, event: Any) -> Location:
        """Where a value is, or for an empty one (``name:``, ``{en: }``), just after its ``:``.

        The two parsers disagree on an empty value in a flow mapping: PyYAML puts it just after
        the ``:``, libyaml on the next token (``}``). Both put a block one just after the ``:``,
        so that is where we point, whichever parser runs.
        """
        mark = event.start_mark
        line, column = _position(mark)
        if not (isinstance(event, yaml.ScalarEvent) and event.value == "" and event.implicit[0]):
            return line, column
        text = self._line(mark.line)
        index = min(mark.column, len(text))
        while index > 0 and text[index - 1] in " \t":
            index -= 1
        if index < mark.column and index > 0 and text[index - 1] == ":":
            return line, index + 1
        return line, column

    def _line(self, number: int) -> str:
        """Line ``number`` (0-based), split on the line breaks YAML knows."""
        if self._lines is None:
            # str.splitlines also splits on \x0b, \x0c and \x1c-\x1e, which _check_characters
            # has already refused, so its lines are YAML's (\n, \r\n, \r, \x85, \u2028, \u2029).
            self._lines = self.text.splitlines()
        return self._lines[number] if 0 <= number < len(self._lines) else ""

    def _char_at(self, mark: Any) -> str:
        if mark is None:
            return ""
        text = self._line(mark.line)
        return text[mark.column] if mark.column < len(text) else ""

    def _offset_position(self, offset: int) -> Location:
        if self._byte_offsets:  # libyaml reports a byte offset into the UTF-8 text
            encoded = self.text.encode("utf-8", "surrogatepass")[:offset]
            before = encoded.decode("utf-8", errors="replace")
        else:
            before = self.text[:offset]
        return _line_column(before)


_EMPTY = "the file is empty; a submission is a YAML mapping such as 'name: ...', 'repository: ...', 'sectors: [...]'"


def _tag_message(tag: str | None) -> str:
    shown = str(tag).replace(_CORE, "!!")
    return f"the tag {shown!r} is not allowed; write plain values without '!' tags"


def _position(mark: Any) -> Location:
    if mark is None:
        return (1, 1)
    return (mark.line + 1, mark.column + 1)


def _resolve_plain(value: str) -> Any:
    if _NULL_RE.match(value):
        return None
    if _BOOL_RE.match(value):
        return value.lower() == "true"
    if len(value) <= MAX_NUMBER_CHARS:
        if _INT_RE.match(value):
            if value.startswith("0o"):
                return int(value[2:], 8)
            if value.startswith("0x"):
                return int(value[2:], 16)
            return int(value)
        if _FLOAT_RE.match(value):
            lowered = value.lower()
            if lowered.endswith("nan"):
                return math.nan
            if lowered.endswith("inf"):
                return -math.inf if lowered.startswith("-") else math.inf
            return float(value)
    return value


def describe(value: Any) -> str:
    """A short English name for the type of a value: "a string", "a list", "nothing"…"""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return "a boolean (true/false)"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"  # pragma: no cover
