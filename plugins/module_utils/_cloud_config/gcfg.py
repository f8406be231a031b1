# -*- coding: utf-8 -*-
# Copyright: vsphere_k8s.cloud_provider contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gcfg, the INI dialect of vsphere.conf and csi-vsphere.conf: quoting values so gcfg reads them back exactly,
and a reader that parses them as gcfg does (for validation and tests)."""

from __future__ import annotations


class GcfgError(ValueError):
    pass


def quote(value):
    """Always double-quoted; backslash and double quote escaped. gcfg reads back any UTF-8 text but line breaks
    and NUL. The error never holds the value (it may be a password): callers name the key."""
    text = "%s" % (value,)
    if "\n" in text or "\r" in text or "\0" in text:
        raise GcfgError("a vsphere.conf value cannot hold a line break (or NUL)")
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def render(sections):
    """sections: [(name, subsection or None, [(key, value)])]; values None are left out. An error names the
    section and key, never the value."""
    out = []
    for number, (name, sub, items) in enumerate(sections):
        items = [(k, v) for k, v in items if v is not None and v != "" and v != []]
        if not items and sub is None and name not in ("Global",):
            continue
        try:
            out.append("[%s]" % name if sub is None else "[%s %s]" % (name, quote(sub)))
        except GcfgError as e:
            raise GcfgError("the name of section %s number %d: %s" % (name, number + 1, e))
        for key, value in items:
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            try:
                out.append("%s = %s" % (key, quote(value)))
            except GcfgError as e:
                where = "[%s]" % name if sub is None else "[%s %s]" % (name, quote(sub))
                raise GcfgError("%s %s: %s" % (where, key, e))
        out.append("")
    return "\n".join(out)


def _unquote(raw, lineno):
    """A gcfg value: quoted parts with \\\\, \\", \\n, \\t escapes; unquoted parts end at ; or #."""
    out, i, quoted, pending_space = [], 0, False, ""
    raw = raw.strip()
    while i < len(raw):
        c = raw[i]
        if quoted:
            if c == "\\":
                i += 1
                if i >= len(raw):
                    raise GcfgError("line %d: a value ends in a lone backslash" % lineno)
                esc = raw[i]
                out.append({"n": "\n", "t": "\t", "b": "\b", "\\": "\\", '"': '"'}.get(esc))
                if out[-1] is None:
                    raise GcfgError("line %d: unknown escape \\%s" % (lineno, esc))
            elif c == '"':
                quoted = False
            else:
                out.append(c)
        else:
            if c in ";#":
                break
            if c == '"':
                out.append(pending_space)
                pending_space = ""
                quoted = True
            elif c.isspace():
                pending_space += c
            else:
                out.append(pending_space + c)
                pending_space = ""
        i += 1
    if quoted:
        raise GcfgError("line %d: an unterminated quote" % lineno)
    return "".join(out)


def parse(text):
    """{section: {key: value}} with section 'Name' or 'Name "sub"' -> ('Name', 'sub'). Keys are lower case
    (gcfg matches them case-insensitively); values as gcfg reads them."""
    data, current = {}, None
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s[0] in ";#":
            continue
        if s.startswith("["):
            end = s.rfind("]")
            if end < 0:
                raise GcfgError("line %d: a section header without ]" % lineno)
            head = s[1:end].strip()
            if " " in head:
                name, sub = head.split(None, 1)
                current = (name, _unquote(sub, lineno))
            else:
                current = (head, None)
            data.setdefault(current, {})
            continue
        if current is None:
            raise GcfgError("line %d: a value outside any section" % lineno)
        if "=" not in s:
            raise GcfgError("line %d: '%s' is not key = value" % (lineno, s))
        key, raw = s.split("=", 1)
        data[current][key.strip().lower()] = _unquote(raw, lineno)
    return data
