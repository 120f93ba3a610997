"""The demo's transition inputs, built from data/ alone (nothing written): what each transition
says, and which choices are the demo's own, labelled illustrative."""

from pathlib import Path

from django.conf import settings

from devtools.reform import (
    BASIS_2024,
    DISTRICTS_CLOSED,
    transition_2024,
    transition_2025,
    transition_agencies,
)
from units.models import Unit, UnitSuccession

DATA = Path(settings.BASE_DIR) / "data"


def test_2024_merges_48_communes_renames_41_moves_11_and_cua_lo_joins_vinh():
    demo = transition_2024(DATA)
    data = demo.data
    assert (data.basis, data.effective_on.isoformat()) == (BASIS_2024, "2024-12-01")
    links = {link.old_code: link for link in data.links}
    assert len(data.links) == len(links) == 48 + 41 + 11 + 1
    assert len(data.new_units) == 41 + 11
    # Renamed and moved communes: the same code starts again, in full.
    assert links["16717"].new_code == "16717" and not links["16717"].illustrative  # Nghi Thuỷ, to Vinh
    new = {row.code: row for row in data.new_units}
    assert new["16717"].parent_code == "412"
    assert (new["17179"].name, new["17179"].kind) == ("Thị trấn Cầu Giát", Unit.Kind.TOWNSHIP)
    assert links["413"].new_code == "412"  # Thị xã Cửa Lò ends into Thành phố Vinh
    # The 29 successors of the data are taken as they are; the 19 unresolved are the demo's choice.
    assert links["16963"].new_code == "16969" and not links["16963"].illustrative
    illustrative = [link for link in data.links if link.illustrative]
    assert len(illustrative) == len(demo.choices) == 19 and data.illustrative
    assert links["16684"].new_code == "16669"  # Đội Cung: the first candidate named, Phường Lê Lợi
    assert links["16978"].new_code == "16972"  # Nghĩa Thịnh: "e.g. Nghĩa Hưng/…", not the 16969 ruled out
    assert links["17788"].new_code == links["17725"].new_code  # "see Thanh Hòa"
    assert all(link.share == UnitSuccession.Share.FULL for link in data.links)


def test_2025_makes_130_communes_under_the_province_and_ends_the_20_districts_closing_their_work():
    demo = transition_2025(DATA)
    data = demo.data
    assert data.effective_on.isoformat() == "2025-07-01" and "Nghệ An" in data.basis
    assert len(data.new_units) == 130 and {row.parent_code for row in data.new_units} == {"40"}
    assert next(row for row in data.new_units if row.code == "16681").name == "Phường Thành Vinh"
    assert len({link.old_code for link in data.links}) == 412
    into_thanh_vinh = {link.old_code for link in data.links if link.new_code == "16681"}
    assert into_thanh_vinh == {"16663", "16669", "16672", "16678", "16681", "18013"}  # Đông Vĩnh among them
    assert len(data.ended) == 20 and "412" in data.ended and "413" not in data.ended
    assert set(data.closures.values()) == {DISTRICTS_CLOSED}
    # The two split communes: the data give no proportion, the demo's equal halves are labelled.
    partial = [link for link in data.links if link.share == UnitSuccession.Share.PARTIAL]
    assert len(partial) == 4 and all(link.illustrative for link in partial)
    by_old: dict[str, int] = {}
    for link in partial:
        by_old[link.old_code] = by_old.get(link.old_code, 0) + link.fraction_ppm
    assert by_old == {"17647": 1_000_000, "17899": 1_000_000}
    assert not any(link.illustrative for link in data.links if link.share == UnitSuccession.Share.FULL)


def test_the_agency_merger_needs_both_agencies_in_the_file(tmp_path):
    demo = transition_agencies(DATA)
    assert [(link.old_code, link.new_code) for link in demo.data.links] == [("STTTT", "SKHCN")]
    (tmp_path / "nghe_an_provincial_units.csv").write_text(
        "code,name,kind,note\nCAT,Công an tỉnh,standing_body,\nSKHCN,Sở Khoa học và Công nghệ,department,\n",
        encoding="utf-8",
    )
    assert transition_agencies(tmp_path) is None
