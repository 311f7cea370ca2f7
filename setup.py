"""Packages the three addons as odoo.addons.<name>, like the OCA wheels do."""

import ast
import pathlib

from setuptools import setup

HERE = pathlib.Path(__file__).parent
ADDONS = ("social_care", "social_care_twitter", "social_care_meta")


def manifest(addon):
    return ast.literal_eval((HERE / addon / "__manifest__.py").read_text())


def packages(addon):
    """Every Python package of an addon, mapped under odoo.addons."""
    root = HERE / addon
    found = {}
    for init in root.rglob("__init__.py"):
        relative = init.parent.relative_to(HERE)
        found["odoo.addons." + ".".join(relative.parts)] = str(relative)
    return found


package_dir = {}
for name in ADDONS:
    package_dir.update(packages(name))

REQUIREMENTS = [
    line.split("#")[0].strip()
    for line in (HERE / "requirements.txt").read_text().splitlines()
    if line.split("#")[0].strip()
]

setup(
    name="odoo-addons-social-care",
    version=manifest("social_care")["version"],
    description="Social Care: X, Facebook, Messenger, Instagram in the Odoo helpdesk",
    license="AGPL-3",
    python_requires=">=3.10,<3.13",
    packages=sorted(package_dir),
    package_dir=package_dir,
    include_package_data=True,
    package_data={
        package: ["**/*"] for package in package_dir if package.count(".") == 2
    },
    install_requires=REQUIREMENTS,
    classifiers=[
        "Framework :: Odoo",
        "Framework :: Odoo :: 18.0",
        "License :: OSI Approved :: GNU Affero General Public License v3",
        "Programming Language :: Python :: 3.11",
    ],
)
