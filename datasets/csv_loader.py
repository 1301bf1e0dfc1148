"""Delimited text tables (CSV, TSV, semicolon- or bar-separated), parsed by ``pyarrow.csv``.

What a file must look like (README "Data files" says it for users): UTF-8 text (a byte-order
mark is skipped), lines ending in LF, CRLF or a bare CR, fields separated by ``,`` ``;`` tab
or ``|`` (detected from the first lines, or given), quoted with ``"`` where needed (a quote
inside a quoted field doubled), a first line naming the columns, and numbers with a decimal
point. Blank lines and lines of spaces are skipped.

The reading goes in two stages. Arrow's C++ parser reads the whole input once, a range of
the text at a time, into typed columns. Only when it refuses something, or the table holds a value we
refuse, does a row-by-row scan with the csv module read the file again to say where: it
raises a DatasetError naming the line and column of the first problem. (A file that can be
read only once, a pipe, was kept in memory by :mod:`.source`.)
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import NoReturn

import numpy as np

from .dataset import Dataset, DatasetError
from .labels import MISSING_MARKERS, is_missing, is_unusable, show
from .source import MAX_INPUT_BYTES, Source, open_source
from .table import LabelTexts, TableOptions, assemble, check_column_names, target_column

#: The delimiters a file may use, and their names in messages.
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
#: Records of the file's start looked at to detect the delimiter.
_SAMPLE_RECORDS = 20
#: How pyarrow parses a float cell (and so what the scan accepts): a decimal number, or the
#: words NaN and inf, any case, signed, with spaces around.
_FLOAT = re.compile(r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|nan|inf|infinity)",
                    re.IGNORECASE | re.ASCII)
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+", re.ASCII)
_QUOTE, _LF, _CR = ord('"'), ord("\n"), ord("\r")
_LINE_END = re.compile(rb"\r\n|\r|\n")
#: Bytes of text Arrow parses at a time, as one block: small enough that the text and its
#: parse in flight are a fraction of the matrix, large enough that a range's overhead is not.
_RANGE_BYTES = 4 * 2**20
#: Block size of the streaming reader (quoting that departs from RFC 4180): the longest
#: record it can read.
_STREAM_BLOCK_BYTES = 16 * 2**20
#: Text parsed between two returns of Arrow's freed memory to the system.
_RELEASE_BYTES = 32 * 2**20
#: Ranges parsed at once: one per core.
_WORKERS = os.cpu_count() or 1


def load_csv(path: str | os.PathLike[str], target: str | None = None, **options) -> Dataset:
    """Read the delimited text file ``path``; ``options`` are TableOptions' other fields."""
    return read_text_table(os.fspath(path), TableOptions(target=target, **options))


def read_text_table(name: str, options: TableOptions) -> Dataset:
    """The Dataset in the text table ``name`` (see the module docstring); DatasetError names
    the file, and the line and column, of the first problem."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_INPUT_BYTES))  # no cell is too long
    source = open_source(name)
    lines = _head_lines(source)
    while not source.whole and not _first_record_whole(lines):  # a quoted line end in line 1
        source = source.with_head(2 * len(source.head))
        lines = _head_lines(source)
    if options.header and not lines[0].strip():
        raise DatasetError(f"{name}: line 1 is blank; it must be a header naming the columns")
    skipped = 0 if options.header else next(i for i, line in enumerate(lines) if line.strip())
    sample = lines[skipped : skipped + _SAMPLE_RECORDS + 1]
    delimiter = options.delimiter or _delimiter(name, sample)
    reader = csv.reader(sample, delimiter=delimiter)
    try:
        first = next(reader)
    except csv.Error as e:
        raise DatasetError(f"{name}: line {skipped + 1}: {e}") from None
    if options.header:
        names = _header(name, first)
        data_start = _offset_after_lines(source.head, reader.line_num)
        if source.whole and not any(line.strip() for line in lines[reader.line_num:]):
            raise DatasetError(f"{name}: has a header but no data rows")
    else:
        names = [f"col{j + 1}" for j in range(len(first))]
        check_column_names(name, names, "line 1")
        data_start = 0
    target_col = target_column(name, names, options.target)
    scan = _Scan(source, names, target_col, delimiter, options)
    X, labels = _parse(source, data_start, names, target_col, delimiter, scan)
    if X.shape[0] == 0:
        raise DatasetError(f"{name}: has a header but no data rows")
    dataset, _ = assemble(name, names, target_col, X, labels, options,
                          explain=lambda bad: scan.explain("a missing or infinite value"),
                          where_row=scan.where_row)
    return dataset


def _head_lines(source: Source) -> list[str]:
    """The file's first lines as text, each with its line end (the last one whole)."""
    head = source.head.removeprefix(codecs.BOM_UTF8)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.end < len(head) or source.whole:  # not merely a character cut at the head's end
            raise _not_utf8(source) from None
        text = head[: e.start].decode("utf-8")
    lines = io.StringIO(text, newline="").readlines()
    if not source.whole and len(lines) > 1:
        lines.pop()  # cut short by the head's end
    return lines


def _first_record_whole(lines: list[str]) -> bool:
    """Whether some line ends (with a line end, not the head's end) with an even number of
    quotes before it, ending the first record (quoting as RFC 4180 has it)."""
    quotes = 0
    for line in lines:
        quotes += line.count('"')
        if quotes % 2 == 0 and line.endswith(("\n", "\r")):
            return True
    return False


def _offset_after_lines(head: bytes, count: int) -> int:
    """The byte offset in ``head`` just past its first ``count`` lines (LF, CRLF or CR)."""
    ends = list(itertools.islice(_LINE_END.finditer(head), count))
    return ends[-1].end() if len(ends) == count else len(head)


def _delimiter(name: str, lines: list[str]) -> str:
    """The one delimiter that splits line 1 into several fields, or, when several do, the one
    giving every sampled line as many fields as line 1."""
    if name.lower().endswith((".tsv", ".tab")):
        return "\t"
    widths = {d: _widths(lines, d) for d in DELIMITERS}
    candidates = [d for d, w in widths.items() if w and w[0] >= 2]
    if not candidates:
        raise DatasetError(
            f"{name}: line 1: found one column ({show(lines[0].strip())}); need feature columns "
            "and a label column, separated by commas (or ; tab |)"
        )
    if len(candidates) > 1:
        fitting = [d for d in candidates if len(set(widths[d])) == 1]
        if len(fitting) != 1:
            named = " and ".join(DELIMITERS[d] for d in (fitting or candidates))
            raise DatasetError(f"{name}: cannot tell the delimiter ({named} each split the first "
                               "lines evenly); pass --delimiter")
        return fitting[0]
    return candidates[0]


def _widths(lines: list[str], delimiter: str) -> list[int]:
    """Fields per non-blank record, or none when the csv module refuses the split."""
    try:
        return [len(r) for r in csv.reader(lines, delimiter=delimiter) if r]
    except csv.Error:  # a field over its size limit: this is not the delimiter
        return []


def _header(name: str, fields: list[str]) -> list[str]:
    names = [h.strip() for h in fields]
    check_column_names(name, names, "line 1")
    if all(_FLOAT.fullmatch(h) for h in names):
        raise DatasetError(
            f"{name}: line 1 ({show(','.join(names))}) is numbers, not column names: add a header "
            "line naming the columns, or pass --no-header if the file has none"
        )
    return names


def _parse(source: Source, data_start: int, names: list[str], target_col: int, delimiter: str,
           scan: _Scan) -> tuple[np.ndarray, LabelTexts]:
    """The feature matrix (n, d) and the target column's cells, by pyarrow.csv, from byte
    ``data_start`` on.

    Memory stays near the final matrix: Arrow parses a range of the text at a time (see
    :func:`_ranges_parsed`), each copied into the matrix and freed. When the matrix is full,
    a new one is sized from the rows per byte read so far (2% over, so that a steady file
    needs no second growth) and at least half again as large, and it is cut to size at the
    end (realloc, no copy).
    """
    import pyarrow as pa

    X = np.empty((0, len(names) - 1), dtype=np.float64)
    labels, n, released = LabelTexts(), 0, 0
    try:
        for rows, cells, done_bytes in _ranges_parsed(source, data_start, len(names), target_col,
                                                      delimiter, scan):
            m = len(rows)
            if n + m > X.shape[0]:  # a new matrix, not resize, which would write zeros
                estimate = int((n + m) * source.size / max(done_bytes, 1) * 1.02) + 1
                grown = np.empty((max(estimate, (n + m) * 3 // 2), X.shape[1]))
                grown[:n] = X[:n]
                X = grown
            X[n : n + m] = rows
            labels.add_encoded(cells)
            n += m
            if done_bytes - released > _RELEASE_BYTES:  # Arrow's allocator keeps what it frees
                pa.default_memory_pool().release_unused()
                released = done_bytes
    except pa.ArrowInvalid as e:
        scan.explain(str(e).splitlines()[0])
    X.resize((n, X.shape[1]), refcheck=False)  # shrinks in place
    return X, labels


def _ranges_parsed(source: Source, data_start: int, n_columns: int, target_col: int,
                   delimiter: str, scan: _Scan):
    """(features (m, d) float64 with NaN where missing, target cells encoded by
    ``LabelTexts.encode``, bytes of the input parsed so far), a range at a time, in order.

    Ranges (see :func:`_ranges`) are parsed by Arrow as one block each, :data:`_WORKERS` at a
    time on a thread pool (Arrow releases the GIL). A range Arrow cannot read as numbers is
    read again as text and its cells trimmed before they are numbers (see :func:`_numbers`).
    From the first range whose quoting departs from RFC 4180 on, the rest of the file goes
    through Arrow's streaming reader, which follows quotes as its parser does.
    """
    import pyarrow as pa
    from pyarrow import csv as pacsv

    ids = [str(j) for j in range(n_columns)]
    typed = {i: pa.float64() for i in ids} | {ids[target_col]: pa.string()}
    as_text = {i: pa.string() for i in ids}
    features = [j for j in range(n_columns) if j != target_col]
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                               invalid_row_handler=_skip_blank_rows)

    def convert(types):
        return pacsv.ConvertOptions(column_types=types, null_values=sorted(MISSING_MARKERS),
                                    strings_can_be_null=False, quoted_strings_can_be_null=True)

    def rows_and_cells(table):
        if table.num_rows == 0:  # only blank lines
            return np.empty((0, len(features))), LabelTexts.encode(pa.array([], pa.string()))
        batch = table.combine_chunks().to_batches()[0]
        rows = np.asarray(batch.select(features).to_tensor(null_to_nan=True, row_major=True))
        return rows, LabelTexts.encode(batch.column(target_col))

    def parsed(piece):
        def read(types):
            return pacsv.read_csv(
                pa.BufferReader(piece), parse_options=parse, convert_options=convert(types),
                read_options=pacsv.ReadOptions(column_names=ids, block_size=len(piece) + 1,
                                               use_threads=False))
        try:
            return rows_and_cells(read(typed))
        except pa.ArrowInvalid:
            return rows_and_cells(_numbers(read(as_text), target_col))

    with source.arrow_file() as text:
        with ThreadPoolExecutor(_WORKERS) as pool:
            pending: deque = deque()
            for piece, end in _ranges(text, data_start, source.size, scan, ord(delimiter)):
                if piece is None:  # quoting Arrow must follow itself from here
                    break
                pending.append((pool.submit(parsed, piece), end))
                if len(pending) >= _WORKERS:
                    future, done = pending.popleft()
                    yield *future.result(), done
            for future, done in pending:
                yield *future.result(), done
        if piece is not None:
            return
        text.seek(end)
        reader = pacsv.open_csv(
            text, parse_options=parse, convert_options=convert(as_text),
            read_options=pacsv.ReadOptions(column_names=ids, use_threads=False,
                                           block_size=_STREAM_BLOCK_BYTES))
        last = ""
        for batch in reader:
            table = pa.Table.from_batches([batch])
            if batch.num_rows:
                last = batch.column(target_col)[-1].as_py()
            yield *rows_and_cells(_numbers(table, target_col)), text.tell()
    if "\n" in last or "\r" in last:  # a quoted field may have run to the end of the file
        scan.check_closed(certain=False)


def _skip_blank_rows(row) -> str:
    """Arrow's invalid_row_handler: skip a row of nothing but spaces and quotes (a blank line,
    or ``""``, as the csv module reads them), refuse any other row of the wrong width."""
    return "skip" if not row.text.replace('"', "").strip() else "error"


def _ranges(text, offset: int, size: int, scan: _Scan, delimiter: int):
    """(Arrow buffer, offset of its end) for the ranges of the Arrow file ``text`` of
    ``size`` bytes from ``offset`` on; (None, offset) and no more from a range whose quoting
    departs from RFC 4180 (see :func:`_last_record_end`).

    The text is cut at line ends outside quoted fields into ranges of about
    :data:`_RANGE_BYTES`, so no record straddles two. A quote left open at the end of the
    file is an error.
    """
    while offset < size:
        length = _RANGE_BYTES
        while True:  # a range must hold a whole record (or the rest of the file)
            text.seek(offset)
            block = text.read_buffer(length)
            at_end = offset + len(block) >= size
            cut = _last_record_end(block, delimiter, at_end)
            if cut is None:
                yield None, offset
                return
            if at_end and _odd_quotes(block):
                scan.check_closed(certain=True)
            if cut:
                break
            length *= 2
        offset += cut
        yield block.slice(0, cut), offset


def _last_record_end(block, delimiter: int, at_end: bool) -> int | None:
    """The offset just past the last line end (LF or CR) of the Arrow buffer ``block`` that
    ends a record, its length ``at_end`` of the file, 0 when no line end does, or None when
    the block's quotes depart from RFC 4180.

    Quotes following RFC 4180 (a quoted field starts and ends at field boundaries, a quote
    inside it is doubled) alternate open and closed, so a line end with an even number of
    quotes before it ends a record. The departures checked (each makes Arrow's lenient
    reading differ from that count): a quote with no field boundary or quote on either side
    (27" tv, "ab"c), one opening a field while a field is open, one closing a field while
    none is.
    """
    data = np.frombuffer(block, dtype=np.uint8)
    quotes = np.flatnonzero(data == _QUOTE)
    if not quotes.size:
        return len(data) if at_end else _last_line_end(data)
    before = np.where(quotes > 0, data[np.maximum(quotes - 1, 0)], _LF)  # block ends: boundaries
    after = np.where(quotes < len(data) - 1, data[np.minimum(quotes + 1, len(data) - 1)], _LF)
    boundary_before = (before == delimiter) | (before == _LF) | (before == _CR)
    boundary_after = (after == delimiter) | (after == _LF) | (after == _CR)
    inside = np.arange(quotes.size) % 2 == 1  # an odd number of quotes before it
    literal = ~boundary_before & ~boundary_after & (before != _QUOTE) & (after != _QUOTE)
    opens_inside = boundary_before & (after != _QUOTE) & inside
    closes_outside = boundary_after & (before != _QUOTE) & ~inside
    if (literal | opens_inside | closes_outside).any():
        return None
    return len(data) if at_end else _last_line_end(data, quotes)


def _odd_quotes(block) -> bool:
    """Whether the Arrow buffer ``block`` holds an odd number of double quotes."""
    return bool(np.count_nonzero(np.frombuffer(block, dtype=np.uint8) == _QUOTE) % 2)


def _numbers(table, target_col: int):
    """``table`` of text with every column but the target turned into float64: each cell
    trimmed, a missing-value marker null, the rest parsed by Arrow (ArrowInvalid if not a
    number)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    markers = pa.array(sorted(MISSING_MARKERS))
    columns = []
    for j, column in enumerate(table.columns):
        if j != target_col:
            column = pc.utf8_trim_whitespace(column)
            column = pc.if_else(pc.is_in(column, value_set=markers), None, column)
            column = pc.cast(column, pa.float64())
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _last_line_end(data: np.ndarray, quotes: np.ndarray | None = None) -> int:
    """The offset just past the last LF or CR in the bytes ``data`` (with ``quotes``, the
    sorted offsets of its quotes: the last with an even number of quotes before it), or 0.
    Looked for from the end, a window at a time."""
    for stop in range(len(data), 0, -2**16):
        start = max(stop - 2**16, 0)
        window = data[start:stop]
        ends = np.flatnonzero((window == _LF) | (window == _CR)) + start
        if quotes is not None:
            ends = ends[np.searchsorted(quotes, ends) % 2 == 0]
        if ends.size:
            return int(ends[-1]) + 1
    return 0


class _Scan:
    """Reads the file row by row with the csv module to name the line of a problem."""

    def __init__(self, source: Source, names: list[str], target_col: int, delimiter: str,
                 options: TableOptions):
        self.source, self.names, self.target_col = source, names, target_col
        self.delimiter, self.options = delimiter, options

    def _records(self):
        """(line number where it starts, fields) of each data record; blank lines skipped."""
        with io.TextIOWrapper(self.source.open_binary(), encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter=self.delimiter)
            try:
                if self.options.header:
                    next(reader)
                start = reader.line_num + 1
                for fields in reader:
                    if len(fields) > 1 or "".join(fields).strip():
                        yield start, fields
                    start = reader.line_num + 1
            except csv.Error as e:
                raise DatasetError(f"{self.source.path}: line {reader.line_num}: {e}") from None
            except UnicodeDecodeError:
                raise _not_utf8(self.source) from None

    def where_row(self, row: int) -> str:
        """"line N" of data row ``row`` (0-based, as parsed)."""
        for i, (line, _) in enumerate(self._records()):
            if i == row:
                return f"line {line}"
        raise IndexError(row)

    def explain(self, parser_message: str) -> NoReturn:
        """Raise the DatasetError for the first problem in the file, or, if the scan finds
        none, one quoting ``parser_message``."""
        path, names, n = self.source.path, self.names, len(self.names)
        for line, fields in self._records():
            where = f"{path}: line {line}"
            if len(fields) != n:
                first = "the header" if self.options.header else "line 1"
                raise DatasetError(f"{where} has {len(fields)} fields; {first} has {n}")
            problems = [(j, p) for j, text in enumerate(fields) if (p := self._problem(j, text))]
            missing = [j for j, p in problems if p.startswith("missing")]
            if self.options.drop_missing and missing:
                problems = [(j, p) for j, p in problems if j not in missing and "infinite" in p]
            if problems:
                j, problem = problems[0]
                raise DatasetError(f"{where}, column {names[j]!r}: {problem}")
        raise DatasetError(f"{path}: {parser_message}")

    def check_closed(self, certain: bool) -> None:
        """Raise the DatasetError for a quoted field left open, which runs from its line to
        the end of the file: ``certain`` when the quotes were counted, else when the last
        record holds a line end and the file does not end in a quote (the reader took the
        rest of the file into one field)."""
        line, fields = 0, []
        for line, fields in self._records():
            pass
        with self.source.open_binary() as f:
            f.seek(max(self.source.size - 4096, 0))
            last_byte = f.read().rstrip()[-1:]
        if certain or (last_byte != b'"' and any("\n" in f or "\r" in f for f in fields)):
            raise DatasetError(f"{self.source.path}: line {line}: a quoted field opened on this "
                               "line is never closed (a \" missing)")

    def _problem(self, j: int, text: str) -> str | None:
        hint = "; --drop-missing drops such rows"
        if j == self.target_col:
            if is_missing(text):
                return f"missing label ({show(text.strip()) if text.strip() else 'empty cell'}){hint}"
            if is_unusable(text.strip()):
                return f"{show(text.strip())} is not a usable label (infinite)"
            return None
        stripped = text.strip()
        if is_missing(stripped):
            return f"missing value ({show(stripped) if stripped else 'empty cell'}){hint}"
        if not _FLOAT.fullmatch(stripped):
            if _DECIMAL_COMMA.fullmatch(stripped):
                return (f"{show(stripped)} is not a number: write a decimal point, not a "
                        "decimal comma (1.5, not 1,5)")
            return f"{show(stripped)} is not a number (feature columns must be numeric)"
        value = float(stripped)  # never NaN here: every spelling of NaN is a missing marker
        if np.isinf(value):
            return f"infinite value {show(stripped)}"
        return None


def _not_utf8(source: Source) -> DatasetError:
    """The error naming the line and value of the first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, tail = 1, b""  # tail: the byte before the chunk, so a CRLF split in two counts once
    with source.open_binary() as f:
        while chunk := f.read(2**20):
            pending = len(decoder.getstate()[0])  # bytes of a character the last chunk began
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                start = max(e.start - pending, 0)
                return DatasetError(f"{source.path}: line {line + _line_ends(tail, chunk[:start])}: "
                                    f"not UTF-8 text (byte 0x{chunk[start]:02x})")
            line += _line_ends(tail, chunk)
            tail = chunk[-1:]
    return DatasetError(f"{source.path}: line {line}: not UTF-8 text (a character cut at the end)")


def _line_ends(tail: bytes, chunk: bytes) -> int:
    """LF, CRLF and bare CR line ends in ``chunk``, which follows the byte ``tail``."""
    def ends(data: bytes) -> int:
        return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")

    return ends(tail + chunk) - ends(tail)
