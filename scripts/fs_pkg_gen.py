#!/usr/bin/python3
"""Turns rtl/fs_pkg.sv into the C++ header that the testbench and the C++ models use (one source for the
RTL<->C++ contract), and checks the header against the package as Verilator elaborates it.

  fs_pkg_gen.py PKG --header OUT.h          write the header (build step; needs only Python)
  fs_pkg_gen.py PKG --check [--verilator V]  the contract test: every name Verilator sees in the package is in
                                             the header, with the value Verilator computes for it

The parser is strict on purpose: a line it does not understand stops it with file:line, so nothing in the
package is ever skipped silently. It knows the forms the package uses: `localparam int [unsigned] Name = expr;`,
`typedef enum <base> { ... } name_e;` and `typedef struct packed { ... } name_t;`, with expressions of
literals, earlier names, `$bits(type)`, + - * / % << >> and parentheses.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


class PkgError(Exception):
    pass


class Package:
    """What the package declares, in declaration order."""

    def __init__(self):
        self.name = None
        self.params = []   # (name, value, signed, line)
        self.enums = []    # (name, width, [(member, value)], line)
        self.structs = []  # (name, width, [(field, lsb, width, type_name)], line)
        self.values = {}   # every constant name -> value
        self.widths = {}   # every type name -> bits
        self.enum_names = set()


TOKEN = re.compile(r"\s*(?:(\d+)?'(s?)([dhbo])([0-9a-fA-F_]+)|(\d+)|(\$bits)|([A-Za-z_][A-Za-z0-9_]*)|"
                   r"(<<|>>|[-+*/%()]))")


def evaluate(text, pkg, where):
    """Evaluates a constant expression of the package's grammar (see the module docstring)."""
    tokens = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise PkgError(f"{where}: cannot read expression '{text}' at '{text[pos:]}'")
        pos = m.end()
        size, _, base, digits, dec, bits, ident, op = m.groups()
        if digits is not None:
            value = int(digits.replace("_", ""), {"d": 10, "h": 16, "b": 2, "o": 8}[base])
            if size is not None and value >= 1 << int(size):
                raise PkgError(f"{where}: literal {m.group(0).strip()} does not fit in {size} bits")
            tokens.append(("num", value))
        elif dec is not None:
            tokens.append(("num", int(dec)))
        elif bits is not None:
            tokens.append(("bits", None))
        elif ident is not None:
            tokens.append(("id", ident))
        else:
            tokens.append(("op", op))
    tokens.append(("end", None))
    i = 0

    def peek():
        return tokens[i]

    def take(kind=None, value=None):
        nonlocal i
        tok = tokens[i]
        if (kind and tok[0] != kind) or (value and tok[1] != value):
            raise PkgError(f"{where}: unexpected '{tok[1]}' in expression '{text}'")
        i += 1
        return tok

    def primary():
        tok = take()
        if tok[0] == "num":
            return tok[1]
        if tok[0] == "id":
            if tok[1] not in pkg.values:
                raise PkgError(f"{where}: '{tok[1]}' is not declared before this line")
            return pkg.values[tok[1]]
        if tok[0] == "bits":
            take("op", "(")
            name = take("id")[1]
            take("op", ")")
            if name not in pkg.widths:
                raise PkgError(f"{where}: $bits({name}): no such type declared before this line")
            return pkg.widths[name]
        if tok == ("op", "("):
            v = additive()
            take("op", ")")
            return v
        if tok == ("op", "-"):
            return -primary()
        raise PkgError(f"{where}: unexpected '{tok[1]}' in expression '{text}'")

    def multiplicative():
        v = primary()
        while peek()[0] == "op" and peek()[1] in ("*", "/", "%"):
            op = take()[1]
            r = primary()
            v = v * r if op == "*" else v // r if op == "/" else v % r
        return v

    def additive():
        v = multiplicative()
        while peek()[0] == "op" and peek()[1] in ("+", "-"):
            op = take()[1]
            r = multiplicative()
            v = v + r if op == "+" else v - r
        return v

    def shift():
        v = additive()
        while peek()[0] == "op" and peek()[1] in ("<<", ">>"):
            op = take()[1]
            r = additive()
            v = v << r if op == "<<" else v >> r
        return v

    value = shift()
    take("end")
    return value


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return [re.sub(r"//.*", "", line).strip() for line in text.split("\n")]


IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
RANGE = r"\[\s*(.+?)\s*:\s*(.+?)\s*\]"


def base_width(text, pkg, where):
    """Width of an enum base or struct field type: logic, logic [a:b], int, int unsigned, or a typedef."""
    text = text.strip()
    if text in ("int", "int unsigned"):
        return 32
    if text in ("logic", "bit"):
        return 1
    m = re.fullmatch(r"(?:logic|bit)\s*" + RANGE, text)
    if m:
        hi, lo = evaluate(m.group(1), pkg, where), evaluate(m.group(2), pkg, where)
        if lo != 0 or hi < 0:
            raise PkgError(f"{where}: only [N-1:0] ranges are supported, got '{text}'")
        return hi + 1
    if text in pkg.widths:
        return pkg.widths[text]
    raise PkgError(f"{where}: unknown type '{text}'")


def declare(pkg, name, value, where):
    if name in pkg.values or name in pkg.widths:
        raise PkgError(f"{where}: '{name}' is declared twice")
    pkg.values[name] = value


def parse(path):
    pkg = Package()
    lines = strip_comments(open(path).read())
    state, block = "outside", None
    for number, line in enumerate(lines, 1):
        where = f"{path}:{number}"
        if not line:
            continue
        if state == "outside":
            m = re.fullmatch(r"package\s+(" + IDENT + r")\s*;", line)
            if not m:
                raise PkgError(f"{where}: expected 'package <name>;', got '{line}'")
            pkg.name, state = m.group(1), "package"
            continue
        if state == "package":
            if line == "endpackage":
                state = "done"
                continue
            m = re.fullmatch(r"localparam\s+int(\s+unsigned)?\s+(" + IDENT + r")\s*=\s*(.+);", line)
            if m:
                value = evaluate(m.group(3), pkg, where)
                signed = not m.group(1)
                if not (-(1 << 31) <= value < (1 << 32) if not signed else -(1 << 31) <= value < (1 << 31)):
                    raise PkgError(f"{where}: {m.group(2)} = {value} does not fit in 32 bits")
                declare(pkg, m.group(2), value, where)
                pkg.params.append((m.group(2), value, signed, number))
                continue
            m = re.fullmatch(r"typedef\s+enum\s+(.+?)\s*\{", line)
            if m:
                state, block = "enum", {"width": base_width(m.group(1), pkg, where), "members": [], "line": number}
                continue
            if re.fullmatch(r"typedef\s+struct\s+packed\s*\{", line):
                state, block = "struct", {"fields": [], "line": number}
                continue
            raise PkgError(f"{where}: the generator does not understand '{line}' (see scripts/fs_pkg_gen.py)")
        if state == "enum":
            m = re.fullmatch(r"\}\s*(" + IDENT + r")\s*;", line)
            if m:
                if not block["members"]:
                    raise PkgError(f"{where}: enum {m.group(1)} has no members")
                if m.group(1) in pkg.widths or m.group(1) in pkg.values:
                    raise PkgError(f"{where}: '{m.group(1)}' is declared twice")
                pkg.widths[m.group(1)] = block["width"]
                pkg.enum_names.add(m.group(1))
                pkg.enums.append((m.group(1), block["width"], block["members"], block["line"]))
                state = "package"
                continue
            for item in [part.strip() for part in line.split(",")]:
                if not item:
                    continue
                m = re.fullmatch(r"(" + IDENT + r")(?:\s*=\s*(.+))?", item)
                if not m:
                    raise PkgError(f"{where}: cannot read enum member '{item}'")
                if m.group(2) is not None:
                    value = evaluate(m.group(2), pkg, where)
                elif block["members"]:
                    value = block["members"][-1][1] + 1
                else:
                    value = 0
                if not 0 <= value < (1 << block["width"]):
                    raise PkgError(f"{where}: {m.group(1)} = {value} does not fit the enum's {block['width']} bits")
                if any(value == v for _, v in block["members"]):
                    raise PkgError(f"{where}: {m.group(1)} repeats the value {value}")
                declare(pkg, m.group(1), value, where)
                block["members"].append((m.group(1), value))
            continue
        if state == "struct":
            m = re.fullmatch(r"\}\s*(" + IDENT + r")\s*;", line)
            if m:
                name = m.group(1)
                if not block["fields"]:
                    raise PkgError(f"{where}: struct {name} has no fields")
                if name in pkg.widths or name in pkg.values:
                    raise PkgError(f"{where}: '{name}' is declared twice")
                # Packed structs put their first field at the most significant end.
                width = sum(w for _, w, _ in block["fields"])
                lsb, fields = width, []
                for field, w, type_name in block["fields"]:
                    lsb -= w
                    fields.append((field, lsb, w, type_name))
                pkg.widths[name] = width
                pkg.structs.append((name, width, fields, block["line"]))
                state = "package"
                continue
            m = re.fullmatch(r"(.+?)\s+(" + IDENT + r")\s*;", line)
            if not m:
                raise PkgError(f"{where}: cannot read struct field '{line}'")
            if any(f == m.group(2) for f, _, _ in block["fields"]):
                raise PkgError(f"{where}: field '{m.group(2)}' appears twice")
            type_name = m.group(1).strip()
            block["fields"].append((m.group(2), base_width(type_name, pkg, where), type_name))
            continue
        raise PkgError(f"{where}: text after endpackage: '{line}'")
    if state != "done":
        raise PkgError(f"{path}: ended inside {state} (no endpackage?)")
    return pkg


def cpp_header(pkg, source):
    out = [f"// Generated from {source} by scripts/fs_pkg_gen.py at build time: do not edit, edit the package.",
           "// Names are the package's own, so one grep finds a constant on both sides of the contract.",
           "#pragma once", "", "#include <cstdint>", "",
           f"namespace flipsim::{pkg.name} {{", "",
           "/// A field of a packed struct: bits [lsb, lsb + width) of the packed value.",
           "struct BitField {", "  int lsb;", "  int width;", "};", ""]
    items = [(line, "param", p) for p in pkg.params for line in [p[3]]]
    items += [(e[3], "enum", e) for e in pkg.enums]
    items += [(s[3], "struct", s) for s in pkg.structs]
    for _, kind, item in sorted(items, key=lambda x: x[0]):
        if kind == "param":
            name, value, signed, _ = item
            out.append(f"inline constexpr {'int32_t' if signed else 'uint32_t'} {name} = {value};")
        elif kind == "enum":
            name, width, members, _ = item
            out.append("")
            out.append(f"enum {name} : uint32_t {{")
            out += [f"  {m} = {v}," for m, v in members]
            out.append("};")
            out.append(f"inline constexpr int {name}_bits = {width};  ///< $bits({name})")
            out.append(f"inline constexpr int {name}_count = {len(members)};  ///< members of {name}")
            out.append(f"/// The member's name in the package; nullptr for a value that is no member.")
            out.append(f"constexpr const char* {name}_name({name} v) {{")
            out.append("  switch (v) {")
            out += [f'    case {m}: return "{m}";' for m, _ in members]
            out.append("  }")
            out.append("  return nullptr;")
            out.append("}")
            out.append("")
        else:
            name, width, fields, _ = item
            out.append("")
            out.append(f"struct {name} {{")
            out.append(f"  static constexpr int bits = {width};  ///< $bits({name})")
            out += [f"  static constexpr BitField {f}{{{lsb}, {w}}};" for f, lsb, w, _ in fields]
            out.append("};")
            out.append("")
    out += ["", f"}}  // namespace flipsim::{pkg.name}", ""]
    return "\n".join(re.sub(r"\n{3,}", "\n\n", "\n".join(out)).split("\n"))


def sv_check(pkg):
    """A module that stops elaboration with $fatal wherever the package disagrees with the parsed values."""
    out = ["// Generated by scripts/fs_pkg_gen.py --check: the package as Verilator elaborates it must equal",
           "// what the generator read from it (and so what the C++ header holds).",
           f"module {pkg.name}_check;", f"  import {pkg.name}::*;"]
    n = 0

    def check(cond, text):
        nonlocal n
        n += 1
        out.append(f"  if (!({cond})) begin : g_check_{n}")
        out.append(f'    $fatal(1, "fs_pkg_gen.py read {text} from the package, Verilator disagrees");')
        out.append("  end")

    for name, value, signed, _ in pkg.params:
        check(f"{name} == {value}" if value >= 0 else f"{name} == -{-value}", f"{name} = {value}")
    for name, width, members, _ in pkg.enums:
        check(f"$bits({name}) == {width}", f"$bits({name}) = {width}")
        for m, v in members:
            check(f"{m} == {width}'d{v}", f"{m} = {v}")
    for name, width, fields, _ in pkg.structs:
        check(f"$bits({name}) == {width}", f"$bits({name}) = {width}")
        for f, lsb, w, type_name in fields:
            # The field's mask, computed by the package's own packing: set every bit, clear the field, invert.
            clear = f"{type_name}'(0)" if type_name in pkg.enum_names else "'0"
            fn = f"mask_{name}_{f}"
            out.append(f"  function automatic logic [{width - 1}:0] {fn}();")
            out.append(f"    {name} v;")
            out.append("    v = '1;")
            out.append(f"    v.{f} = {clear};")
            out.append("    return ~v;")
            out.append("  endfunction")
            mask = ((1 << w) - 1) << lsb
            check(f"{fn}() == {width}'h{mask:x}", f"{name}.{f} at bits [{lsb + w - 1}:{lsb}]")
    out.append("endmodule")
    return "\n".join(out) + "\n"


def names_verilator_sees(xml_path, pkg_name):
    root = ET.parse(xml_path).getroot()
    names = set()
    for package in root.iter("package"):
        if package.get("name") != pkg_name:
            continue
        for var in package.iter("var"):
            if var.get("localparam") == "true" or var.get("param") == "true":
                names.add(var.get("name"))
        for typedef in package.iter("typedef"):
            names.add(typedef.get("name"))
    prefix = pkg_name + "::"
    for enum in root.iter("enumdtype"):
        if (enum.get("name") or "").startswith(prefix):
            names.update(item.get("name") for item in enum.iter("enumitem"))
    for struct in root.iter("structdtype"):
        if (struct.get("name") or "").startswith(prefix):
            sname = struct.get("name")[len(prefix):]
            names.update(f"{sname}.{m.get('name')}" for m in struct.iter("memberdtype"))
    return names


def check(pkg, path, verilator):
    """The contract test; returns a list of problems (empty when the header and the package agree)."""
    generated = {p[0] for p in pkg.params}
    for name, _, members, _ in pkg.enums:
        generated.add(name)
        generated.update(m for m, _ in members)
    for name, _, fields, _ in pkg.structs:
        generated.add(name)
        generated.update(f"{name}.{f}" for f, _, _, _ in fields)
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        xml = os.path.join(tmp, "pkg.xml")
        run = subprocess.run([verilator, "--xml-only", "--xml-output", xml, path], capture_output=True, text=True)
        if run.returncode != 0:
            return [f"verilator --xml-only {path} failed:\n{run.stdout}{run.stderr}"]
        seen = names_verilator_sees(xml, pkg.name)
        if not seen:
            return [f"verilator's XML of {path} lists nothing in package {pkg.name}: the check would prove nothing"]
        problems += [f"{n}: declared in the package but missing from the generated header"
                     for n in sorted(seen - generated)]
        problems += [f"{n}: in the generated header but not declared in the package" for n in sorted(generated - seen)]
        check_sv = os.path.join(tmp, f"{pkg.name}_check.sv")
        with open(check_sv, "w") as f:
            f.write(sv_check(pkg))
        run = subprocess.run([verilator, "--lint-only", "-Wall", "-Wno-DECLFILENAME", "-Werror-USERFATAL",
                              "--top-module", f"{pkg.name}_check", path, check_sv],
                             capture_output=True, text=True)
        if run.returncode != 0:
            problems.append(f"values differ (verilator on the generated check module):\n{run.stdout}{run.stderr}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("package", help="rtl/fs_pkg.sv")
    parser.add_argument("--header", help="write the C++ header here")
    parser.add_argument("--check", action="store_true", help="compare against Verilator's view of the package")
    parser.add_argument("--verilator", default="verilator")
    args = parser.parse_args()
    try:
        pkg = parse(args.package)
    except (PkgError, OSError) as e:
        print(f"fs_pkg_gen.py: {e}", file=sys.stderr)
        return 1
    if args.header:
        text = cpp_header(pkg, os.path.relpath(args.package, os.path.dirname(os.path.abspath(__file__)) + "/.."))
        # Rewrite only on change, so that a package edit that leaves the header alone rebuilds nothing.
        if not os.path.exists(args.header) or open(args.header).read() != text:
            os.makedirs(os.path.dirname(os.path.abspath(args.header)), exist_ok=True)
            with open(args.header, "w") as f:
                f.write(text)
    if args.check:
        problems = check(pkg, args.package, args.verilator)
        for p in problems:
            print(f"fs_pkg contract: {p}", file=sys.stderr)
        if problems:
            return 1
        print(f"fs_pkg contract: {len(pkg.params)} constants, {len(pkg.enums)} enums, {len(pkg.structs)} structs "
              "agree with Verilator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
