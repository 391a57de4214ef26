"""Authorization rows of the techfiles area (the technical file of establishment B).

B's own staff read it (tech_B, dir_B); tech_A reads it too, as the technician
assigned to the accepted A -> B interventions of the test world, but neither
edits it nor sees its history; only dir_B reads the read log and erases a past
version. Everyone else of the groupement: 403 (the file exists, its content is
confidential); another groupement: 404.
"""

from __future__ import annotations

import io

from sqlalchemy import select

from gic.techfiles import services
from tests.security.matrix import Route, web

MARK = "GIC65-CONFIDENTIEL"
FILE = {"establishment_id": "techfile_B"}
SECTION = {**FILE, "kind": "techfile_kind"}
PDF = b"%PDF-1.4\n% plan de la baie\n"


def _staff(ok):
    """B's director and technicians."""
    return web(same=403, other=404, tech_B=ok, dir_B=ok)


def _readers(ok):
    """B's staff and the technician of an accepted A -> B intervention."""
    return web(same=403, other=404, tech_B=ok, dir_B=ok, tech_A=ok)


def _director(ok):
    return web(same=403, other=404, dir_B=ok)


def _edit_form(ctx) -> dict:
    return {"body": "## Contrats\n- maintenance du pare-feu", "base_version": "0",
            "save": "Enregistrer"}


def _upload_form(ctx) -> dict:
    return {"file": (io.BytesIO(PDF), "plan.pdf"), "description": "Plan de la baie"}


ROUTES = {
    ("techfiles.index", "GET"): Route(web(logged=200)),
    ("techfiles.view", "GET"): Route(_readers(200), args=FILE),
    ("techfiles.edit", "GET"): Route(_staff(200), args={**FILE, "kind": "techfile_empty"}),
    ("techfiles.edit", "POST"): Route(_staff(302), args={**FILE, "kind": "techfile_empty"},
                                      body=_edit_form),
    ("techfiles.history", "GET"): Route(_staff(200), args=SECTION),
    ("techfiles.version", "GET"): Route(_staff(200), args={**SECTION, "number": 1}),
    ("techfiles.purge", "POST"): Route(_director(302), args={**SECTION, "number": 1}),
    ("techfiles.upload", "GET"): Route(_staff(200), args=FILE),
    ("techfiles.upload", "POST"): Route(_staff(302), args=FILE, body=_upload_form),
    ("techfiles.download", "GET"): Route(_readers(200),
                                         args={**FILE, "attachment_id": "techfile_download"}),
    ("techfiles.delete_attachment", "POST"): Route(
        _staff(302), args={**FILE, "attachment_id": "techfile_delete"}),
    ("techfiles.reads", "GET"): Route(_director(200), args=FILE),
}


def build(ctx) -> None:
    """B's file: a section in two versions, two attachments (one to download, one to delete)."""
    world = ctx.world
    b, director = world.establishments["B"], world.directors["B"]
    ctx.ids.update(techfile_B=b.id, techfile_kind="servers", techfile_empty="other")
    services.save_section(director, b.id, "servers", f"Serveur de fichiers {MARK}",
                          base_version=0)
    services.save_section(director, b.id, "servers", f"Serveurs {MARK} : srv-ad01, srv-fic01",
                          base_version=1)
    for name in ("download", "delete"):
        ctx.ids[f"techfile_{name}"] = services.add_attachment(
            director, b.id, filename=f"{name}.pdf", data=PDF, description=MARK).id


def owned(tables, gid: int) -> dict:
    """The techfiles tables without a groupement_id column."""
    sections = select(tables["techfile_section"].c.id).where(
        tables["techfile_section"].c.groupement_id == gid)
    attachments = select(tables["techfile_attachment"].c.id).where(
        tables["techfile_attachment"].c.groupement_id == gid)
    return {
        "techfile_section_version": tables["techfile_section_version"].c.section_id.in_(sections),
        "techfile_attachment_content":
            tables["techfile_attachment_content"].c.attachment_id.in_(attachments),
    }
