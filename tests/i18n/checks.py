"""What is not yet written for translation: text in templates outside {% translate %} / {% blocktranslate %}, and
user-facing strings in the code given as plain literals (form and API errors, service refusals, messages,
notifications, labels). tests/i18n/test_catalogues.py requires both lists empty.

`python -m tests.i18n.checks [path ...]` prints the findings (all of the project by default), one per line."""

from __future__ import annotations

import ast
import builtins
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "auctions", "core", "insights", "inspections", "integrations", "live", "marketplace", "payments",
        "privacy", "transparency", "config"]
TEMPLATE_DIRS = [ROOT / "templates"]

# Words that read the same in every language Gavel speaks (names, units, codes); a text of only these, numbers and
# punctuation needs no translation.
SAME_IN_EVERY_LANGUAGE = {"gavel", "api", "vin", "iban", "pdf", "json", "csv", "svg", "ok", "km", "http", "https",
                          "url", "id", "vat", "eur", "gbp", "totp", "sha", "sha-256", "ed25519", "cc", "kw", "hp",
                          "co2", "g", "kg", "l", "x", "ps", "rss", "github", "openapi", "swagger", "redoc",
                          "webhook", "webhooks", "mot", "www", "html", "bic", "iso", "utc", "cet"}
HUMAN_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "aria-roledescription",
                    "data-confirm", "content"}
PLACEHOLDER = "\u2063"  # where a template tag or variable stood: not a letter

_BLOCK_TRANSLATE = re.compile(r"{%-?\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
_COMMENT_BLOCK = re.compile(r"{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", re.S)
_TAG_OR_VAR = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
_WORD = re.compile(r"[^\W\d_][\w\-]*", re.UNICODE)


def needs_translation(text: str) -> bool:
    words = [w.lower() for w in _WORD.findall(text.replace(PLACEHOLDER, " "))]
    return any(w not in SAME_IN_EVERY_LANGUAGE for w in words)


def _strip_template(source: str) -> str:
    source = _COMMENT_BLOCK.sub(PLACEHOLDER, source)
    source = _BLOCK_TRANSLATE.sub(PLACEHOLDER, source)
    return _TAG_OR_VAR.sub(PLACEHOLDER, source)


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0  # inside <script>, <style>, <svg>, <code>, <pre>

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "svg", "code", "pre"}:
            self._skip += 1
        names = {name for name, _value in attrs}
        for name, value in attrs:
            if value is None:
                continue
            meta_name = dict(attrs).get("name") or ""
            human = name in HUMAN_ATTRIBUTES and not (name == "content" and (
                "name" not in names or meta_name in {"viewport", "theme-color", "color-scheme", "robots"}))
            if tag == "input" and name == "value" and dict(attrs).get("type") in {"submit", "button"}:
                human = True
            if human and needs_translation(value):
                self.found.append((self.getpos()[0], f'{name}="{value.strip()}"'))

    def handle_startendtag(self, tag, attrs):
        skip = self._skip
        self.handle_starttag(tag, attrs)
        self._skip = skip

    def handle_endtag(self, tag):
        if tag in {"script", "style", "svg", "code", "pre"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and needs_translation(data):
            self.found.append((self.getpos()[0], " ".join(data.split())))


def unmarked_template_text(paths: list[Path] | None = None) -> list[str]:
    findings = []
    for path in sorted(_template_files(paths)):
        stripped = _strip_template(path.read_text(encoding="utf-8"))
        rel = path.relative_to(ROOT)
        if path.suffix == ".txt":
            for number, line in enumerate(stripped.splitlines(), 1):
                if needs_translation(line):
                    findings.append(f"{rel}:{number}: {line.strip()}")
            continue
        finder = _TextFinder()
        finder.feed(stripped)
        findings += [f"{rel}:{line}: {text.replace(PLACEHOLDER, '…')}" for line, text in finder.found]
    return findings


def _template_files(paths):
    for base in paths or TEMPLATE_DIRS:
        base = Path(base).resolve()
        candidates = [base] if base.is_file() else [*base.rglob("*.html"), *base.rglob("*.txt")]
        yield from (p for p in candidates if p.suffix in {".html", ".txt"} and "templates" in p.parts)


# -- code ----------------------------------------------------------------------------------------------------------

# Exceptions people never read (a programming error, an operator's command line): their texts stay in English.
_INTERNAL_EXCEPTIONS = {name for name in dir(builtins) if name.endswith(("Error", "Exception"))} | {
    "ImproperlyConfigured", "CommandError", "NotImplementedError", "AssertionError", "SuspiciousOperation",
    "DisallowedHost", "Retry", "TimeoutError",
    # The operator's: the transparency log's signing key (transparency.signing has no Django; its messages reach the
    # operator through a system check and the key command), and system checks, as Django's own are.
    "SigningKeyError", "Error", "Warning", "Critical",
    # The operator's too: backups and restores (manage.py backup/restore), settings read at start-up, and the outbox
    # worker's delivery failure (logged, retried).
    "BackupError", "EnvironmentInvalid", "RedisError"}
_TELLING_FUNCTIONS = {"success", "info", "warning", "error", "add_message"}  # django.contrib.messages
_NOTIFY_FUNCTIONS = {"notify", "notify_many", "notify_later", "notify_user_id", "auction_dealer_notify",
                     "auction_dealer_notify_later"}
_TEXT_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "message", "detail", "title", "body",
                  "empty_label", "description", "short_description"}


def _literal(node) -> bool:
    """A plain English text (a literal or an f-string with words), not a code or a key."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return " " in node.value.strip() or node.value[:1].isupper() and needs_translation(node.value)
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return needs_translation(text)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _literal(node.left)
    return False


def _texts_in(node):
    """The literal texts in an argument: itself, or a dict's / list's values (fields={"x": ["..."]})."""
    if isinstance(node, ast.Dict):
        for value in node.values:
            yield from _texts_in(value)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for item in node.elts:
            yield from _texts_in(item)
    elif _literal(node):
        yield node


def _func_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


class _CodeFinder(ast.NodeVisitor):
    def __init__(self):
        self.found: list[tuple[int, str]] = []
        self._function: list[str] = []

    def _flag(self, node, why):
        self.found.append((node.lineno, f"{why}: {ast.unparse(node)[:90]}"))

    def visit_FunctionDef(self, node):
        self._function.append(node.name)
        self.generic_visit(node)
        self._function.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Return(self, node):
        if self._function and self._function[-1] in {"default_message", "message"} and node.value is not None:
            for text in _texts_in(node.value):
                self._flag(text, "message")
        self.generic_visit(node)

    def visit_Assign(self, node):
        names = {t.id for t in node.targets if isinstance(t, ast.Name)}
        if names & {"default_detail", "verbose_name", "verbose_name_plural", "message", "welcome", "title"}:
            for text in _texts_in(node.value):
                self._flag(text, "text attribute")
        self.generic_visit(node)

    def visit_Call(self, node):
        name = _func_name(node)
        is_logging = isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and \
            node.func.value.id in {"logger", "logging", "log"}
        if is_logging:
            return
        if name.endswith(("Error", "Refused", "Failed", "Denied", "Exception", "Throttled", "Invalid")) or \
                name in {"Http404", "PermissionDenied"} or (name[:1].isupper() and name.endswith("Error")):
            if name not in _INTERNAL_EXCEPTIONS:
                for arg in node.args[:1]:
                    for text in _texts_in(arg):
                        self._flag(text, f"{name}()")
                for keyword in node.keywords:
                    if keyword.arg in {"message", "detail", "fields"}:
                        for text in _texts_in(keyword.value):
                            self._flag(text, f"{name}({keyword.arg}=)")
        elif name in _TELLING_FUNCTIONS and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.value.id == "messages":
            for arg in node.args[1:]:
                for text in _texts_in(arg):
                    self._flag(text, f"messages.{name}()")
        elif name == "add_error":
            for arg in node.args[1:2]:
                for text in _texts_in(arg):
                    self._flag(text, "add_error()")
        elif name in _NOTIFY_FUNCTIONS:
            for keyword in node.keywords:
                if keyword.arg in {"title", "body"}:
                    for text in _texts_in(keyword.value):
                        self._flag(text, f"{name}({keyword.arg}=)")
        if name not in {"gettext", "gettext_lazy", "_", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy",
                        "translatable", "format_lazy"}:
            for keyword in node.keywords:
                if keyword.arg in _TEXT_KEYWORDS - {"message", "detail", "title", "body"}:
                    for text in _texts_in(keyword.value):
                        self._flag(text, f"{keyword.arg}=")
                if keyword.arg == "error_messages":
                    for text in _texts_in(keyword.value):
                        self._flag(text, "error_messages=")
        self.generic_visit(node)


def unmarked_code_text(paths: list[Path] | None = None) -> list[str]:
    findings = []
    for path in sorted(_code_files(paths)):
        finder = _CodeFinder()
        finder.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        rel = path.relative_to(ROOT)
        findings += [f"{rel}:{line}: {text}" for line, text in finder.found]
    return findings


def _code_files(paths):
    for base in paths or [ROOT / app for app in APPS]:
        base = Path(base).resolve()
        candidates = [base] if base.is_file() else base.rglob("*.py")
        for path in candidates:
            if path.suffix == ".py" and "migrations" not in path.parts and "management" not in path.parts \
                    and "templates" not in path.parts:
                yield path


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or None
    template_paths = [p for p in paths or [] if p.suffix in {".html", ".txt"} or "templates" in p.parts]
    code_paths = [p for p in paths or [] if p not in template_paths]
    findings = []
    if paths is None or template_paths:
        findings += unmarked_template_text(template_paths or None)
    if paths is None or code_paths:
        findings += unmarked_code_text(code_paths or None)
    print("\n".join(findings))
    print(f"{len(findings)} unmarked", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
