"""MkDocs hooks: the reference pages that are generated, so they never drift from the code.

- reference/scenario.md: every scenario and campaign field, from the JSON Schema that
  `odcsim schema` prints (itself from the pydantic models `validate` uses);
- reference/results.md: the README's sections on result files and recording;
- reference/cli.md: `odcsim --help` and every command's help.
"""
from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]


def _type(schema: dict) -> str:
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in schema:
        return " or ".join(dict.fromkeys(_type(s) for s in schema["anyOf"]))
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if kind == "string" and "pattern" in schema:
        return "text (e.g. 30m)"
    bounds = [f"{op} {schema[k]}" for k, op in (("minimum", "≥"), ("exclusiveMinimum", ">"),
                                                 ("maximum", "≤"), ("exclusiveMaximum", "<")) if k in schema]
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _model_table(name: str, schema: dict) -> list[str]:
    lines = [f"### {name}", ""]
    if schema.get("description"):
        lines += [_cell(schema["description"]), ""]
    props = schema.get("properties", {})
    if not props:
        return lines + ["(no fields)", ""]
    required = set(schema.get("required", []))
    lines += ["| field | type | default | description |", "|---|---|---|---|"]
    for field, prop in props.items():
        default = "required" if field in required else (f"`{prop['default']}`" if "default" in prop else "")
        lines.append(f"| `{field}` | {_cell(_type(prop))} | {_cell(default)} | {_cell(prop.get('description', ''))} |")
    return lines + [""]


def scenario_reference() -> str:
    from sim.config.json_schema import odcsim_json_schema

    schema = odcsim_json_schema()
    defs = schema["$defs"]
    lines = ["# Scenario and campaign fields", "",
             "Generated from the JSON Schema that `odcsim schema` prints (the pydantic models `odcsim validate` "
             "uses). Durations accept `90s`, `45m`, `6h`, `7d`; units are in the field names (`_m`, `_km`, `_w`, "
             "`_s`, `_k`, `_deg`). `odcsim validate` also checks files and names across sections.", "",
             "## Scenario file", ""]
    lines += _model_table("OdcsimScenario", defs["OdcsimScenario"])
    lines += ["## Campaign file", ""]
    lines += _model_table("OdcsimCampaign", defs["OdcsimCampaign"])
    lines += ["## Sections and their parts", ""]
    for name in sorted(defs):
        if name not in ("OdcsimScenario", "OdcsimCampaign"):
            lines += _model_table(name, defs[name])
    return "\n".join(lines)


def readme_sections(*titles: str) -> str:
    """The README's `## ` sections whose heading starts with one of `titles`, headings kept."""
    text = (ROOT / "README.md").read_text()
    parts = re.split(r"(?m)^(?=## )", text)
    chosen = [p for p in parts if any(p.startswith(f"## {t}") for t in titles)]
    body = "\n".join(chosen)
    return re.sub(r"\]\(docs/models\.md(#[^)]*)?\)", r"](../models.md\1)", body)


def cli_reference() -> str:
    from sim.cli import _parser

    parser = _parser()
    lines = ["# Command line", "", "```", parser.format_help(), "```", ""]
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, command in sub.choices.items():
        out = io.StringIO()
        with redirect_stdout(out):
            command.print_help()
        lines += [f"## odcsim {name}", "", "```", out.getvalue(), "```", ""]
    return "\n".join(lines)


GENERATED = {
    "reference/scenario.md": scenario_reference,
    "reference/results.md": lambda: "# Result files\n\n" + readme_sections("Results", "Recording over years"),
    "reference/cli.md": cli_reference,
}


def on_files(files, config):
    for uri, make in GENERATED.items():
        files.append(File.generated(config, uri, content=make()))
    return files
