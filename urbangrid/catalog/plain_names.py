"""Plain-language names (通俗名称) of the matters people report most, for the public.

The standard's names (``CatalogType.name``, e.g. 雨水箅子异常) are the staff's words; a
resident looks for "the drain grate is blocked". The public report form offers these
names first, in groups, in the reader's language (the msgids are English; Chinese in
``locale/``), and the standard's names of every other matter after them. A city that
sets its own ``plain_name`` on a type (admin) overrides the built-in one.

Where the standard splits one thing people see by its owner (sixteen kinds of manhole
cover: 供水, 污水, 电力 …), the public picks the "unknown owner" code (01023 不明井盖异常)
and the operator corrects it on acceptance, as the centre does for a phone call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from urbangrid.catalog.models import CatalogType, Kind, Standard

GROUPS: tuple[tuple[Promise, tuple[tuple[str, Promise], ...]], ...] = (
    (
        _("Rubbish and cleanliness"),
        (
            ("06010", _("Garbage left in the open")),
            ("06042", _("Bin or garbage station overflowing")),
            ("06041", _("Garbage not sorted")),
            ("06011", _("Piles of garbage or construction waste")),
            ("06012", _("Street not cleaned")),
            ("06014", _("Spilled load on the road")),
            ("06036", _("Clutter piled up in public space")),
            ("06035", _("Abandoned furniture or appliances")),
            ("06037", _("Dead animal")),
            ("06020", _("Burning garbage or leaves")),
            ("03005", _("Litter bin damaged or missing")),
            ("03001", _("Public toilet dirty or out of order")),
        ),
    ),
    (
        _("Noise, smoke and pollution"),
        (
            ("06028", _("Noise nuisance")),
            ("06027", _("Restaurant fumes")),
            ("06029", _("Open-air barbecue")),
            ("08004", _("Dust from a construction site")),
            ("06030", _("Sewage or waste water dumped")),
            ("06026", _("River or lake polluted")),
            ("06025", _("Litter in the water")),
        ),
    ),
    (
        _("Roads and pavements"),
        (
            ("06013", _("Road or pavement damaged")),
            ("01023", _("Manhole cover damaged, missing or rattling")),
            ("01004", _("Drain grate damaged or blocked")),
            ("06049", _("Public steps damaged")),
            ("06050", _("Kerb stones broken or missing")),
            ("06051", _("Tactile paving damaged")),
            ("06052", _("Wheelchair ramp damaged")),
            ("02043", _("Speed bump damaged")),
            ("10001", _("Snow or ice on the road")),
        ),
    ),
    (
        _("Lights, signs and street furniture"),
        (
            ("01037", _("Street light out or damaged")),
            ("02014", _("Traffic light not working")),
            ("02010", _("Traffic sign or road marking damaged")),
            ("02012", _("Street name sign damaged")),
            ("02017", _("Road railing damaged")),
            ("02004", _("Bus stop damaged")),
            ("02006", _("Footbridge damaged")),
            ("01034", _("Pole leaning or damaged")),
            ("10002", _("Overhead cable hanging down")),
            ("01046", _("Outdoor fitness equipment broken")),
            ("04007", _("Street bench broken")),
            ("01013", _("Fire hydrant damaged")),
            ("01054", _("EV charging point broken")),
            ("01076", _("Public lift out of order")),
        ),
    ),
    (
        _("Shops, stalls and parking"),
        (
            ("09006", _("Stalls blocking the pavement")),
            ("09005", _("Goods displayed outside the shop")),
            ("09001", _("Unlicensed street vendors")),
            ("09009", _("Car parked on the pavement")),
            ("09010", _("Bicycles or scooters parked in the way")),
            ("09011", _("Shared bikes piled up or blocking")),
            ("09012", _("Fire lane blocked")),
            ("09019", _("Accessible path blocked")),
            ("06040", _("Private parking lock or post on public land")),
            ("06034", _("Abandoned vehicle")),
            ("09021", _("Car washing on the street")),
            ("09004", _("Scrap collectors causing mess")),
        ),
    ),
    (
        _("Ads and posters"),
        (
            ("07001", _("Illegal small ads (stickers, graffiti)")),
            ("07002", _("Flyers handed out on the street")),
            ("07003", _("Illegal or unsafe billboard")),
            ("07006", _("Shop sign broken or unauthorised")),
        ),
    ),
    (
        _("Building sites and structures"),
        (
            ("08001", _("Construction noise or disturbance")),
            ("08002", _("Construction site blocking the road")),
            ("08006", _("Building materials piled in the street")),
            ("08012", _("Mud tracked out by site vehicles")),
            ("06001", _("Illegal building or structure")),
            ("06007", _("Laundry hung along the street")),
        ),
    ),
    (
        _("Trees, green space and water"),
        (
            ("04002", _("Street tree fallen, damaged or overgrown")),
            ("04011", _("Tree pit damaged or empty")),
            ("04013", _("Green space damaged")),
            ("06017", _("Green space dirty")),
            ("06045", _("Green space occupied or destroyed")),
            ("06021", _("Tree pests or disease")),
            ("06022", _("Trees cut down illegally")),
        ),
    ),
    (
        _("People who need help"),
        (("09003", _("Homeless or begging person needing help")),),
    ),
)
"""(group, ((GB/T 47678.5-2026 matter code, plain name), …)) in the order shown."""

PLAIN_NAMES: dict[str, Promise] = {code: name for _group, items in GROUPS for code, name in items}


def public_name(matter: CatalogType) -> str:
    """What the public sees for ``matter``: the city's own plain name, else the built-in
    one in the active language, else the standard's name."""
    return public_label(matter.code, matter.name, matter.plain_name, matter.standard)


def public_label(code: str, name: str, plain_name: str = "", standard: str = "") -> str:
    """``public_name`` from a type's columns (for rows read with ``values_list``)."""
    if plain_name:
        return plain_name
    built_in = PLAIN_NAMES.get(code)
    if built_in is not None and standard == Standard.GBT_47678_5_2026:
        return str(built_in)
    return name


def public_choices(matters: Iterable[CatalogType]) -> list[tuple[Any, Any]]:
    """Choices for a public matter picker: the groups of plain names (of the active
    matters given), then every other matter under its standard name."""
    by_code = {m.code: m for m in matters if m.kind == Kind.MATTER}
    choices: list[tuple[Any, Any]] = []
    for group, items in GROUPS:
        found = [(code, public_name(by_code[code])) for code, _name in items if code in by_code]
        if found:
            choices.append((str(group), found))
    shown = {code for _group, items in GROUPS for code, _name in items}
    others = [
        (m.code, public_name(m))
        for m in sorted(by_code.values(), key=lambda m: (m.class_code, m.code))
        if m.code not in shown or m.standard != Standard.GBT_47678_5_2026
    ]
    if others:
        choices.append((str(_("Other problems (standard names)")), others))
    return choices
