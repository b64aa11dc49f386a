"""Colour contrast read from static/css/app.css (WCAG 2.1 AA): a form control's border at least
3:1 against the page and the cards it sits on (1.4.11 non-text contrast, which axe-core does not
check), and every text colour the stylesheet sets at least 4.5:1 against its background."""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "app.css"
CONTROL = re.compile(r"(^|[\s,>+~])(input|select|textarea)\b")
HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")


def rules() -> list[tuple[str, dict[str, str]]]:
    """(selector, {property: value}) for every rule, those inside @media too."""
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    found = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        declarations = {}
        for item in body.split(";"):
            name, _, value = item.partition(":")
            if value.strip():
                declarations[name.strip()] = value.strip()
        found.append((selector.strip().lstrip("}").strip(), declarations))
    return found


def variables() -> dict[str, str]:
    return next(d for s, d in rules() if s == ":root")


def colour(value: str) -> str | None:
    """The colour a declaration's value names (a hex, or a custom property that holds one)."""
    for name in re.findall(r"var\((--[\w-]+)\)", value):
        value = value.replace(f"var({name})", variables()[name])
    match = HEX.search(value)
    return match.group(0) if match else ("#ffffff" if re.search(r"\bwhite\b", value) else None)


def luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_formula():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    # The border the issue measured: far below 3:1.
    assert contrast("#d9dee7", "#ffffff") == pytest.approx(1.35, abs=0.01)


def control_borders() -> list[tuple[str, str]]:
    borders = []
    for selector, declarations in rules():
        if not CONTROL.search(selector):
            continue
        for name in ("border", "border-color"):
            value = declarations.get(name)
            if value and value not in {"0", "none"}:
                borders.append((selector, colour(value)))
    return borders


def test_form_control_borders_have_three_to_one_against_page_and_card():
    borders = control_borders()
    # The rule every text box, list and text area uses is among them.
    assert any("input[type=text]" in s and "select" in s for s, _ in borders), borders
    backgrounds = {"card": "#ffffff", "page (--bg)": variables()["--bg"]}
    for selector, border in borders:
        assert border, f"{selector}: border colour not found"
        for where, background in backgrounds.items():
            ratio = contrast(border, background)
            assert ratio >= 3, f"{selector}: border {border} on the {where} is {ratio:.2f}:1"


def test_text_colours_have_four_and_a_half_to_one():
    page, card = variables()["--bg"], "#ffffff"
    for name in ("--ink", "--muted", "--accent"):
        for background in (page, card):
            ratio = contrast(variables()[name], background)
            assert ratio >= 4.5, f"{name} on {background} is {ratio:.2f}:1"
    # Every rule that sets both a text colour and its background: the pair.
    pairs = 0
    for selector, declarations in rules():
        text, background = declarations.get("color"), declarations.get("background")
        if text and background and colour(text) and colour(background):
            pairs += 1
            ratio = contrast(colour(text), colour(background))
            assert ratio >= 4.5, f"{selector}: {text} on {background} is {ratio:.2f}:1"
    assert pairs >= 5
