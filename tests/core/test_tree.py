from dangjian.core import tree


def test_successor_bounds_exactly_the_subtree():
    path = "00010003"
    upper = tree.successor(path)
    inside = ["00010003", "000100030001", "000100039999"]
    outside = ["00010002", "00010004", "0001", "000100040001"]
    assert all(path <= p < upper for p in inside)
    assert not any(path <= p < upper for p in outside)


def test_successor_carries_over_a_full_step():
    assert tree.successor("00019999") == "00020000"


def test_collapse_keeps_only_topmost_paths():
    assert tree.collapse(["00010002", "0001", "000100020003", "0002"]) == ["0001", "0002"]


def test_ancestors_root_first():
    assert tree.ancestors("000100020003") == ["0001", "00010002"]
    assert tree.depth("000100020003") == 3
