#!/usr/bin/env python3
"""Generate src/kmip/tables/*.gen.ts from the KMIP specification text.

Sources (text extracted from the OASIS HTML, cells of a table separated by " | " lines):
- KMIP 1.4 section 9.1.3.1 (tags), 9.1.3.2.x (enumerations), 9.1.3.3.x (bit masks);
- KMIP 2.1 section 11.x (enumerations, 11.56 is the tag table), 12.x (bit masks).
Names are normalised to CamelCase with the rules of KMIP Additional Message Encodings v1.0,
section 6.1.3 (the names the XML vectors use). Run: python3 scripts/gen-kmip-tables.py
"""
import re
import sys
from pathlib import Path

SPEC_DIR = Path("/work/shared/kmip/spec")
OUT_DIR = Path(__file__).resolve().parent.parent / "src" / "kmip" / "tables"
HEX_CELL = re.compile(r"^(?:0x)?([0-9A-Fa-f]{6,8})$")
RANGE_CELL = re.compile(r"^(?:0x)?[0-9A-Fa-fX]{6,8}\s*(?:[-\u2013\ufffd]\s*[0-9A-Fa-fX]{6,8})?$")
HEADING = re.compile(
    r"(?:^|\s)(?:9\.1\.3\.[23]\.\d+|1[12]\.\d+)\s+([A-Z][A-Za-z0-9#.\- ]*?)\s+(Enumerations?|Mask)(?=\s|$)"
)


def camel(text):
    """KMIP Additional Message Encodings v1.0 section 6.1.3, rules 1-6."""
    s = re.sub(r"[()]", " ", text)
    s = re.sub(r"\W([A-Za-z][a-z])", r" \1", s)
    words = [re.sub(r"\W", "_", w) for w in s.split()]
    words[0] = re.sub(r"^(\d+)(.*)", r"\2\1", words[0])
    return "".join(w[0].upper() + w[1:] for w in words)


def cells(path):
    raw = path.read_bytes().decode("cp1252", "replace").replace("\r", "")
    out, cur = [], []
    for line in raw.split("\n"):
        if line.strip() == "|":
            out.append(" ".join(" ".join(cur).split()))
            cur = []
        elif line.strip():
            cur.append(line.strip())
    out.append(" ".join(" ".join(cur).split()))
    return out


def first_token(cell):
    return cell.split(" ")[0] if cell else ""


def tables(path):
    """Yield (heading, header, rows) for every Name/Value table; rows are (text, value)."""
    c = cells(path)
    last_end = 0
    for i in range(len(c) - 2):
        is_tag = c[i] == "Tag" and c[i + 1] in ("Object", "Name") and c[i + 2] in ("Tag Value", "Value")
        if not is_tag and not (c[i + 1] == "Name" and c[i + 2] == "Value"):
            continue
        before = " ".join(c[max(last_end - 1, 0) : i + 1])
        found = list(HEADING.finditer(before))
        heading = None
        if found:
            m = found[-1]
            heading = m.group(1) + (" Mask" if m.group(2) == "Mask" else "")
        rows, j = [], i + 3
        while j + 1 < len(c):
            tok = first_token(c[j + 1])
            if RANGE_CELL.match(c[j + 1]) or RANGE_CELL.match(tok) or HEX_CELL.match(tok):
                rows.append((c[j], tok))
                j += 2
            else:
                break
        last_end = j
        yield ("Tag" if is_tag else heading, c[i], rows)


def clean_rows(rows):
    out = []
    for text, value in rows:
        m = HEX_CELL.match(value)
        if not m or text.startswith("(") or text == "Extensions":
            continue
        out.append((text, int(m.group(1), 16)))
    return out


# Table header cells or headings that the text extraction gets wrong (checked by hand).
NAME_FIXES = {
    "Recommended Curve Enumeration": "Recommended Curve",
    "Batch Error Continuation": "Batch Error Continuation Option",
    "Object Group Member Option": "Object Group Member",
    "Profile Name Type": "Profile Name",
    "Destroy Action Type": "Destroy Action",
    "NIST Key Type Enumeration": "NIST Key Type",
    "Unique Identifier Enumerations": "Unique Identifier",
    "DRBG Algorithm Enumeration": "DRBG Algorithm",
}
# Value names the text extraction or the spec gets wrong (superscripts lost, a typo).
VALUE_FIXES = {
    ("Mask Generator", "MFG1"): "MGF1",
    ("Split Key Method", "Polynomial Sharing GF (216)"): "Polynomial Sharing GF (2^16)",
    ("Split Key Method", "Polynomial Sharing GF (28)"): "Polynomial Sharing GF (2^8)",
}
# KMIP 2.1 sections 11.38/11.39 take these values from PKCS#11 (v2.40): the 1-based offset of a
# function in CK_FUNCTION_LIST, and the CKR_ return codes (named without the prefix, as in the
# OASIS vectors: "OK"). Read from the PKCS#11 header that p11-kit installs.
PKCS11_HEADER = Path("/usr/include/p11-kit-1/p11-kit/pkcs11.h")


def pkcs11_enums():
    text = PKCS11_HEADER.read_text()
    struct = text[text.index("struct ck_function_list\n{") :]
    struct = struct[: struct.index("};")]
    functions = re.findall(r"^\s*CK_(C_\w+) \1;", struct, re.M)
    if len(functions) != 68:
        sys.exit(f"expected the 68 functions of PKCS#11 v2.40, found {len(functions)}")
    codes = re.findall(r"^#define CKR_(\w+)\s+\((0x[0-9a-fA-F]+|\d+)UL\)", text, re.M)
    return {
        "PKCS#11 Function": [(n, i + 1, n) for i, n in enumerate(functions)],
        "PKCS#11 Return Code": [(n, int(v, 0), "CKR_" + n) for n, v in codes],
    }


def collect(path):
    tags, enums = {}, {}
    for heading, header, rows in tables(path):
        name = heading or header
        name = NAME_FIXES.get(name, name)
        entries = clean_rows(rows)
        if name == "Tag":
            tags.update({camel(t): (v, t) for t, v in entries})
            continue
        if name in enums:
            print(f"warning: {path.name}: table {name!r} twice (header {header!r})", file=sys.stderr)
        enums[name] = [(camel(VALUE_FIXES.get((name, t), t)), v, t) for t, v in entries]
    return tags, enums


MASKS = ("Cryptographic Usage Mask", "Storage Status Mask", "Protection Storage Mask")
HEADER = "// Generated by scripts/gen-kmip-tables.py from the KMIP specification text: do not edit.\n"


def merge_tags(t1, t2):
    """KMIP 1.4 tags plus KMIP 2.1 tags; a 2.1 "(Reserved)" slot keeps its 1.x name."""
    merged = dict(t1)
    for name, (value, text) in t2.items():
        if "Reserved" in text or name in merged:
            if name in merged and merged[name][0] != value:
                sys.exit(f"tag {name} has two values")
            continue
        merged[name] = (value, text)
    by_value = {}
    for name, (value, _) in merged.items():
        if value in by_value:
            sys.exit(f"tag value {value:#x} has two names: {by_value[value]}, {name}")
        by_value[value] = name
    return sorted(merged.items(), key=lambda kv: kv[1][0])


def merge_enum(v1, v2):
    """2.1 names are canonical; 1.x-only values are kept; 1.x spellings of a 2.1 value are aliases."""
    rows = {value: (name, text) for name, value, text in v2}
    aliases = {}
    for name, value, text in v1:
        if value not in rows:
            rows[value] = (name, text)
        elif rows[value][0] != name:
            aliases[name] = value
    return sorted(rows.items()), aliases


def ts_key(name):
    return name if re.match(r"^[A-Za-z_$][\w$]*$", name) else f'"{name}"'


def write_tags(rows):
    lines = [HEADER, "/** KMIP 1.4 section 9.1.3.1 and KMIP 2.1 section 11.56: tag name -> tag. */"]
    lines.append("export const TAG_TABLE = {")
    lines += [f"  {ts_key(n)}: 0x{v:06x}," for n, (v, _) in rows]
    lines += ["} as const;", "", "/** Spec text of each tag (the KMIP 1.x attribute name where it is one). */"]
    lines.append("export const TAG_TEXT: { readonly [K in keyof typeof TAG_TABLE]: string } = {")
    lines += [f'  {ts_key(n)}: "{t}",' for n, (_, t) in rows]
    lines.append("};")
    (OUT_DIR / "tags.gen.ts").write_text("\n".join(lines) + "\n")


def write_enums(file, doc, names, e1, e2):
    lines = [HEADER]
    all_aliases = {}
    for name in names:
        rows, aliases = merge_enum(e1.get(name, []), e2.get(name, []))
        ident = camel(name)
        where = "; ".join(x for x in ("KMIP 1.4" if name in e1 else "", "KMIP 2.1" if name in e2 else "") if x)
        lines.append(f"/** {name} ({where}). */")
        lines.append(f"export const {ident} = {{")
        lines += [f"  {ts_key(n)}: 0x{v:08x}," for v, (n, _) in rows]
        lines += ["} as const;", ""]
        if aliases:
            all_aliases[ident] = aliases
    lines.append(f"/** {doc} */")
    lines.append("export const " + ("MASK_TABLES" if file == "masks" else "ENUM_TABLES") + " = {")
    lines += [f"  {camel(n)}," for n in names]
    lines += ["} as const;", ""]
    if file == "enums":
        lines.append("/** KMIP 1.x spellings of values that KMIP 2.1 renamed (accepted when reading). */")
        lines.append("export const ENUM_ALIASES: Readonly<Record<string, Readonly<Record<string, number>>>> = {")
        for ident, aliases in all_aliases.items():
            lines.append(f"  {ident}: {{")
            lines += [f"    {ts_key(a)}: 0x{v:08x}," for a, v in aliases.items()]
            lines.append("  },")
        lines.append("};")
    (OUT_DIR / f"{file}.gen.ts").write_text("\n".join(lines) + "\n")


def main():
    t1, e1 = collect(SPEC_DIR / "kmip-spec-v1.4-os.txt")
    t2, e2 = collect(SPEC_DIR / "kmip-spec-v2.1-os.txt")
    e2.update(pkcs11_enums())
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write_tags(merge_tags(t1, t2))
    all_names = sorted(set(e1) | set(e2), key=camel)
    enum_names = [n for n in all_names if n not in MASKS]
    mask_names = [n for n in all_names if n in MASKS]
    write_enums("enums", "Every enumeration, by its normalised name.", enum_names, e1, e2)
    write_enums("masks", "Every bit mask, by its normalised name.", mask_names, e1, e2)


if __name__ == "__main__":
    main()
