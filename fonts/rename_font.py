# rename_font.py SRC DST "Family Name" PostScriptName
# Rewrites the family and PostScript names (name table, and the CFF table of OTF fonts).
# Keeps name ID 0 (the copyright line) and the licence entries.
import sys
from fontTools.ttLib import TTFont

src, dst, family, ps = sys.argv[1:5]
f = TTFont(src)
name = f["name"]
style = name.getDebugName(2) or "Regular"
full = family if style == "Regular" else f"{family} {style}"
for nid in (1, 3, 4, 6, 16, 17, 18, 21, 22):
    name.removeNames(nameID=nid)
for nid, val in ((1, family), (3, f"{ps};dealbot"), (4, full), (6, ps)):
    name.setName(val, nid, 3, 1, 0x409)
if "CFF " in f:
    cff = f["CFF "].cff
    cff.fontNames = [ps]
    top = cff.topDictIndex[0]
    top.FullName, top.FamilyName = full, family
f.save(dst)
