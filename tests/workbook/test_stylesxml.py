"""The styles part gains only what it lacks, and reuses what it has."""

from __future__ import annotations

import pytest

from psos_xl.workbook.sheetfmt import widen_columns
from psos_xl.workbook.stylesxml import Fill, StylesXml

STYLES = (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="1"><font><sz val="10"/><name val="Arial"/></font></fonts>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1">'
    '<alignment wrapText="1"/></xf>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><dxfs count="0"/></styleSheet>'
)


def test_an_identical_cell_format_is_reused() -> None:
    styles = StylesXml(STYLES)
    assert styles.with_format("0", "#,##0.00") == "2"  # the user's own, same attributes
    assert styles.with_format(None, "#,##0.00") == "2"
    assert styles.with_format("2", "#,##0.00") == "2"
    assert styles.format_id("yyyy-mm-dd") == 164
    assert not styles.changed


def test_a_new_format_is_appended_keeping_the_base_look() -> None:
    styles = StylesXml(STYLES)
    s = styles.with_format("1", "0.0%")  # the filled, wrapped style, as a percentage
    assert s == "3"
    assert (
        '<numFmts count="2">' in styles.text and 'numFmtId="165" formatCode="0.0%"' in styles.text
    )
    xf = styles.text.split("<cellXfs", 1)[1].split("</cellXfs>")[0]
    assert 'count="4"' in xf and xf.count("<alignment") == 2 and xf.count('fillId="2"') == 2
    assert styles.with_format("1", "0.0%") == "3"  # asked again: the same entry
    assert styles.text.count('formatCode="0.0%"') == 1
    assert styles.with_format("1", "yyyy-mm-dd hh:mm") == "4"
    assert 'numFmtId="166"' in styles.text


def test_conditional_format_looks_go_into_a_self_closed_list() -> None:
    styles = StylesXml(STYLES)
    red = Fill("FFFFC7CE", "FF9C0006")
    assert styles.dxf(red) == 0 and styles.dxf(Fill("FFFFEB9C", "FF9C5700")) == 1
    assert styles.dxf(red) == 0
    assert '<dxfs count="2"><dxf>' in styles.text


def test_a_styles_part_without_cell_formats_is_refused() -> None:
    with pytest.raises(Exception, match="no cell formats"):
        StylesXml("<styleSheet></styleSheet>").with_format("0", "0.0%")


def test_widening_splits_a_span_and_never_narrows() -> None:
    xml = '<worksheet><cols><col min="1" max="5" width="9" customWidth="1"/></cols><sheetData/>'
    out = widen_columns(xml, "", {3: 20, 4: 5})
    assert (
        '<col min="1" max="2" width="9" customWidth="1"/>'
        '<col min="3" max="3" width="20" customWidth="1"/>'
        '<col min="4" max="5" width="9" customWidth="1"/>'
    ) in out
    assert widen_columns(out, "", {3: 12}) == out
    none = widen_columns("<worksheet><sheetData/>", "", {2: 11.5})
    assert '<cols><col min="2" max="2" width="11.5" customWidth="1"/></cols><sheetData/>' in none
