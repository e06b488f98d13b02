"""The `gavel-verify` command. Exit status: 0 every check passed, 1 a check failed (named on the last line),
2 the input could not be read or the command line is wrong."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gavel_verify import __version__, formats
from gavel_verify.verify import InputError, VerificationFailed, parse_export, parse_heads, parse_receipts, read_source
from gavel_verify.verify import verify as run_checks

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


def _pinned_key(value: str) -> dict[str, bytes]:
    """A public key given as base64 of its 32 raw bytes, or a file holding that text."""
    text = value
    try:
        if Path(value).is_file():
            text = Path(value).read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        pass  # not a usable path (too long, say): take it as the key itself
    try:
        raw = formats.b64(text, "--public-key", size=32)
    except formats.FormatError as exc:
        raise InputError(f"--public-key: {exc}") from None
    return {formats.key_id(raw): raw}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gavel-verify",
        description="Check a Gavel auction export and/or bid receipts against Gavel's signed transparency log, "
                    "without trusting Gavel's database. Prints every check; exits 0 when all pass, 1 at the first "
                    "failure (named), 2 when an input cannot be read.")
    parser.add_argument("export", nargs="?", help="the auction export (JSON, as downloaded after the close)")
    parser.add_argument("--receipt", action="append", default=[], metavar="FILE",
                        help="a bid receipt (or a JSON list of them); may be given more than once")
    parser.add_argument("--heads", action="append", default=[], metavar="URL_OR_FILE",
                        help="more signed tree heads (a gavel-tree-heads document): a file, or an http(s) URL such "
                             "as Gavel's /transparency/log/heads.json; may be given more than once")
    parser.add_argument("--public-key", action="append", default=[], metavar="BASE64_OR_FILE",
                        help="trust only this log key (base64 of the 32 raw Ed25519 public-key bytes, or a file "
                             "holding it); without it, the keys the documents name are trusted, and printed")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the result")
    parser.add_argument("--version", action="version", version=f"gavel-verify {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.export is None and not args.receipt and not args.heads:
        parser.print_usage(sys.stderr)
        print("gavel-verify: give an export, a --receipt or --heads", file=sys.stderr)
        return EXIT_INPUT
    out = sys.stdout

    def say(status: str, check: str, detail: str) -> None:
        if not args.quiet:
            print(f"{status:<6}{check}: {detail}", file=out, flush=True)

    try:
        pinned: dict[str, bytes] = {}
        for value in args.public_key:
            pinned.update(_pinned_key(value))
        export = parse_export(read_source(args.export)) if args.export is not None else None
        heads = [parse_heads(read_source(source), source) for source in args.heads]
        receipts = [r for source in args.receipt for r in parse_receipts(read_source(source), source)]
        passed = run_checks(export=export, heads_documents=heads, receipts=receipts, pinned_keys=pinned or None,
                            say=say)
    except InputError as exc:
        print(f"gavel-verify: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except VerificationFailed as exc:
        print(f"FAIL  {exc.check}: {exc.detail}", file=out)
        print(f"FAILED: {exc.check}", file=out)
        return EXIT_FAILED
    print(f"PASSED: {passed} checks", file=out)
    return EXIT_OK
