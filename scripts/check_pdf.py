"""Checks one PDF written by Tuinier with pikepdf (qpdf's parser), independently of the Rust code.

What it checks (each a line "ok ..." or "FAIL ..."):
  * document information: Title, Author, Creator, Producer, a CreationDate after 1970, no
    GTS_PDFXVersion (no PDF/X claim);
  * XMP metadata: pdfaid:part 2 and conformance B, dc:title and xmp:CreateDate agreeing with
    the document information, the stream not compressed;
  * an OutputIntent /GTS_PDFA1 with an embedded RGB ICC profile;
  * every font embedded, a CIDToGIDMap for every CIDFontType2;
  * /Lang, /MarkInfo /Marked true, a StructTreeRoot whose elements reach marked content
    (MCIDs) that exists on the pages, a ParentTree that maps each page's MCIDs back to their
    elements, every text-showing operator inside either marked content with an MCID or an
    /Artifact, TH cells in every table, alternative text on every Figure; it prints how many
    elements of each tag the tree has.
What it does not check: the whole of PDF/A-2b (veraPDF's rule set: glyph widths against the
font program, colour spaces of every object, ...) nor PDF/UA (the Matterhorn protocol), nor
whether the tags fit the meaning (a heading that should have been a paragraph).
"""

import re
import sys

import pikepdf
from pikepdf import Name

failures = []


def check(ok, what):
    print(("   ok    " if ok else "   FAIL  ") + what)
    if not ok:
        failures.append(what)


def text_of(obj):
    return str(obj) if obj is not None else ""


def main(path):
    pdf = pikepdf.open(path)
    print(f"== {path}: {len(pdf.pages)} page(s), PDF {pdf.pdf_version}")
    info = pdf.docinfo
    for key in ("/Title", "/Author", "/Creator", "/Producer"):
        check(key in info and text_of(info.get(key)).strip() != "", f"Info {key} = {text_of(info.get(key))!r}")
    created = text_of(info.get("/CreationDate"))
    check(re.match(r"D:(19[7-9]\d|2\d\d\d)", created) is not None and not created.startswith("D:1970"), f"Info /CreationDate = {created!r}")
    check("/GTS_PDFXVersion" not in info, "no /GTS_PDFXVersion in Info (no PDF/X claim)")

    root = pdf.Root
    meta_stream = root.get("/Metadata")
    check(meta_stream is not None and "/Filter" not in meta_stream, "XMP metadata stream present, not compressed")
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        part = meta.get("pdfaid:part")
        conf = meta.get("pdfaid:conformance")
        check(part == "2" and conf == "B", f"XMP PDF/A identification: part {part}, conformance {conf}")
        check(meta.get("dc:title") == text_of(info.get("/Title")), f"XMP dc:title = {meta.get('dc:title')!r}")
        create = meta.get("xmp:CreateDate") or ""
        check(create[:10].replace("-", "") == created[2:10], f"XMP xmp:CreateDate = {create!r}")
        check("pdfx:GTS_PDFXVersion" not in meta, "no GTS_PDFXVersion in XMP")

    intents = root.get("/OutputIntents") or []
    pdfa = [oi for oi in intents if oi.get("/S") == Name("/GTS_PDFA1")]
    check(len(pdfa) == 1, f"one /GTS_PDFA1 OutputIntent (of {len(intents)})")
    if pdfa:
        icc = pdfa[0].get("/DestinationOutputProfile")
        data = icc.read_bytes() if icc is not None else b""
        check(icc is not None and int(icc.get("/N", 0)) == 3 and data[36:40] == b"acsp" and data[16:20] == b"RGB ",
              f"its ICC profile is RGB ({len(data)} bytes, {pdfa[0].get('/OutputConditionIdentifier')})")

    fonts = {}
    for page in pdf.pages:
        for name, font in (page.Resources.get("/Font") or {}).items():
            fonts[str(font.get("/BaseFont"))] = font
    for base, font in fonts.items():
        desc = font.get("/FontDescriptor")
        if desc is None and "/DescendantFonts" in font:
            desc = font.DescendantFonts[0].get("/FontDescriptor")
        embedded = desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        check(embedded, f"font {base} embedded")
        for d in font.get("/DescendantFonts") or []:
            if d.get("/Subtype") == Name("/CIDFontType2"):
                check("/CIDToGIDMap" in d, f"font {base}: CIDFontType2 with a /CIDToGIDMap")

    check(text_of(root.get("/Lang")) != "", f"/Lang {text_of(root.get('/Lang'))!r}")
    mark = root.get("/MarkInfo")
    check(mark is not None and bool(mark.get("/Marked")), "/MarkInfo /Marked true")
    tree = root.get("/StructTreeRoot")
    check(tree is not None, "/StructTreeRoot present")
    if tree is None:
        return

    # Marked content on each page: MCIDs, and text shown outside marked content or artifacts.
    page_mcids = []
    page_text = []
    for number, page in enumerate(pdf.pages):
        stack = []
        mcids = {}
        loose = 0
        current = None
        for operands, op in pikepdf.parse_content_stream(page):
            op = str(op)
            if op == "BDC":
                props = operands[1]
                mcid = props.get("/MCID") if isinstance(props, pikepdf.Dictionary) else None
                stack.append((str(operands[0]), None if mcid is None else int(mcid)))
                if mcid is not None:
                    current = int(mcid)
                    mcids[current] = []
            elif op == "BMC":
                stack.append((str(operands[0]), None))
            elif op == "EMC":
                if stack:
                    stack.pop()
            elif op in ("Tj", "TJ"):
                inside = any(tag == "/Artifact" or m is not None for tag, m in stack)
                if not inside:
                    loose += 1
                mc = next((m for _, m in reversed(stack) if m is not None), None)
                if mc is not None:
                    mcids[mc].append(op)
        check(loose == 0, f"page {number + 1}: all text is marked content or artifact ({len(mcids)} MCIDs)")
        page_mcids.append(set(mcids))
        page_text.append(mcids)

    page_index = {page.objgen: i for i, page in enumerate(pdf.pages)}
    tags = {}
    reached = [set() for _ in pdf.pages]
    problems = []

    def walk(elem, depth, page_of_parent):
        tag = str(elem.get("/S"))
        tags[tag] = tags.get(tag, 0) + 1
        pg = elem.get("/Pg")
        page = page_index.get(pg.objgen) if pg is not None else page_of_parent
        if tag == "/Figure" and not text_of(elem.get("/Alt")):
            problems.append("a Figure without /Alt")
        if tag == "/Table":
            kids = [k for k in as_list(elem.get("/K")) if isinstance(k, pikepdf.Dictionary)]
            ths = sum(1 for r in kids for c in as_list(r.get("/K")) if isinstance(c, pikepdf.Dictionary) and c.get("/S") == Name("/TH"))
            if ths == 0:
                problems.append("a Table without TH cells")
        for kid in as_list(elem.get("/K")):
            if isinstance(kid, int):
                reached[page].add(kid)
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == Name("/MCR"):
                reached[page_index[kid.Pg.objgen]].add(int(kid.MCID))
            elif isinstance(kid, pikepdf.Dictionary):
                walk(kid, depth + 1, page)

    def as_list(k):
        if k is None:
            return []
        if isinstance(k, pikepdf.Array):
            return list(k)
        return [k]

    for top in as_list(tree.get("/K")):
        walk(top, 0, None)
    check(not problems, "tables have TH cells, figures have /Alt" + (f": {sorted(set(problems))}" if problems else ""))
    for i, (have, got) in enumerate(zip(page_mcids, reached)):
        check(have == got, f"page {i + 1}: the structure tree reaches every MCID of the page and no other ({len(got)} of {len(have)})")
    nums = list(tree.ParentTree.get("/Nums", []))
    mapped = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    ok = all(int(p.get("/StructParents", -1)) in mapped and len(mapped[int(p.StructParents)]) >= len(page_mcids[i]) for i, p in enumerate(pdf.pages))
    check(ok, "ParentTree: an entry per page with an element per MCID")
    print("   tags: " + ", ".join(f"{t[1:]} {n}" for t, n in sorted(tags.items())))


if __name__ == "__main__":
    for p in sys.argv[1:]:
        main(p)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
