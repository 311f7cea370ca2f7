"""setup.py packages the three addons as odoo.addons.<name>, data files included."""

import os
import subprocess
import sys
import zipfile

import pytest
from conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    target = tmp_path_factory.mktemp("wheel")
    # pip refuses build constraints without build isolation; the set-up
    # exports them for the virtualenv's own installs.
    env = {k: v for k, v in os.environ.items() if k != "PIP_BUILD_CONSTRAINT"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(target),
            str(REPO),
        ],
        check=True,
        env=env,
    )
    (built,) = target.glob("*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


@pytest.mark.parametrize(
    "addon", ["social_care", "social_care_twitter", "social_care_meta"]
)
def test_each_addon_is_under_odoo_addons_with_its_data(wheel, addon):
    names = set(wheel.namelist())
    root = f"odoo/addons/{addon}"
    assert f"{root}/__manifest__.py" in names
    assert f"{root}/__init__.py" in names
    assert f"{root}/static/description/icon.png" in names
    assert f"{root}/tools/__init__.py" in names
    assert any(n.startswith(f"{root}/views/") and n.endswith(".xml") for n in names)
    assert f"{root}/security/ir.model.access.csv" in names


def test_no_namespace_init_is_shipped(wheel):
    # odoo/ and odoo/addons/ must stay namespaces shared with Odoo and OCA wheels.
    names = set(wheel.namelist())
    assert "odoo/__init__.py" not in names
    assert "odoo/addons/__init__.py" not in names


def test_python_dependencies_are_declared(wheel):
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    requires = [
        line.split(":", 1)[1].strip()
        for line in wheel.read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:")
    ]
    names = {
        r.split(">")[0].split("<")[0].split("=")[0].strip().lower() for r in requires
    }
    assert {
        "odoo-addon-helpdesk_mgmt",
        "tweepy",
        "facebook-sdk",
        "requests",
        "lxml",
    } <= names
