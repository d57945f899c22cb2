"""Parses Bicep files with pycep-parser (a real Bicep parser from PyPI) and prints, as JSON,
the parts the tests assert on. Usage: bicep_structure.py FILE... ; exits 1 on a parse error."""
import json
import sys
from pathlib import Path

from pycep import BicepParser


def main() -> int:
    parser = BicepParser()
    result = {}
    for name in sys.argv[1:]:
        try:
            result[name] = parser.parse(file_path=Path(name))
        except Exception as error:  # the parser's own exception types vary by version
            print(f"{name}: {error}", file=sys.stderr)
            return 1
    json.dump(result, sys.stdout, default=str, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
