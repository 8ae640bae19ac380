"""The two ends of the dependency ranges setup.cfg declares, for tox's deps-* envs.

    python .ci/deps.py min FILE EXTRA...     each direct dependency ==its lower bound
    python .ci/deps.py latest FILE EXTRA...  each direct dependency, with no bounds at all

``min`` pins what setup.cfg promises to support at its oldest (a lower bound that no
longer works fails deps-min instead of a user). ``latest`` drops our upper bounds too, so
deps-latest meets a dependency's new release before the bound lets users have it: a
release that moves a private name we use fails tests/test_compat.py by name.
Writes a requirements file for pip; standard library only.
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path

SETUP_CFG = Path(__file__).resolve().parent.parent / "setup.cfg"
# name, optional [extras], then the specifiers: "moto[server]>=5.2,<5.3"
REQUIREMENT = re.compile(r"^([A-Za-z0-9._-]+)(\[[^\]]*\])?\s*(.*)$")
USAGE = "usage: python .ci/deps.py min|latest FILE EXTRA... (extras: {extras})"


def requirements(extras: list[str]) -> list[str]:
    config = configparser.ConfigParser()
    config.read(SETUP_CFG)
    declared = config["options.extras_require"]
    unknown = [extra for extra in extras if extra not in declared]
    if unknown or not extras:
        raise SystemExit(USAGE.format(extras=", ".join(declared)))
    lines: list[str] = []
    for extra in extras:
        for line in declared[extra].splitlines():
            if line.strip() and line.strip() not in lines:
                lines.append(line.strip())
    return lines


def lowest(requirement: str) -> str:
    name, _extras, specifiers = REQUIREMENT.match(requirement).groups()
    floors = [s[2:].strip() for s in specifiers.split(",") if s.strip().startswith(">=")]
    if len(floors) != 1:
        raise SystemExit(f"setup.cfg: {requirement!r} needs exactly one >= lower bound")
    return f"{name}=={floors[0]}"


def unbounded(requirement: str) -> str:
    name, extras, _specifiers = REQUIREMENT.match(requirement).groups()
    return f"{name}{extras or ''}"


def main(argv: list[str]) -> None:
    modes = {"min": lowest, "latest": unbounded}
    if len(argv) < 3 or argv[0] not in modes:
        raise SystemExit(USAGE.format(extras="see setup.cfg"))
    lines = [modes[argv[0]](requirement) for requirement in requirements(argv[2:])]
    Path(argv[1]).write_text("".join(f"{line}\n" for line in lines))
    print(f"{argv[1]}: {', '.join(lines)}")


if __name__ == "__main__":
    main(sys.argv[1:])
