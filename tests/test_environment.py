"""The two ways to install the course list the same packages: pip's pyproject.toml and conda's environment.yml."""
import re

import tomllib
import yaml
from packaging.requirements import Requirement

from autograder.coursedir.paths import ROOT


def normalized(requirement):
    """``name`` and its version set, spelled the same way whichever file it came from."""
    parsed = Requirement(requirement)
    return parsed.name.lower().replace("_", "-"), str(parsed.specifier)


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_side = {normalized(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda_side = {normalized(r.replace("=", "==", 1) if re.fullmatch(r"[\w-]+=[\d.]+", r) else r)
                  for r in conda if isinstance(r, str) and not r.startswith(("python", "pip"))}
    pip_entries = next(entry["pip"] for entry in conda if isinstance(entry, dict))
    conda_side |= {normalized(r) for r in pip_entries if not r.startswith("-")}  # packages conda-forge lacks
    assert conda_side == pip_side, {"only in environment.yml": conda_side - pip_side,
                                    "only in pyproject.toml": pip_side - conda_side}


def test_environment_yml_installs_the_course_package():
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip_entries = next(entry["pip"] for entry in conda if isinstance(entry, dict))
    assert any(entry.endswith("-e .") for entry in pip_entries)
