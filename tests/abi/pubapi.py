# SPDX-License-Identifier: BSD-2-Clause
"""Parsers shared by the 'abi' suite: public headers and lib/libdeliver.map.

Everything is discovered from the files, never from lists kept here, so new headers, map
nodes and declarations are covered automatically.
"""
import os
import re

C_WORDS = {
    'void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed', 'unsigned', 'const',
    'volatile', 'restrict', 'struct', 'enum', 'union', 'extern', 'static', 'typedef',
    'sizeof', '_Bool', 'bool',
}


class Decl:
    """One top-level declaration (a statement ending in ';') of a public header."""

    def __init__(self, header, line, text, kind, name, experimental, cond_error, doc):
        self.header = header              # 'deliver/dns.h'
        self.line = line                  # line of its first character
        self.text = text                  # the declaration, comments removed, one line
        self.kind = kind                  # 'api', 'typedef', 'enum', 'other'
        self.name = name                  # declared name (function, typedef), or None
        self.experimental = experimental  # inside #ifdef DELIVER_EXPERIMENTAL_API
        self.cond_error = cond_error      # description of an unclear conditional, or None
        self.doc = doc                    # the /** */ comment right before it, or None

    def where(self):
        return '%s:%d' % (self.header, self.line)


def find_headers(src_include, build_include):
    """{'deliver/x.h': path}: include/deliver/*.h of the source tree and the build tree."""
    headers = {}
    for d in (src_include, build_include):
        sub = os.path.join(d, 'deliver')
        if os.path.isdir(sub):
            for fn in sorted(os.listdir(sub)):
                if fn.endswith('.h'):
                    headers['deliver/' + fn] = os.path.join(sub, fn)
    return headers


def blank_comments(text):
    """(text with comments replaced by spaces, same offsets; list of (start, end) comments)."""
    out = list(text)
    spans = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c and text[j] != '\n':
                j += 2 if text[j] == '\\' else 1
            i = j + 1
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            spans.append((i, j))
            for k in range(i, j):
                if out[k] != '\n':
                    out[k] = ' '
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            spans.append((i, j))
            for k in range(i, j):
                out[k] = ' '
            i = j
        else:
            i += 1
    return ''.join(out), spans


EXP_IF = re.compile(r'^(ifdef\s+DELIVER_EXPERIMENTAL_API|'
                    r'if\s+defined\s*\(?\s*DELIVER_EXPERIMENTAL_API\s*\)?)$')
CPP_IF = re.compile(r'^(ifdef\s+__cplusplus|if\s+defined\s*\(?\s*__cplusplus\s*\)?)$')


def _decl_name(kind, text):
    t = re.sub(r'\bDELIVER_API\b', ' ', text)
    t = re.sub(r'\b[A-Z][A-Z0-9_]*\s*\([^()]*\)', ' ', t)   # attribute macros
    t = re.sub(r'\b[A-Z][A-Z0-9_]*\b', ' ', t)               # bare macros
    if kind == 'typedef':
        m = re.search(r'\(\s*\*\s*(\w+)\s*\)\s*\(', t)        # function pointer type
        if m:
            return m.group(1)
        t = re.sub(r'\{.*\}', ' ', t, flags=re.S)
        ids = re.findall(r'[A-Za-z_]\w*', t)
        return ids[-1] if ids else None
    if kind == 'enum':
        m = re.match(r'\s*enum\s+(\w+)', t)
        return m.group(1) if m else None
    for m in re.finditer(r'([A-Za-z_]\w*)\s*\(', t):         # a function
        if m.group(1) not in C_WORDS:
            return m.group(1)
    ids = [i for i in re.findall(r'[A-Za-z_]\w*', re.split(r'[\[=]', t)[0])
           if i not in C_WORDS]                               # a variable
    return ids[-1] if ids else None


def parse_header(rel, path):
    """Top-level declarations of one header, as seen by a C compiler (the __cplusplus
    parts are skipped). Returns (decls, errors)."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    code, spans = blank_comments(text)
    comment_end = {e: s for s, e in spans}
    errors = []
    decls = []
    stack = []          # frames: 'guard', 'exp', 'notexp', 'cpp', 'notcpp', 'other', 'complex'
    first_if = True
    buf, start, depth, start_state = [], None, 0, None

    def state():
        exp = 'exp' in stack
        bad = None
        if 'notexp' in stack:
            bad = 'in the #else branch of #ifdef DELIVER_EXPERIMENTAL_API / #ifndef of it'
        elif 'complex' in stack:
            bad = 'inside a compound #if that mentions DELIVER_EXPERIMENTAL_API'
        return exp, bad

    pos = 0
    lines = code.split('\n')
    li = 0
    while li < len(lines):
        ln = lines[li]
        lstart = pos
        # Join continuation lines of directives.
        joined, consumed = ln, 1
        while joined.rstrip().endswith('\\') and li + consumed < len(lines):
            joined = joined.rstrip()[:-1] + ' ' + lines[li + consumed]
            consumed += 1
        m = re.match(r'^\s*#\s*(\w+)\s*(.*?)\s*$', joined)
        if m:
            d, rest = m.group(1), re.sub(r'\s+', ' ', m.group(2))
            if d in ('if', 'ifdef', 'ifndef'):
                full = d + ' ' + rest
                if first_if and d == 'ifndef':
                    stack.append('guard')
                elif EXP_IF.match(full):
                    stack.append('exp')
                elif CPP_IF.match(full):
                    stack.append('cpp')
                elif 'DELIVER_EXPERIMENTAL_API' in rest:
                    stack.append('notexp' if d == 'ifndef' else 'complex')
                else:
                    stack.append('other')
                first_if = False
            elif d in ('else', 'elif') and stack:
                top = stack[-1]
                stack[-1] = {'exp': 'notexp', 'notexp': 'complex', 'cpp': 'notcpp',
                             'notcpp': 'other'}.get(top, top)
            elif d == 'endif' and stack:
                stack.pop()
            for k in range(consumed):
                pos += len(lines[li + k]) + 1
            li += consumed
            continue
        skip = 'cpp' in stack
        for k, ch in enumerate(ln):
            if skip:
                break
            if start is None:
                if ch.isspace():
                    continue
                start, start_state = lstart + k, state()
            buf.append(ch)
            if ch == '{':
                depth += 1
            elif ch == '}':
                depth -= 1
            elif ch == ';' and depth == 0:
                stmt = re.sub(r'\s+', ' ', ''.join(buf)).strip()
                line = text.count('\n', 0, start) + 1
                if re.search(r'\bDELIVER_API\b', stmt):
                    kind = 'api'
                elif stmt.startswith('typedef'):
                    kind = 'typedef'
                elif re.match(r'enum\b', stmt):
                    kind = 'enum'
                else:
                    kind = 'other'
                exp, bad = start_state
                if state() != start_state:
                    bad = 'spans a preprocessor conditional'
                doc = None
                p = start
                while p > 0 and text[p - 1].isspace():
                    p -= 1
                if p in comment_end:
                    c = text[comment_end[p]:p]
                    if c.startswith('/**') and not c.startswith('/**<'):
                        doc = c
                decls.append(Decl(rel, line, stmt, kind, _decl_name(kind, stmt), exp, bad,
                                  doc))
                buf, start = [], None
        if not skip and start is not None:
            buf.append('\n')
        pos += len(ln) + 1
        li += 1
    if buf and ''.join(buf).strip():
        errors.append('%s: unterminated declaration at end of file: %s'
                      % (rel, ''.join(buf).strip()[:80]))
    if stack:
        errors.append('%s: unbalanced #if/#endif' % rel)
    return decls, errors


def parse_all(src_include, build_include):
    headers = find_headers(src_include, build_include)
    decls, errors = [], []
    for rel, path in sorted(headers.items()):
        d, e = parse_header(rel, path)
        decls += d
        errors += e
    return headers, decls, errors


def enum_members(decl):
    """[(name, value text or None)] of an enum declaration."""
    m = re.search(r'\{(.*)\}', decl.text, re.S)
    if not m:
        return []
    res = []
    for item in m.group(1).split(','):
        item = item.strip()
        if not item:
            continue
        if '=' in item:
            n, v = item.split('=', 1)
            res.append((n.strip(), v.strip()))
        else:
            res.append((item, None))
    return res


class MapNode:
    def __init__(self, name, line):
        self.name = name
        self.line = line
        self.globals = []     # (symbol, line)
        self.locals = []      # (pattern, line)
        self.parent = None


def parse_map(path):
    """Nodes of a GNU ld version script, in file order. Returns (nodes, errors)."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    code, _ = blank_comments(text)
    tokens = [(m.group(0), code.count('\n', 0, m.start()) + 1)
              for m in re.finditer(r'[A-Za-z0-9_.*?\[\]]+|"[^"]*"|[{}:;]', code)]
    nodes, errors = [], []
    i = 0

    def tok(k):
        return tokens[k][0] if k < len(tokens) else None

    while i < len(tokens):
        name, line = tokens[i]
        if tok(i + 1) != '{':
            errors.append('libdeliver.map:%d: expected "NODE {", found %r' % (line, name))
            return nodes, errors
        node = MapNode(name, line)
        i += 2
        section = None
        while tok(i) not in ('}', None):
            t, ln = tokens[i]
            if tok(i + 1) == ':' and t in ('global', 'local'):
                section = t
                i += 2
                continue
            if t == 'extern':
                errors.append('libdeliver.map:%d: extern "..." blocks are not allowed' % ln)
            if tok(i + 1) != ';':
                errors.append('libdeliver.map:%d: expected ";" after %r' % (ln, t))
                i += 1
                continue
            if section is None:
                errors.append('libdeliver.map:%d: %r outside global:/local:' % (ln, t))
            (node.globals if section == 'global' else node.locals).append((t, ln))
            i += 2
        if tok(i) is None:
            errors.append('libdeliver.map: node %s is not closed' % name)
            nodes.append(node)
            return nodes, errors
        i += 1
        if tok(i) not in (';', None) and tok(i + 1) == ';':
            node.parent = tok(i)
            i += 1
        if tok(i) != ';':
            errors.append('libdeliver.map:%d: expected ";" after the node %s'
                          % (tokens[min(i, len(tokens) - 1)][1], name))
        else:
            i += 1
        nodes.append(node)
    return nodes, errors
