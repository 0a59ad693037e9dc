"""BENCHMARKS.md in sections: a tool rewrites its own and keeps the others (dangjian.benchfile)."""

from dangjian.benchfile import write_section


def test_a_run_replaces_its_section_and_keeps_the_others(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    write_section(path, "bench:county", ["county 1"])
    write_section(path, "loadtest:full", ["load 1"])
    write_section(path, "bench:city", ["city 1"])
    write_section(path, "bench:county", ["county 2", "more"])
    text = path.read_text()
    assert text.startswith("# Benchmarks\n")
    assert "county 1" not in text and "county 2\nmore" in text and "load 1" in text and "city 1" in text
    assert text.index("county 2") < text.index("load 1") < text.index("city 1")  # each keeps its place
    assert text.count("<!-- bench:county:start -->") == 1
