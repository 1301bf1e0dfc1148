"""load_csv: labels, formats, and a one-line DatasetError for every user mistake."""

import os
import string

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_tui.datasets import DatasetError, load_csv
from softmax_tui.datasets import source


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def error(path, target=None):
    """The DatasetError message load_csv raises; it must be one line naming the file."""
    with pytest.raises(DatasetError) as info:
        load_csv(path, target)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message[len(f"{path}: ") :]


# --- what loads -------------------------------------------------------------------------


def test_string_labels_sort_lexicographically_and_keep_their_names(tmp_path):
    path = write(tmp_path, "x1,x2,kind\n1,2,dog\n3,4,cat\n5,6.5,emu\n7,8,cat\n")
    ds = load_csv(path)
    assert ds.class_names == ("cat", "dog", "emu")
    np.testing.assert_array_equal(ds.y, [1, 0, 2, 0])
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6.5], [7, 8]])
    assert ds.feature_names == ("x1", "x2")
    assert ds.X.dtype == np.float64 and ds.X.flags.c_contiguous and ds.y.dtype == np.int64
    assert ds.name == str(path)
    assert (ds.n_samples, ds.n_features, ds.n_classes) == (4, 2, 3)


def test_integer_labels_sort_numerically(tmp_path):
    ds = load_csv(write(tmp_path, "a,label\n1,10\n2,2\n3,-1\n4,2\n"))
    assert ds.class_names == ("-1", "2", "10")
    np.testing.assert_array_equal(ds.y, [2, 1, 0, 1])


def test_numeric_labels_naming_the_same_number_share_a_class(tmp_path):
    ds = load_csv(write(tmp_path, "a,label\n1,1.0\n2,1\n3,0.5\n4,0\n"), categorical_target=True)
    assert ds.class_names == ("0", "0.5", "1")
    np.testing.assert_array_equal(ds.y, [2, 2, 1, 0])


def test_target_by_name_anywhere(tmp_path):
    ds = load_csv(write(tmp_path, "a,species,b\n1,x,2\n3,y,4\n"), target="species")
    assert ds.feature_names == ("a", "b")
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(ds.y, [0, 1])


def test_a_numeric_column_can_be_the_target(tmp_path):
    ds = load_csv(write(tmp_path, "a,b,c\n1,0,5\n2,1,6\n"), target="b")
    assert ds.class_names == ("0", "1") and ds.feature_names == ("a", "c")


def test_everyday_formats(tmp_path):
    """CRLF line ends, a byte-order mark, quotes, spaces, blank lines, a final line without
    a newline: all read the same table."""
    text = '\ufeff"x 1", x2 ,label\r\n 1.5 ,"2",  a \r\n\r\n-3e1,+.5,"b"\r\n   \r\n4,5,a'
    ds = load_csv(write(tmp_path, text))
    assert ds.feature_names == ("x 1", "x2")
    assert ds.class_names == ("a", "b")
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [-30, 0.5], [4, 5]])
    np.testing.assert_array_equal(ds.y, [0, 1, 0])


def test_the_slow_scan_reads_what_the_fast_path_reads(tmp_path):
    """A line of spaces defeats numpy's parser; the row-by-row scan then gives the same data."""
    rows = "".join(f"{i * 0.1!r},{i ** 2},{'abc'[i % 3]}\n" for i in range(50))
    fast = load_csv(write(tmp_path, "u,v,w\n" + rows, "fast.csv"))
    slow = load_csv(write(tmp_path, "u,v,w\n" + rows + "  \n", "slow.csv"))
    assert fast.X.tobytes() == slow.X.tobytes() and fast.y.tobytes() == slow.y.tobytes()
    assert fast.class_names == slow.class_names


def test_the_scan_accepts_rows_whose_sum_overflows(tmp_path):
    ds = load_csv(write(tmp_path, "a,b,label\n1e308,1e308,x\n-1e308,2,y\n  \n"))
    np.testing.assert_array_equal(ds.X, [[1e308, 1e308], [-1e308, 2]])


def test_the_first_problem_in_the_file_is_the_one_reported(tmp_path):
    path = write(tmp_path, "a,b,label\n1,2,x\n3,inf,y\nabc,4,x\n5,6,\n")
    assert error(path) == "line 3, column 'b': infinite value 'inf'"


def test_accepts_a_path_object_and_names_the_dataset_after_the_path_as_given(tmp_path, monkeypatch):
    write(tmp_path, "a,b\n1,x\n2,y\n")
    monkeypatch.chdir(tmp_path)
    assert load_csv("data.csv").name == "data.csv"
    assert load_csv(tmp_path / "data.csv").name == str(tmp_path / "data.csv")


WORDS = st.text(string.ascii_letters + string.digits + "_ -", max_size=8)
LABEL_SETS = st.one_of(
    st.lists(st.integers(-10**6, 10**6).map(str), min_size=2, max_size=5, unique=True),
    # A leading letter keeps them from reading as numbers ("inf"); the loader strips spaces.
    st.lists(WORDS.map(lambda s: ("c" + s).strip()), min_size=2, max_size=5, unique=True),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    X=arrays(
        np.float64,
        st.tuples(st.integers(2, 30), st.integers(1, 5)),
        elements=st.floats(allow_nan=False, allow_infinity=False),
    ),
    labels=LABEL_SETS,
    data=st.data(),
)
def test_round_trip_of_random_numeric_tables(tmp_path, X, labels, data):
    n, d = X.shape
    more = st.lists(st.integers(0, len(labels) - 1), min_size=n - 2, max_size=n - 2)
    codes = [0, 1] + data.draw(more)
    header = ",".join(f"f{j}" for j in range(d)) + ",label\n"
    rows = (",".join(repr(v) for v in row) + f",{labels[c]}\n" for row, c in zip(X.tolist(), codes))
    ds = load_csv(write(tmp_path, header + "".join(rows)))
    assert ds.X.tobytes() == np.ascontiguousarray(X).tobytes()
    assert [ds.class_names[k] for k in ds.y] == [labels[c] for c in codes]
    numeric = labels[0][0] != "c"
    assert list(ds.class_names) == sorted(set(ds.class_names), key=int if numeric else str)


DROP = "; --drop-missing drops such rows"


# --- every user mistake -----------------------------------------------------------------


def test_missing_file(tmp_path):
    assert error(tmp_path / "nope.csv") == "no such file"


def test_directory(tmp_path):
    assert error(tmp_path) == "is a directory, not a data file"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_no_permission(tmp_path):
    path = write(tmp_path, "a,b\n1,x\n")
    path.chmod(0)
    assert error(path) == "permission denied"


def test_no_permission_simulated(tmp_path, monkeypatch):
    path = write(tmp_path, "a,b\n1,x\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(source, "open", refuse, raising=False)
    assert error(path) == "permission denied"


def test_not_utf8_names_the_line(tmp_path):
    path = write(tmp_path, "city,label\n1,a\n2,b\n3,Z\xfcrich\n", encoding="latin-1")
    assert error(path) == "line 4: not UTF-8 text (byte 0xfc)"


@pytest.mark.parametrize("text", ["", "\n\n", "  \r\n "])
def test_empty_file(tmp_path, text):
    assert error(write(tmp_path, text)) == "the file is empty"


def test_blank_first_line(tmp_path):
    assert error(write(tmp_path, "\na,b\n1,x\n")) == (
        "line 1 is blank; it must be a header naming the columns"
    )


@pytest.mark.parametrize("text", ["a,b,label\n", "a,b,label", "a,b,label\n\n  \n"])
def test_header_only(tmp_path, text):
    assert error(write(tmp_path, text)) == "has a header but no data rows"


def test_one_column_hints_at_the_delimiter(tmp_path):
    message = error(write(tmp_path, "a:b:label\n1:2:x\n"))
    assert message.startswith("line 1: found one column ('a:b:label')")
    assert "separated by commas (or ; tab |)" in message


def test_unnamed_and_duplicate_columns(tmp_path):
    assert error(write(tmp_path, "a,,label\n1,2,x\n", "gap.csv")) == "line 1: column 2 has no name"
    assert error(write(tmp_path, "a,a,label\n1,2,x\n", "dup.csv")) == (
        "line 1: column name 'a' appears more than once"
    )


def test_unknown_target_lists_the_columns(tmp_path):
    path = write(tmp_path, "sepal,petal,species\n1,2,x\n")
    assert error(path, target="kind") == (
        "no column named 'kind'; the columns are: sepal, petal, species"
    )


def test_non_numeric_feature(tmp_path):
    path = write(tmp_path, "sepal,petal,species\n1,2,x\n3,4,y\n5,wide,x\n")
    assert error(path) == (
        "line 4, column 'petal': 'wide' is not a number (feature columns must be numeric)"
    )


def test_a_text_column_as_feature_is_reported_on_the_first_row(tmp_path):
    path = write(tmp_path, "species,petal,size\nsetosa,1.4,3\n")
    assert error(path).startswith("line 2, column 'species': 'setosa' is not a number")


def test_long_cells_are_cut_short(tmp_path):
    path = write(tmp_path, "a,label\n" + "z" * 500 + ",x\n")
    assert error(path) == (
        "line 2, column 'a': 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...' is not a number "
        "(feature columns must be numeric)"
    )


@pytest.mark.parametrize(
    "cell, problem",
    [("", "missing value (empty cell)" + DROP), ("  ", "missing value (empty cell)" + DROP),
     ("nan", "missing value ('nan')" + DROP), ("NaN", "missing value ('NaN')" + DROP),
     ("NA", "missing value ('NA')" + DROP), ("?", "missing value ('?')" + DROP),
     ("inf", "infinite value 'inf'"),
     ("-Infinity", "infinite value '-Infinity'")],
)  # fmt: skip
def test_empty_nan_and_infinite_feature_cells(tmp_path, cell, problem):
    path = write(tmp_path, f"a,b,label\n1,2,x\n3,4,y\n\n5,{cell},x\n")
    assert error(path) == f"line 5, column 'b': {problem}"


@pytest.mark.parametrize(
    "cell, problem",
    [("", "missing label (empty cell)" + DROP), (" ", "missing label (empty cell)" + DROP),
     ("nan", "missing label ('nan')" + DROP), ("inf", "'inf' is not a usable label (infinite)"),
     ("-Infinity", "'-Infinity' is not a usable label (infinite)")],
)  # fmt: skip
def test_empty_and_non_finite_labels(tmp_path, cell, problem):
    path = write(tmp_path, f"a,label\n1,x\n2,{cell}\n")
    assert error(path) == f"line 3, column 'label': {problem}"


@pytest.mark.parametrize(
    "row, count", [("1,2", 2), ("1,2,x,4", 4), ("1", 1), ("1,2,x,", 4)]
)
def test_row_with_the_wrong_number_of_fields(tmp_path, row, count):
    path = write(tmp_path, f"a,b,label\n1,2,x\n3,4,y\n{row}\n5,6,x\n")
    assert error(path) == f"line 4 has {count} fields; the header has 3"


def test_every_row_short_of_the_header(tmp_path):
    path = write(tmp_path, "a,b,c,label\n1,2,x\n3,4,y\n")
    assert error(path) == "line 2 has 3 fields; the header has 4"


def test_line_numbers_count_physical_lines_of_quoted_cells(tmp_path):
    path = write(tmp_path, 'a,label\n1,"two\nlines"\n2,x\nthree,x\n')
    assert error(path).startswith("line 5, column 'a': 'three' is not a number")


@pytest.mark.parametrize("labels", [["x", "x", "x"], ["4", "4.0", "4"]])
def test_fewer_than_two_classes(tmp_path, labels):
    path = write(tmp_path, "a,species\n" + "".join(f"{i},{c}\n" for i, c in enumerate(labels)))
    assert error(path) == (
        f"column 'species' has only one class ({labels[0][0]!r}); a classifier needs at least two"
    )
