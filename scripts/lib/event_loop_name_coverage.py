#!/usr/bin/env python3
"""Does the WebAssembly event-loop suite keep a test for every public name of weir? An issue's
acceptance wants "at least one test that runs here" (wasm-event-loop: the Catch2 suite less
[threads], no I/O backend) for every public name: namespace-scope names of weir and its
sub-namespaces (not detail, not anonymous) in core/include/weir and wasm/include/weir outside
*/detail/*, and the public member functions of weir::stream::stream_base (the stream adapters and
consumers). Prints the names found per header (to sanity-check this regex and brace-depth parser),
the uncovered names and a summary; exits 1 if any name is uncovered."""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER_ROOTS = [ROOT / "core/include/weir", ROOT / "wasm/include/weir"]
TEST_FILES = sorted(ROOT.glob("tests/core/*.cpp")) + sorted(ROOT.glob("tests/wasm/*.cpp"))
# em++ -dM -E without -pthread (no __linux__, _WIN32); WEIR_FRAME_POOL: weir/detail/abi.hpp
PREDEFINED = {"__EMSCRIPTEN__": 1, "__unix__": 1, "__has_feature": 1, "WEIR_FRAME_POOL": 1}
NO_IO_RETURN = re.compile(r"if \(![\w:]*(?:have_io|resolver_here|native_io)\b[^;{]*\) return;")
USING = re.compile(r"^\s*using\s+(?!namespace\b)[\w:]+\s*;", re.M)
KEYWORDS = set("if for while switch return sizeof decltype noexcept explicit operator".split())
LEXEMES = re.compile(r'//[^\n]*|/\*.*?\*/|R"(\w*)\(.*?\)\1"|"(?:\\.|[^"\\\n])*"'
                     r"|(?<!\w)'(?:\\.|[^'\\\n])+'", re.S)


def blank(text, strings):
    """Comments (and string/char literals if strings) to spaces, keeping offsets and newlines."""
    return LEXEMES.sub(lambda m: re.sub(r"[^\n]", " ", m[0])
                       if strings or m[0][:2] in ("//", "/*") else m[0], text)


def preprocess(text):
    """Blanks directives and the lines an em++ event-loop build leaves out (#if...#endif)."""
    macros, stack, active, out = dict(PREDEFINED), [], True, []
    def cond(e):  # an #if's expression, as Python
        e = re.sub(r"defined\s*\(?\s*(\w+)\s*\)?", lambda m: " %d " % (m[1] in macros), e)
        e = re.sub(r"__has_feature\s*\(\s*\w+\s*\)", " 0 ", e)  # no sanitizer
        e = re.sub(r"[A-Za-z_]\w*", lambda m: str(macros.get(m[0], 0)), e)
        e = re.sub(r"!(?!=)", " not ", e.replace("&&", " and ").replace("||", " or "))
        return bool(eval(e))
    for line in text.split("\n"):
        m = re.match(r"\s*#\s*(\w+)\s*(.*)", line)
        d, arg = (m[1], m[2].strip() + " ") if m else ("", "")
        if d in ("if", "ifdef", "ifndef"):  # stack: [active outside, a branch was taken]
            c = cond(arg) if d == "if" else (arg.split()[0] in macros) == (d == "ifdef")
            stack.append([active, active and c])
            active = stack[-1][1]
        elif d in ("elif", "else"):
            active = stack[-1][0] and not stack[-1][1] and (d == "else" or cond(arg))
            stack[-1][1] |= active
        elif d == "endif":
            active = stack.pop()[0]
        elif d == "define" and active:  # (no test file uses #undef)
            name, _, value = arg.partition(" ")
            macros[name] = int(value) if value.strip().isdigit() else 1
        out.append(line if active and not m else " " * len(line))
    return "\n".join(out)


def declared_name(head, functions_only=False):
    """(name, kind) that a declaration head (text up to `;` or `{`) introduces, or None."""
    h = re.sub(r"\[\[.*?\]\]|alignas\s*\([^)]*\)|\btemplate\s*<(?:[^<>]|<(?:[^<>]|<[^<>]*>)*>)*>",
               " ", head).strip()  # attributes, template heads (three levels of <> deep)
    if not h or re.match(r"(static_assert|friend|requires|extern\s+template)\b", h):
        return None
    for pattern, kind in ((r"(?:class|struct|union|enum(?:\s+class|\s+struct)?)\s+(\w+)", "type"),
                          (r"concept\s+(\w+)", "concept"), (r"using\s+(\w+)\s*=", "alias"),
                          (r"using\s+(?!namespace\b)[\w:]*::(\w+)\s*$", "alias")):
        if (m := re.match(pattern, h)) and not functions_only:
            return m[1], kind
    if h.startswith("using") or (functions_only and "(" not in h):
        return None
    top = h  # parenthesised groups become @, template arguments go
    while (new := re.sub(r"<[^<>]*>", "", re.sub(r"\([^()]*\)", "@", top))) != top:
        top = new
    eq, paren = re.search(r"(?<![=!<>])=(?!=)", top), top.find("@")
    if paren >= 0 and not (eq and eq.start() < paren):  # not `Class<...>::member(`, `operator T(`
        fn = [m[1] for m in re.finditer(r"(?<![\w:~])(?<!operator )(\w+)\s*@", top)]
        return next(((f, "function") for f in fn if f not in KEYWORDS), None)
    words = re.findall(r"[A-Za-z_]\w*", top[:eq.start()] if eq else top)
    return (words[-1], "variable") if len(words) >= 2 and words[-1] not in KEYWORDS else None


def public_names(path):
    """[(qualified name, kind)] a header declares; stream_base's public member functions too."""
    text = re.sub(r"^[ \t]*#(?:.*\\\n)*.*", "", blank(path.read_text(), True), flags=re.M)
    found, stack, start, access, paren = [], [], 0, "private", 0  # stack: a namespace path,
    for m in re.finditer(r"[{}();]", text):                    # "class" (stream_base) or None
        paren += (m[0] == "(") - (m[0] == ")")
        if m[0] in "()" or paren:  # braces in parentheses: default arguments, lambdas
            continue
        head, c, start = text[start:m.start()], m[0], m.end()
        cur = stack[-1] if stack else []
        if c == "}":
            stack.pop()
            continue
        if cur == "class":
            while (a := re.match(r"\s*(public|protected|private)\s*:", head)):
                access, head = a[1], head[a.end():]
            n = declared_name(head, functions_only=True) if access == "public" else None
            if n and n[0] != "stream_base":
                found.append(("weir::stream::stream_base::" + n[0], "member"))
        elif cur is not None:
            ns = re.match(r"\s*(?:inline\s+)?namespace\s*([\w:]*)\s*$", head)
            if c == "{" and ns:
                stack.append(cur + (ns[1].split("::") if ns[1] else [""]))
                continue
            public = cur[:1] == ["weir"] and not {"detail", ""} & set(cur)
            if public and (n := declared_name(head)):
                found.append(("::".join(cur + [n[0]]), n[1]))
                if c == "{" and n[0] == "stream_base" and cur == ["weir", "stream"]:
                    stack.append("class")
                    continue
        if c == "{":
            stack.append(None)
    return list(dict.fromkeys(found))


def local_includes(path, seen):
    """The code of the test headers a test file includes ("..."), recursively, each once."""
    incs = re.findall(r'^\s*#\s*include\s+"([^"]+)"', path.read_text(), re.M)
    new = {p for p in ((path.parent / i).resolve() for i in incs)
           if p.exists() and ROOT / "tests" in p.parents and p not in seen}
    seen |= new
    return "".join("\n" + preprocess(blank(p.read_text(), True)) + local_includes(p, seen)
                   for p in new)


def test_code():
    """(scope, code): what the event-loop suite runs (tests/CMakeLists.txt: tests/{core,wasm}/*.cpp,
    "[stream]~[threads]", "~[stream]~[threads]"; not after `if (!have_io(rt)) return;`; file-level
    code if a test of the file runs, not so returning); [threads] tests; code after such returns."""
    runs, threads, no_io = [], [], []
    for path in TEST_FILES:
        mask = preprocess(blank(path.read_text(), False))  # strings kept, for the tags
        code = "".join(" " if m == " " and c != "\n" else c
                       for c, m in zip(blank(path.read_text(), True), mask))
        rest, scope, any_runs = code, code + "\n" + local_includes(path, set()), False
        for m in re.finditer(r'\bTEST_CASE\s*\(\s*"(?:\\.|[^"\\])*"\s*(?:,\s*"([^"]*)")?', mask):
            tags, depth = re.findall(r"\[([^\]]*)\]", m[1] or ""), 0
            for j in range(code.index("{", m.end()), len(code)):  # to the body's closing brace
                if not (depth := depth + (code[j] == "{") - (code[j] == "}")):
                    break
            body = code[m.start():j + 1]
            rest = rest[:m.start()] + " " * len(body) + rest[j + 1:]
            if "threads" in tags:
                threads.append((scope, body))
            # "[stream]~[threads]" picks hidden [stream] tests too; "~[stream]~[threads]" does not
            elif not any(t.startswith(".") or t == "!hide" for t in tags) or "stream" in tags:
                cut = NO_IO_RETURN.search(body)
                runs.append((scope, body[:cut.start()] if cut else body))
                no_io.append((scope, body[cut.end():] if cut else ""))
                any_runs |= not cut  # a file whose tests all return at once runs no helper
        if any_runs:
            runs.append((scope, USING.sub("", rest + scope[len(code):])))
    return runs, threads, no_io


def uses(qualified, kind, units):
    """Used: qualified by its namespace or an alias, or bare after its using-declaration; members
    after `.` or `->`. Not in comments or strings."""
    ns, name = qualified.rsplit("::", 1)
    if kind == "member":
        member = re.compile(r"(?:\.|->)\s*(?:template\s+)?%s\s*[<(]" % name)
        return any(member.search(code) for _, code in units)
    plain = re.compile(r"(?<![\w.:])(?<!->)(?<!auto )%s(?=\s*(?:::|[(<>{&*])|\s+\w)" % name)
    for scope, code in units:
        quals = re.findall(r"namespace\s+(\w+)\s*=\s*(?:::)?%s\s*;" % ns, scope)
        quals.append(ns.split("::")[-1])
        if re.search(r"\b(?:%s)::\s*%s\b" % ("|".join(quals), name), code) or (
                re.search(r"using\s+(?:::)?%s::%s\s*;" % (ns, name), scope) and plain.search(code)):
            return True
    return False


# Types that tests never write out, each reached only through the name beside it, which returns
# or takes it: covered when that name is (checked by hand: the tests of that name use the type).
SB = "weir::stream::stream_base::"
REACHED_THROUGH = {
    "weir::unexpect_t": "weir::unexpect", "weir::worker_metrics": "weir::runtime_metrics",
    "weir::mpsc::try_send_result": "weir::mpsc::sender", "weir::mutex_guard": "weir::mutex",
    "weir::notified_op": "weir::notify", "weir::semaphore_permit": "weir::semaphore",
    "weir::stream::fallible": SB + "try_collect", "weir::stream::stream_like": SB + "next",
    "weir::stream::stream_base": SB + "next", "weir::stream::map_stream": SB + "map",
    "weir::stream::take_stream": SB + "take", "weir::stream::inspect_stream": SB + "inspect",
    "weir::stream::peekable_stream": SB + "peekable", "weir::stream::range_stream":
    "weir::stream::iter", "weir::stream::once_stream": "weir::stream::once",
    "weir::stream::empty_stream": "weir::stream::empty", "weir::stream::repeat_stream":
    "weir::stream::repeat", "weir::stream::channel_stream": "weir::stream::from_channel"}


def main():
    names = {}  # qualified name -> (kind, header); the first header that declares it
    for h in sorted(p for root in HEADER_ROOTS for p in root.rglob("*.hpp")):
        if "detail" not in (rel := h.relative_to(ROOT)).parts:
            found = [n for n in public_names(h) if n[0] not in names]
            names.update({q: (k, rel) for q, k in found})
            print(f"{len(found):3d} names  {rel}  " + " ".join(q.split("::")[-1] for q, _ in found))
    runs, threads, no_io = test_code()
    catch2 = TEST_FILES + sorted(ROOT.glob("tests/core/**/*.hpp"))
    anywhere = [(t, USING.sub("", t)) for t in (blank(p.read_text(), True) for p in catch2)]
    missing = [(q, k, h) for q, (k, h) in names.items() if not uses(q, k, runs)]
    via = {q: REACHED_THROUGH[q] for q, _, _ in missing if REACHED_THROUGH.get(q) in names}
    missing = [m for m in missing if m[0] not in via or via[m[0]] in {x[0] for x in missing}]
    print(f"\n{len(via)} types covered through the name that gives them (REACHED_THROUGH)")
    print("\nuncovered (no test that runs in the event-loop suite uses them):")
    for q, k, h in missing:
        why = ("used only in [threads] tests" if uses(q, k, threads) else
               "used only after an early return where there is no I/O" if uses(q, k, no_io) else
               "used only where em++ compiles it out (#if)" if uses(q, k, anywhere) else
               "in no test at all")
        print(f"  {q}  ({k}, {h}): {why}")
    print(f"\nevent-loop suite: {len(names) - len(missing)} of {len(names)} public names "
          "have a test that runs there")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
