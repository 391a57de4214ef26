"""Who may do what is written once, in the areas' permission tables (issue 17 item 2):
no template and no module outside ``gic/<area>/permissions.py``, :mod:`gic.roles`,
:mod:`gic.policy` and the exceptions below compares a role. Services, views and
templates ask ``can(user, "area.action", obj)``.

The exceptions compare roles to describe data, not to grant an action: who receives a
notification, which people a list offers, what role a new or changed account may
have, the dashboard each role lands on, the demo builders; and
:func:`gic.standins.access.directs`, THE director check the tables use.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GIC, TEMPLATES = ROOT / "gic", ROOT / "templates"

# The policy itself: the tables, the role tests they are built from, the merge.
POLICY = {"gic/roles.py", "gic/policy.py"}
# Stand-ins act for a director: the definition of « who directs » (and whose
# stand-ins are in force) is the one place that names the director's role.
DIRECTOR_CHECK = {"gic/standins/access.py"}
# The demo builders create people of each role.
DEMO = re.compile(r"^gic/(demo[a-z_]*|[a-z_]+/demo[a-z_]*)\.py$")

# Comparisons that describe data (file, the line's text): nothing else may compare.
DATA = {
    # The last active coordinator of a groupement is kept (the account changed is one).
    ("gic/admin/users.py", "User.groupement_id == user.groupement_id, User.role == "
                           "Role.COORDINATOR,"),
    ("gic/admin/users.py", "if user.role != Role.COORDINATOR or not user.active:"),
    # Which role a changed or new account may take (an establishment for its staff…).
    ("gic/admin/users.py", "if new_role in (Role.TECHNICIAN, Role.DIRECTOR) and "
                           "new_establishment is None:"),
    ("gic/admin/users.py", "if user.role == Role.TECHNICIAN and (new_role != "
                           "Role.TECHNICIAN"),
    ("gic/admin/users.py", "if new_role != Role.COORDINATOR:"),
    ("gic/admin/services.py", "if role_value in (Role.TECHNICIAN, Role.DIRECTOR) and "
                              "establishment is None:"),
    # The people a list offers or a notice goes to, selected by role in SQL.
    ("gic/governance/services.py", ".where(User.groupement_id == gid, User.role == "
                                   "Role.TECHNICIAN, User.active.is_(True),"),
    ("gic/secondments/services.py", "User.role == Role.TECHNICIAN, User.active.is_(True))"),
    ("gic/interventions/services.py", "User.role == Role.TECHNICIAN, User.active.is_(True))"),
    ("gic/notifications/services.py", "stmt = select(User).where(User.groupement_id == "
                                      "groupement_id, User.role == Role.DIRECTOR,"),
    ("gic/notifications/services.py", "User.groupement_id == groupement_id, User.role == "
                                      "role, User.active.is_(True))"),
    ("gic/standins/services.py", "User.active.is_(True), User.role != Role.COORDINATOR,"),
    # The person named (assigned technician, seconded technician, stand-in) must have
    # the role the convention gives him: a check of the object, not of the actor.
    ("gic/interventions/services.py", "if (technician is None or technician.role != "
                                      "Role.TECHNICIAN or not technician.active"),
    ("gic/secondments/checks.py", "u.role != Role.TECHNICIAN or not u.active or "
                                  "u.establishment_id != provider_id"),
    ("gic/standins/services.py", "if person.role == Role.COORDINATOR:"),
}

EQUALITY = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)  # not ``is`` (a sentinel's test)
TEMPLATE_ROLE_TEST = re.compile(r"\.role\s*(==|!=|not\s+in\b|in\b)|\brole\s*(==|!=)")


def _is_role(node: ast.AST) -> bool:
    """``x.role``, ``Role.X``, a ``role``-named variable, or a tuple holding one."""
    if isinstance(node, ast.Attribute):
        return node.attr == "role" or (isinstance(node.value, ast.Name)
                                       and node.value.id == "Role")
    if isinstance(node, ast.Name):
        return node.id == "role" or node.id.endswith("_role")
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_role(e) for e in node.elts)
    return False


def role_comparisons(source: str) -> list[tuple[int, str]]:
    """(line, the line's text) of each comparison of a role in ``source``."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Compare)
                and any(isinstance(op, EQUALITY) for op in node.ops)
                and any(_is_role(operand) for operand in (node.left, *node.comparators))):
            found.append((node.lineno, lines[node.lineno - 1].strip()))
    return sorted(set(found))


def _exempt(name: str) -> bool:
    return (name in POLICY or name in DIRECTOR_CHECK or bool(DEMO.match(name))
            or name.endswith("/permissions.py"))


def test_the_detector_sees_role_comparisons():
    source = ("if user.role == Role.COORDINATOR: pass\n"
              "ok = me.role in (Role.TECHNICIAN, Role.DIRECTOR)\n"
              "x = new_role != 'director'\n"
              "y = {Role.TECHNICIAN: 1}\n"
              "z = [role for role in Role]\n"
              "if role is not UNSET: pass\n")
    assert [line for line, _ in role_comparisons(source)] == [1, 2, 3]
    assert TEMPLATE_ROLE_TEST.search("{% if current_user.role in ('a', 'b') %}")
    assert TEMPLATE_ROLE_TEST.search("{% if current_user.role == 'coordinator' %}")
    assert not TEMPLATE_ROLE_TEST.search('{{ u.role.label }} <div role="alert">')


def test_no_module_compares_roles_outside_the_permission_tables():
    found, data_seen = [], set()
    for path in sorted(GIC.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if _exempt(name):
            continue
        for line, text in role_comparisons(path.read_text(encoding="utf-8")):
            if (name, text) in DATA:
                data_seen.add((name, text))
            else:
                found.append(f"{name}:{line}: {text}")
    assert not found, ("compare roles in a permissions.py table and call gic.policy.can "
                       "instead:\n" + "\n".join(found))
    assert data_seen == DATA, f"exceptions no longer in the code: {DATA - data_seen}"


def test_no_template_tests_a_role():
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in sorted(TEMPLATES.rglob("*.html"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if TEMPLATE_ROLE_TEST.search(line)]
    assert not found, "use can(current_user, \"area.action\", obj):\n" + "\n".join(found)
