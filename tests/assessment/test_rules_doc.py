"""docs/rules.md documents every reason code the rules can produce, and only those."""

import ast
import re
from pathlib import Path

from assessment.rules.messages import CODE_TEMPLATES, MESSAGES, TEMPLATE_ONLY, reason_codes

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rules.md"
RULES = ROOT / "assessment" / "rules"
# A row of a reason-code table: "| `code` | severity | …"
ROW = re.compile(r"^\| `([a-z_]+)` \| (fail|unknown|warning|info)", re.M)


def _literal_codes() -> set[str]:
    """The string literals passed as the code (first argument) of Reason(...) in the rules."""
    codes = set()
    for path in RULES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Reason"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                codes.add(node.args[0].value)
    return codes


def test_every_code_in_the_rules_is_known():
    literal = _literal_codes()
    assert literal, "no Reason(...) calls found"
    assert literal <= reason_codes()


def test_every_code_has_a_template():
    for code in reason_codes():
        assert code in MESSAGES or code in CODE_TEMPLATES, code
    assert TEMPLATE_ONLY <= set(MESSAGES)


def test_every_reason_code_has_a_row_in_docs_rules_md():
    documented = set(ROW.findall(DOC.read_text(encoding="utf-8")))
    documented = {code for code, _severity in documented}
    missing = reason_codes() - documented
    stale = documented - reason_codes()
    assert not missing, f"reason codes without a row in docs/rules.md: {sorted(missing)}"
    assert not stale, f"docs/rules.md documents codes the rules no longer produce: {sorted(stale)}"


def test_the_what_if_error_codes_are_documented():
    text = DOC.read_text(encoding="utf-8")
    for code in ("required", "invalid"):
        assert f"| `{code}` |" in text
