"""Text in terminal cells (tui/cells.py): cuts that keep names distinct, padding by cells."""

from rich.cells import cell_len

from softmax_tui.tui.cells import centre, cut, distinct_names, rjust


def test_distinct_names_keep_the_ends_that_tell_them_apart():
    assert distinct_names(["cluster 1", "cluster 2"], 9) == ("cluster 1", "cluster 2")
    assert distinct_names(["cluster 1", "cluster 2"], 6) == ("clus…1", "clus…2")
    assert distinct_names(["cluster 1", "cluster 10"], 6) == ("clus…1", "clus…0")
    assert distinct_names(["setosa", "versicolor", "virginica"], 4) == ("set…", "ver…", "vir…")
    assert distinct_names(["長さ長さ", "長さ長い"], 5) == ("長…さ", "長…い")
    assert distinct_names(["猫猫猫", "猫猫犬"], 4) == ("…猫", "…犬")  # two cells each, never half a character
    assert all(cell_len(name) <= 5 for name in distinct_names(["🍏 green", "🍏 greener", "赤い"], 5))
    assert distinct_names(["ab", "ac"], 1) is None


def test_a_cut_keeps_accents_on_their_letters_and_pads_by_cells():
    assert cut("e\u0301clair", 3) == "e\u0301c…"
    assert cut("anything", 0) == ""
    assert cut("fits", 4) == "fits"
    assert rjust("猫", 4) == "  猫" and cell_len(rjust("猫", 4)) == 4
    assert centre("猫", 5) == " 猫  " and cell_len(centre("猫", 5)) == 5
