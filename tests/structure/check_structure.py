#!/usr/bin/env python3
"""Checks the shape issue #26 gave the tree (docs/architecture.md, "Sizes"):
no source file in actors/, node/ or messages/ over 450 lines (the option
table may be longer), and no function over 80 lines.

A function is found the way the project formats code (clang-format): a
definition ends with a line that is "}" at column 0 (or at the indentation
of a class member), and it starts at the first line of its signature. The
check reads only what clang-format writes, so it stays a plain script.

Usage: check_structure.py SOURCE_DIR
"""
import os
import re
import sys

MAX_FILE_LINES = 450
MAX_FUNCTION_LINES = 80
# Files allowed to be longer, with the reason (issue #26 names it).
LONG_FILES = {
    "node/app/options.cpp": "the option table: one entry per option",
}
ROOTS = ("actors", "node", "messages")



def code_only(text):
    """`text` with comments, string and character literals blanked out
    (newlines kept, so line numbers hold)."""
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))
    text = re.sub(r'R"([^(]*)\((.|\n)*?\)\1"', blank, text)
    text = re.sub(r"(?m)^\s*#.*$", blank, text)  # the preprocessor's lines
    return re.sub(r'//[^\n]*|/\*(.|\n)*?\*/|"(\\.|[^"\\\n])*"|'
                  r"'(\\.|[^'\\\n])*'", blank, text)


def functions(text):
    """Yields (signature, first line, last line) of every function body at
    namespace scope or directly in a class (0-based lines)."""
    code = code_only(text)
    stack = []  # per open brace: "scope" (namespace, class) or "other"
    head_start = 0  # where the text before the next brace began
    line = 0
    opened = {}  # depth -> (signature, first line) of a function body
    for i, ch in enumerate(code):
        if ch == "\n":
            line += 1
        elif ch in ";}":
            if ch == "}" and stack:
                kind = stack.pop()
                if kind == "function":
                    sig, first = opened.pop(len(stack))
                    yield sig, first, line
            head_start = i + 1
        elif ch == "{":
            head = code[head_start:i]
            sig = " ".join(head.split())
            in_scope = all(k == "scope" for k in stack)
            if re.search(r"\bnamespace\b", sig) or (
                    "(" not in sig and re.match(
                        r"(template\s*<.*>\s*)?(struct|class|union)\b|"
                        r".*\b(struct|class)\s+\w+(\s*final)?"
                        r"(\s*:[^()]*)?$", sig)):
                stack.append("scope")
            elif (in_scope and "(" in sig and not sig.endswith("=")
                  and not re.match(r"(enum|extern)\b", sig)):
                first = line - code[head_start:i].lstrip().count("\n")
                opened[len(stack)] = (sig, first)
                stack.append("function")
            else:
                stack.append("other")
            head_start = i + 1


def main():
    root = sys.argv[1]
    problems = []
    for top in ROOTS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith((".cpp", ".hpp")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                lines = open(path, encoding="utf-8").read().split("\n")
                n = len(lines) - (1 if lines and lines[-1] == "" else 0)
                if n > MAX_FILE_LINES and rel not in LONG_FILES:
                    problems.append(f"{rel}: {n} lines (at most "
                                    f"{MAX_FILE_LINES})")
                for sig, first, last in functions("\n".join(lines)):
                    size = last - first + 1
                    if size > MAX_FUNCTION_LINES:
                        problems.append(
                            f"{rel}:{first + 1}: {size} lines in "
                            f"{sig[:70]}... (at most {MAX_FUNCTION_LINES})")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problems: see docs/architecture.md, "
              "\"Sizes\"")
        return 1
    print("structure: every file and function within its size")
    return 0


if __name__ == "__main__":
    sys.exit(main())
