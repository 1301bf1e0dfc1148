"""Issue 10: real data files read right (labels exact, missing values named, continuous targets
refused, headers required, pipes read once, any line end and delimiter, Parquet and Feather)."""

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyarrow import feather
from pyarrow import parquet as pq

from softmax_tui.datasets import DatasetError, Pipeline, TableOptions, csv_loader, load_table, source
from softmax_tui.datasets.labels import MISSING, MISSING_MARKERS, UNUSABLE, code_labels

CLI = [sys.executable, "-c", "import sys; from softmax_tui.tui.cli import main; sys.exit(main())"]


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def error(path, **options):
    with pytest.raises(DatasetError) as info:
        load_table(path, TableOptions(**options))
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message[len(f"{path}: "):]


def table(labels, name="label"):
    """A CSV with one feature and the given label cells."""
    return f"x,{name}\n" + "".join(f"{i},{label}\n" for i, label in enumerate(labels))


def run_cli(*args, **kwargs):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, **kwargs)


# --- 1. labels are the file's own text, numbers compared exactly ----------------------------


def test_labels_past_2_to_the_53_keep_every_digit(tmp_path):
    cells = ["9007199254740992", "9007199254740993", "12345678901234567890"] * 2
    ds = load_table(write(tmp_path, table(cells)))
    assert ds.class_names == ("9007199254740992", "9007199254740993", "12345678901234567890")
    np.testing.assert_array_equal(ds.y, [0, 1, 2, 0, 1, 2])


@pytest.mark.parametrize(
    "spellings, name",
    [(["1", "1.0", "01", "+1", "1e0", "10E-1", " 1 "], "1"),
     (["0", "-0", "0.0", "-0.0", "+0e5", "000"], "0"),
     (["7", "007", "7.000"], "7"),
     (["1000", "1e3", "1E+3", "10e2"], "1000"),
     (["-12", "-12.0", "-1.2e1"], "-12")],
)  # fmt: skip
def test_spellings_of_one_number_are_one_class_named_in_shortest_form(tmp_path, spellings, name):
    ds = load_table(write(tmp_path, table([*spellings, "99999"])))
    assert ds.class_names == (name, "99999")
    np.testing.assert_array_equal(ds.y, [0] * len(spellings) + [1])


def test_numbers_that_differ_in_the_last_digit_stay_apart():
    coding = code_labels(["0.1", "0.10000000000000001", "1e-1"], "f: column 'y'", categorical=True)
    assert coding.class_names == ("0.1", "0.10000000000000001")
    np.testing.assert_array_equal(coding.class_of_text, [0, 1, 0])


def test_numbers_sort_by_value_before_words_and_a_huge_exponent_keeps_a_short_name():
    coding = code_labels(["b", "10", "-3", "2", "a", "1e999999"], "f: column 'y'")
    assert coding.class_names == ("-3", "2", "10", "1e+999999", "a", "b")
    np.testing.assert_array_equal(coding.class_of_text, [5, 2, 0, 1, 4, 3])


def test_words_are_compared_exactly():
    coding = code_labels(["cat", "Cat", "cat "[:3]], "f: column 'y'")
    assert coding.class_names == ("Cat", "cat")


# --- 2. missing labels ----------------------------------------------------------------------


def test_the_issue_example_missing_label_is_an_error_naming_file_line_and_column(tmp_path):
    path = write(tmp_path, table(["1", "1.0", "2", "NA"], name="y"))
    assert error(path) == "line 5, column 'y': missing label ('NA'); --drop-missing drops such rows"


def test_the_issue_example_with_drop_missing_gives_two_classes(tmp_path):
    ds = load_table(write(tmp_path, table(["1", "1.0", "2", "NA"])), TableOptions(drop_missing=True))
    assert ds.class_names == ("1", "2")
    np.testing.assert_array_equal(ds.y, [0, 0, 1])
    np.testing.assert_array_equal(ds.X[:, 0], [0, 1, 2])
    assert ds.dropped_rows == 1
    assert ds.dropped_note == "dropped 1 row with a missing value, the first at line 5"


@pytest.mark.parametrize("marker", sorted(MISSING_MARKERS))
def test_every_missing_marker_is_missing(tmp_path, marker):
    path = write(tmp_path, table(["a", "b", marker, "a"]))
    shown = f"{marker.strip()!r}" if marker.strip() else "empty cell"
    assert error(path) == f"line 4, column 'label': missing label ({shown}); --drop-missing drops such rows"
    ds = load_table(path, TableOptions(drop_missing=True))
    assert ds.class_names == ("a", "b") and ds.n_samples == 3 and ds.dropped_rows == 1


@pytest.mark.parametrize("marker", ["", "NA", "n/a", "NaN", "null", "None", "?", "#N/A"])
def test_a_missing_feature_value_is_an_error_or_a_dropped_row(tmp_path, marker):
    path = write(tmp_path, f"a,b,label\n1,2,x\n3,{marker},y\n5,6,y\n7,8,x\n")
    assert error(path).startswith("line 3, column 'b': missing value")
    ds = load_table(path, TableOptions(drop_missing=True))
    np.testing.assert_array_equal(ds.X, [[1, 2], [5, 6], [7, 8]])
    assert ds.class_names == ("x", "y") and ds.dropped_rows == 1


def test_dropping_keeps_the_classes_that_remain_and_infinities_are_still_refused(tmp_path):
    path = write(tmp_path, "a,label\n1,x\nNA,z\n2,y\n")
    ds = load_table(path, TableOptions(drop_missing=True))
    assert ds.class_names == ("x", "y")  # z's only row was dropped
    path = write(tmp_path, "a,label\n1,x\nNA,z\ninf,y\n", "inf.csv")
    assert error(path, drop_missing=True) == "line 4, column 'a': infinite value 'inf'"


def test_the_command_line_says_how_many_rows_were_dropped(tmp_path):
    path = write(tmp_path, table(["1", "1.0", "2", "NA", "?", "2"]))
    done = run_cli("--headless", "--dataset", str(path), "--epochs", "1", "--drop-missing")
    assert done.returncode == 0
    assert done.stderr == f"softmax-tui: {path}: dropped 2 rows with a missing value, the first at line 5\n"
    assert '"classes": ["1", "2"]' in done.stdout


# --- 3. continuous targets -------------------------------------------------------------------


PRICES = ["221900.5", "538000", "180000", "604000.25", "510000", "1225000"]


def test_a_continuous_target_is_refused_with_the_flag_to_override(tmp_path):
    path = write(tmp_path, table(PRICES, name="price"))
    assert error(path) == (
        "column 'price' holds non-integer numbers such as '221900.5': a continuous target (a "
        "measurement to regress), not classes; pass --categorical-target if each distinct value "
        "really is a class"
    )
    ds = load_table(path, TableOptions(categorical_target=True))
    assert ds.class_names == ("180000", "221900.5", "510000", "538000", "604000.25", "1225000")


def test_forty_prices_are_refused_too(tmp_path):
    rng = np.random.default_rng(0)
    prices = [f"{p:.2f}" for p in rng.uniform(1e5, 1e6, 40)]
    assert "continuous target" in error(write(tmp_path, table(prices, name="price")))


def test_integer_valued_numbers_are_classes_not_continuous(tmp_path):
    ds = load_table(write(tmp_path, table(["1.0", "2.00", "3e0", "1"])))
    assert ds.class_names == ("1", "2", "3")


def test_numbers_among_words_are_not_a_continuous_target(tmp_path):
    ds = load_table(write(tmp_path, table(["0.5", "cat", "0.50"])))
    assert ds.class_names == ("0.5", "cat")
    np.testing.assert_array_equal(ds.y, [0, 1, 0])


def test_codes_for_missing_and_infinite_labels():
    coding = code_labels(["a", "NA", "inf", "-Infinity", ""], "f: column 'y'")
    np.testing.assert_array_equal(coding.class_of_text, [0, MISSING, UNUSABLE, UNUSABLE, MISSING])


# --- 4. near-constant columns (scikit-learn's StandardScaler rule) ----------------------------


def test_near_constant_columns_get_scale_one_as_in_standard_scaler():
    from sklearn.preprocessing import StandardScaler

    n = 50
    rng = np.random.default_rng(3)
    X = np.column_stack([
        np.where(np.arange(n) % 2, 0.3, 0.30000000000000004),  # the issue's example
        np.full(n, 7.0),  # exactly constant
        1e6 + rng.uniform(0, 1e-9, n),  # relative spread 1e-15: below the bound
        rng.normal(5, 2, n),  # ordinary
        1e6 + rng.normal(0, 1e-3, n),  # relative spread 1e-9: real variation
    ])
    pipe = Pipeline.fit(X, [f"c{j}" for j in range(5)])
    scaler = StandardScaler().fit(X)
    np.testing.assert_array_equal(pipe.scale[:3], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(pipe.scale, scaler.scale_, rtol=1e-12)
    np.testing.assert_allclose(pipe.mean, scaler.mean_, rtol=1e-15)
    assert np.abs(pipe.transform(X)[:, 0]).max() < 1e-15  # not 1 (scale 3.9e-17 blew it up)


def test_the_near_constant_rule_holds_at_extreme_magnitudes():
    for magnitude in (1e-200, 1e200):
        X = magnitude * np.column_stack([np.where(np.arange(10) % 2, 0.3, 0.30000000000000004),
                                         np.arange(10.0)])
        pipe = Pipeline.fit(X, ["a", "b"])
        assert pipe.scale[0] == 1.0 and pipe.scale[1] != 1.0 and np.isfinite(pipe.scale).all()


# --- 5. a file without a header --------------------------------------------------------------


def test_a_header_of_numbers_is_refused_and_no_header_keeps_the_first_row(tmp_path):
    path = write(tmp_path, "1.0,2.0,0\n3.0,4.0,1\n5.0,6.0,0\n")
    assert error(path) == (
        "line 1 ('1.0,2.0,0') is numbers, not column names: add a header line naming the "
        "columns, or pass --no-header if the file has none"
    )
    ds = load_table(path, TableOptions(header=False))
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])
    assert ds.feature_names == ("col1", "col2") and ds.class_names == ("0", "1")
    assert load_table(path, TableOptions(header=False, target="col1")).feature_names == ("col2", "col3")


def test_a_header_with_one_word_is_a_header(tmp_path):
    ds = load_table(write(tmp_path, "1,2,label\n3,4,x\n5,6,y\n"))
    assert ds.feature_names == ("1", "2")


# --- 6. read once: pipes, process substitution, devices, a size bound -------------------------


def test_a_fifo_is_read_once(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text("a,b,label\n1,2,x\n3,4,y\n"))
    writer.start()
    ds = load_table(fifo)  # a second open would block for ever
    writer.join()
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])


def test_process_substitution_on_the_command_line(tmp_path):
    path = write(tmp_path, "a,b,label\n1,2,x\n3,4,y\n")
    done = subprocess.run(
        ["bash", "-c", f'"$0" "$@" --headless --epochs 1 --dataset <(cat {path})', *CLI],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert '"classes": ["x", "y"]' in done.stdout


def test_dev_zero_is_refused_at_once():
    assert error("/dev/zero") == (
        "byte 0 is a NUL byte: this is not UTF-8 text (UTF-16 text must be saved as UTF-8; "
        "binary tables need the extension .parquet, .feather or .arrow)"
    )


def test_input_size_is_bounded_for_files_and_pipes(tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_INPUT_BYTES", 1000)
    path = write(tmp_path, "a,label\n" + "1,x\n" * 400)
    assert error(path) == "0.0 GiB; the most a data file may hold is 0 GiB"
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(path.read_bytes()))
    writer.start()
    assert error(fifo).startswith("more than 0.0 GiB; the most")
    writer.join()


# --- 7. line ends ------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_every_line_end_reads_the_same_table(tmp_path, end):
    ds = load_table(write(tmp_path, end.join(["a,b,label", "1,2,x", "", "3,4,y", "5,6,x"]) + end))
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(ds.y, [0, 1, 0])


def test_bare_cr_errors_name_the_right_line(tmp_path):
    assert error(write(tmp_path, "a,label\r1,x\r2,y\rz,x\r")) == (
        "line 4, column 'a': 'z' is not a number (feature columns must be numeric)"
    )


def test_not_utf8_after_bare_cr_lines_names_the_line(tmp_path):
    assert error(write(tmp_path, b"a,label\r1,x\r2,\xfcy\r")) == "line 3: not UTF-8 text (byte 0xfc)"


# --- 8. wide headers -----------------------------------------------------------------------


def test_a_header_of_100000_columns_loads_and_a_duplicate_is_found(tmp_path):
    d = 100_000
    names = [f"f{j}" for j in range(d)]
    row = ",".join("1" for _ in range(d))
    ds = load_table(write(tmp_path, ",".join(names) + ",label\n" + row + ",x\n" + row + ",y\n"))
    assert ds.X.shape == (2, d)
    names[-1] = "f7"
    dup = write(tmp_path, ",".join(names) + ",label\n" + row + ",x\n", "dup.csv")
    assert error(dup) == "line 1: column name 'f7' appears more than once"


# --- 9. Ctrl+C while loading -----------------------------------------------------------------


def test_ctrl_c_while_loading_exits_130(tmp_path):
    fifo = tmp_path / "slow.csv"
    os.mkfifo(fifo)
    process = subprocess.Popen([*CLI, "--headless", "--dataset", str(fifo)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as a foreground job
    with open(fifo, "w") as f:  # opens once the loader opened its end
        f.write("a,label\n" + "1,x\n2,y\n" * 1000)
        f.flush()
        time.sleep(0.5)  # the loader waits for the rest of the pipe
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err == "softmax-tui: interrupted\n" and out == ""


# --- 10. delimiters --------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(tmp_path, delimiter):
    text = "\n".join(delimiter.join(r) for r in [["a", "b", "label"], ["1.5", "2", "x"], ["3", "4", "y"]])
    ds = load_table(write(tmp_path, text + "\n"))
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [3, 4]])
    assert ds.feature_names == ("a", "b")


def test_a_tsv_file_is_tab_separated_whatever_its_cells_hold(tmp_path):
    ds = load_table(write(tmp_path, "a\tb,c\tlabel\n1\t2\tx,y\n3\t4\tz\n", "data.tsv"))
    assert ds.feature_names == ("a", "b,c") and ds.class_names == ("x,y", "z")


def test_an_ambiguous_delimiter_asks_for_the_flag(tmp_path):
    path = write(tmp_path, "a,b;c\n1,2;x\n3,4;y\n")
    assert error(path) == (
        "cannot tell the delimiter (comma and semicolon each split the first lines evenly); "
        "pass --delimiter"
    )


def test_an_explicit_delimiter_resolves_ambiguity(tmp_path):
    path = write(tmp_path, "a,b;c\n1,2;x\n3,4;y\n")
    ds = load_table(path, TableOptions(delimiter=","))
    assert ds.feature_names == ("a",) and ds.class_names == ("2;x", "4;y")


def test_a_decimal_comma_is_an_error_with_a_hint(tmp_path):
    path = write(tmp_path, "a;b;label\n1,5;2;x\n2;3;y\n")
    assert error(path) == (
        "line 2, column 'a': '1,5' is not a number: write a decimal point, not a decimal comma "
        "(1.5, not 1,5)"
    )


def test_the_delimiter_flag_on_the_command_line(tmp_path):
    path = write(tmp_path, "a|b|label\n1|2|x\n3|4|y\n")
    done = run_cli("--headless", "--dataset", str(path), "--epochs", "1", "--delimiter", "|")
    assert done.returncode == 0 and '"features": ["a", "b"]' in done.stdout
    bad = run_cli("--headless", "--dataset", str(path), "--delimiter", ":")
    assert bad.returncode == 2
    assert bad.stderr == "softmax-tui: error: argument --delimiter: must be one of , ; | tab, got ':' (see --help)\n"


# --- Parquet and Feather -----------------------------------------------------------------------


def arrow_table():
    return pa.table({
        "a": pa.array([1.5, 2.0, 3.0, 4.0]),
        "b": pa.array([1, 2, 3, 4], pa.int32()),
        "label": pa.array([9007199254740993, 9007199254740992, 9007199254740993, 2], pa.int64()),
    })


@pytest.mark.parametrize("extension", [".parquet", ".feather", ".arrow"])
def test_columnar_files_read_with_exact_integer_labels(tmp_path, extension):
    path = tmp_path / f"data{extension}"
    (pq.write_table if extension == ".parquet" else feather.write_feather)(arrow_table(), path)
    ds = load_table(path)
    assert ds.class_names == ("2", "9007199254740992", "9007199254740993")
    np.testing.assert_array_equal(ds.y, [2, 1, 2, 0])
    np.testing.assert_array_equal(ds.X, [[1.5, 1], [2, 2], [3, 3], [4, 4]])
    assert ds.feature_names == ("a", "b")


def test_columnar_files_follow_the_same_rules(tmp_path):
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"a": [1.0, None, 3.0, 4.0], "y": ["x", "y", "x", "y"]}), path)
    assert error(path) == "row 2, column 'a': missing value (null)"
    assert load_table(path, TableOptions(drop_missing=True)).n_samples == 3
    pq.write_table(pa.table({"a": [1.0, 2.0, 3.0], "y": [0.5, 1.5, 0.5]}), path)
    assert "continuous target" in error(path)
    pq.write_table(pa.table({"a": ["p", "q"], "y": ["x", "y"]}), path)
    assert error(path) == "column 'a' holds string values, not numbers (feature columns must be numeric)"
    pq.write_table(pa.table({"a": [1.0, 2.0, 3.0], "y": ["x", None, "NA"]}), path)
    assert error(path) == "row 2, column 'y': missing label (null)"
    path.write_bytes(b"not parquet at all")
    assert error(path).startswith("not a readable Parquet file (")


def test_options_for_text_files_only_are_refused_for_builtins():
    from softmax_tui.datasets import load_dataset

    with pytest.raises(DatasetError, match="apply to data files only, not to the built-in 'iris'"):
        load_dataset("iris", table=TableOptions(drop_missing=True))


# --- the text is parsed in ranges: every way a range can end -----------------------------------

LABEL_WORDS = ["a", "b c", "d,e", 'say "hi"', "two\nlines", "x\r\ny"]
#: Unquoted labels holding a quote: not RFC 4180, read literally by Arrow and the csv module.
LITERAL_QUOTES = ['27" tv', 'x"']


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(st.floats(allow_nan=False, allow_infinity=False, width=64),
                            st.integers(-10**6, 10**6), st.sampled_from(LABEL_WORDS + LITERAL_QUOTES),
                            st.booleans()),
                  min_size=2, max_size=60),
    end=st.sampled_from(["\n", "\r\n", "\r"]),
    range_bytes=st.integers(1, 200),
    quoted_header=st.booleans(),
)
def test_ranges_of_any_size_read_the_table_the_csv_module_reads(tmp_path, monkeypatch, rows, end,
                                                                 range_bytes, quoted_header):
    monkeypatch.setattr(csv_loader, "_RANGE_BYTES", range_bytes)
    header = '"f 1",f2,label' if quoted_header else "f1,f2,label"
    lines = [header]
    for x, k, word, blank in rows:
        quoted = not word.isalpha() and word not in LITERAL_QUOTES
        cell = '"' + word.replace('"', '""') + '"' if quoted else word
        lines.append(f"{x!r},{k},{cell}")
        if blank:
            lines.append("   ")
    path = write(tmp_path, end.join(lines) + end)
    labels = [word for _, _, word, _ in rows]
    if len(set(labels)) < 2:
        return
    ds = load_table(path)
    np.testing.assert_array_equal(ds.X, [[x, k] for x, k, _, _ in rows])
    assert [ds.class_names[c] for c in ds.y] == [w.strip() for w in labels]


def test_a_line_longer_than_a_range_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_loader, "_RANGE_BYTES", 8)
    ds = load_table(write(tmp_path, "a,b,label\n" + "1" * 50 + ",2,x\n3,4,y\n"))
    np.testing.assert_array_equal(ds.X, [[float("1" * 50), 2], [3, 4]])


def test_an_error_after_many_ranges_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_loader, "_RANGE_BYTES", 16)
    text = "a,label\n" + "".join(f"{i},x\n{i},y\n" for i in range(50)) + "oops,x\n"
    assert error(write(tmp_path, text)) == (
        "line 102, column 'a': 'oops' is not a number (feature columns must be numeric)"
    )


# --- found by trying to break it ---------------------------------------------------------------


@pytest.mark.parametrize("quote", ["", '"'])
def test_rows_longer_than_arrow_blocks_load(tmp_path, quote):
    long_label = quote + "x" * 1_500_000 + quote  # quoted: the streaming reader's path
    ds = load_table(write(tmp_path, f"a,label\n1,{long_label}\n2,y\n"))
    assert [len(c) for c in ds.class_names] == [1_500_000, 1]


@pytest.mark.parametrize("range_bytes", [4, 4 * 2**20])
def test_an_unclosed_quote_is_an_error_naming_its_line(tmp_path, monkeypatch, range_bytes):
    monkeypatch.setattr(csv_loader, "_RANGE_BYTES", range_bytes)
    path = write(tmp_path, 'a,y\n1,x\n2,"z\n3,x\n4,z\n5,x\n')
    assert error(path) == 'line 3: a quoted field opened on this line is never closed (a " missing)'


@pytest.mark.parametrize("range_bytes", [4, 4 * 2**20])
def test_a_literal_quote_in_an_unquoted_field_is_text(tmp_path, monkeypatch, range_bytes):
    monkeypatch.setattr(csv_loader, "_RANGE_BYTES", range_bytes)
    ds = load_table(write(tmp_path, 'a,y\n1,27" tv\n2,y\n3,y\n'))
    assert ds.class_names == ('27" tv', "y") and ds.n_samples == 3


@pytest.mark.parametrize(
    "labels, names",
    [(["1" + "0" * 100, "1" + "0" * 99 + "1"], ("1e+100", "1." + "0" * 99 + "1e+100")),
     (["0.1000000000000000000000000000001", "0.1000000000000000000000000000002"],
      ("0.1000000000000000000000000000001", "0.1000000000000000000000000000002")),
     (["1e-9999999", "0"], ("0", "1e-9999999")),
     (["1e9999999", "-1e9999999"], ("-1e+9999999", "1e+9999999"))],
)  # fmt: skip
def test_numbers_beyond_any_precision_stay_exact(labels, names):
    coding = code_labels(labels, "f: column 'y'", categorical=True)
    assert coding.class_names == names


def test_digits_of_other_scripts_are_words_not_numbers(tmp_path):
    coding = code_labels(["1", "\u0661", "\uff12", "2"], "f: column 'y'")
    assert coding.class_names == ("1", "2", "\u0661", "\uff12")
    assert error(write(tmp_path, "a,y\n1,x\n\u0661,z\n")) == (
        "line 3, column 'a': '\u0661' is not a number (feature columns must be numeric)"
    )


@pytest.mark.parametrize("cell", ['" NA "', '"NA"', "\tNA", " null ", '""', '" "', "nAn", "+nan"])
def test_quoted_padded_and_nan_spelled_missing_features_are_missing(tmp_path, cell):
    path = write(tmp_path, f"a,y\n1,x\n{cell},x\n2,z\n3,z\n")
    assert error(path).startswith("line 3, column 'a': missing value")
    ds = load_table(path, TableOptions(drop_missing=True))
    np.testing.assert_array_equal(ds.X[:, 0], [1, 2, 3])


def test_a_number_padded_with_unicode_spaces_is_trimmed(tmp_path):
    ds = load_table(write(tmp_path, "a,y\n\u00a01\u3000,x\n2,z\n"))
    np.testing.assert_array_equal(ds.X[:, 0], [1, 2])


def test_cells_longer_than_the_csv_modules_limit(tmp_path):
    ds = load_table(write(tmp_path, "a,y\n1," + "L" * 200_000 + "\n2,z\n"))
    assert ds.n_classes == 2
    path = write(tmp_path, "a,y\n1," + "L" * 200_000 + "\n" + "2,z\n" * 40 + "oops,z\n", "bad.csv")
    assert error(path) == "line 43, column 'a': 'oops' is not a number (feature columns must be numeric)"


def test_many_blank_lines_after_the_header(tmp_path):
    ds = load_table(write(tmp_path, "a,y\n" + "\n   \n" * 25 + "1,x\n2,z\n"))
    np.testing.assert_array_equal(ds.X[:, 0], [1, 2])


def test_a_header_name_with_a_quoted_line_end(tmp_path):
    ds = load_table(write(tmp_path, 'a,"b\nc",y\n1,2,x\n3,4,z\n'))
    assert ds.feature_names == ("a", "b\nc")
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])


def test_leading_blank_lines_without_a_header(tmp_path):
    ds = load_table(write(tmp_path, "\n  \n1,x\n2,z\n"), TableOptions(header=False))
    np.testing.assert_array_equal(ds.X[:, 0], [1, 2])


def test_utf16_is_named(tmp_path):
    assert error(write(tmp_path, "a,y\n1,x\n2,z\n".encode("utf-16"))) == (
        "UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8"
    )


def test_columnar_files_without_columns_or_with_unusable_labels(tmp_path):
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({}), path)
    assert error(path) == "the schema: found no columns; need feature columns and a label column"
    pq.write_table(pa.table({"a": [1.0, 2.0], "y": pa.array([b"\xff", b"x"], pa.binary())}), path)
    assert error(path) == "column 'y' holds binary values, which cannot be read as class labels (text or numbers)"
    pq.write_table(pa.table({"a": [1.0, 2.0], "y": [[1], [2]]}), path)
    assert error(path).startswith("column 'y' holds list<")


def test_a_file_named_like_a_dataset_gets_a_hint(tmp_path, monkeypatch):
    from softmax_tui.datasets import load_dataset

    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a,y\n1,x\n2,z\n", "data")
    with pytest.raises(DatasetError, match=r"or give a path to a data file \(for the file 'data', write ./data\)$"):
        load_dataset("data")
    assert load_dataset("./data").n_samples == 2


# --- quoting that departs from RFC 4180, and more from trying to break it ------------------------


def csv_module_rows(text):
    """What Python's csv module reads: (features, stripped label) per non-blank record."""
    import csv
    import io

    records = list(csv.reader(io.StringIO(text, newline="")))[1:]
    rows = [r for r in records if len(r) > 1 or "".join(r).strip()]
    return [[float(c) for c in r[:-1]] for r in rows], [r[-1].strip() for r in rows]


@pytest.mark.parametrize("range_bytes", [1, 3, 8, 4 * 2**20])
@pytest.mark.parametrize("text", [
    'a,y\n1,27" tv\n2,"x\n5,z"\n3,z\n4,z\n',  # a literal quote, then a quoted line end
    'a,y\n1,27"\n2,"x\n5,z"\n3,z\n',  # a literal quote ending a field
    'a,y\n1,"ab"c\n2,"x\r\n5,z"\n3,z\n',  # text after a closing quote
    'a,y\n1,x\n""\n" "\n2,z\n',  # lines of nothing but quotes and spaces are blank
])  # fmt: skip
def test_lenient_quoting_reads_what_the_csv_module_reads(tmp_path, monkeypatch, range_bytes, text):
    monkeypatch.setattr(csv_loader, "_RANGE_BYTES", range_bytes)
    ds = load_table(write(tmp_path, text))
    X, labels = csv_module_rows(text)
    np.testing.assert_array_equal(ds.X, X)
    assert [ds.class_names[c] for c in ds.y] == labels


@pytest.mark.parametrize("range_bytes", [2, 4 * 2**20])
def test_an_unclosed_quote_after_a_literal_one(tmp_path, monkeypatch, range_bytes):
    monkeypatch.setattr(csv_loader, "_RANGE_BYTES", range_bytes)
    path = write(tmp_path, 'a,y\n1,27" tv\n2,"z\n3,x\n4,z\n5,x\n')
    assert error(path) == 'line 3: a quoted field opened on this line is never closed (a " missing)'


def test_an_unclosed_quote_on_the_last_line_without_a_line_end(tmp_path):
    path = write(tmp_path, 'a,y\n1,x\n2,"z')
    assert error(path) == 'line 3: a quoted field opened on this line is never closed (a " missing)'


def test_a_big_file_with_one_literal_quote_reads_every_row(tmp_path):
    rows = "".join(f"{i},{'zw'[i % 2]}\n" for i in range(300_000))
    text = 'a,y\n1,27" tv\n2,"x\n5,z"\n' + rows
    ds = load_table(write(tmp_path, text))
    assert ds.n_samples == 300_002
    assert ds.class_names == ('27" tv', "w", "x\n5,z", "z")


def test_labels_beyond_decimals_exponent_range_are_words(tmp_path):
    ds = load_table(write(tmp_path, "a,y\n1,1e99999999999999999999\n2,0\n"))
    assert ds.class_names == ("0", "1e99999999999999999999")


@pytest.mark.parametrize("spelling", ["nAn", "+nan", "Nan", "-NAN"])
def test_every_spelling_of_nan_is_a_missing_label(tmp_path, spelling):
    path = write(tmp_path, f"a,y\n1,x\n2,{spelling}\n3,z\n")
    assert error(path) == f"line 3, column 'y': missing label ({spelling!r}); --drop-missing drops such rows"


def test_a_long_cell_in_the_first_lines_does_not_hide_the_delimiter(tmp_path):
    ds = load_table(write(tmp_path, "a,y\n1," + "L" * 200_000 + "\n2,z\n"))
    assert ds.feature_names == ("a",) and ds.n_classes == 2


def test_a_header_longer_than_the_head_through_a_pipe(tmp_path):
    """A regular file's head is read on to the first line end; a pipe's, cut at its size,
    was parsed as a header of the names it happened to hold (col115 twice: a cut col115xxx)."""
    d = 150_000
    text = ",".join(f"col{j}" for j in range(d)) + ",y\n" + "1," * d + "x\n" + "2," * d + "z\n"
    assert len(text.split("\n")[0]) > 2**20  # longer than the head read at first
    fifo = tmp_path / "wide.csv"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(text))
    writer.start()
    ds = load_table(fifo)
    writer.join()
    assert ds.X.shape == (2, d) and ds.feature_names[-1] == f"col{d - 1}"


def test_a_header_longer_than_the_head_with_a_quoted_line_end(tmp_path):
    names = ",".join(f"col{j}" for j in range(150_000))
    ds = load_table(write(tmp_path, f'"a\nb",{names},y\n' + "1," * 150_001 + "x\n" + "2," * 150_001 + "z\n"))
    assert ds.feature_names[0] == "a\nb" and ds.X.shape == (2, 150_001)


def test_utf32_is_named(tmp_path):
    assert error(write(tmp_path, "a,y\n1,x\n".encode("utf-32"))) == (
        "UTF-32 text (it starts with a UTF-32 byte-order mark); save it as UTF-8"
    )
