"""« Documents de l'année » (issue 15, items 4 and 5): the page, the files and the
public creditor's recovery-order pack, through the web client and the API."""

from __future__ import annotations

import csv
import io
import zipfile

from facturx import get_xml_from_pdf
from sqlalchemy import select

from gic.audit.models import AuditEntry
from gic.billing import services as billing
from gic.billing.models import SettlementStatement
from gic.extensions import db
from tests.api.conftest import Api
from tests.conftest import client_for
from tests.helpers import text_of, visible_text
from tests.services.test_statements import SIRETS, identify, year_2024


def numbers(world) -> dict[str, SettlementStatement]:
    return {d.number: d for d in db.session.scalars(select(SettlementStatement))}


def test_the_accountant_lists_the_years_documents_and_downloads_them(app, world):
    year_2024(world)
    client = client_for(app, world.accountant)
    page = client.get("/billing/2024/documents")
    assert "L'année 2024 n'est pas clôturée" in text_of(page)
    assert "/billing/2024/documents" in client.get("/billing/2024").get_data(as_text=True)
    billing.close_year(world.accountant, 2024)
    page = client.get("/billing/2024/documents")
    text = text_of(page)
    assert page.status_code == 200
    assert "GIC65-2024-0001" in text and "GIC65-2024-0002" in text
    assert "Établissement B → Établissement A" in text and "191,67" in text
    assert "Factur-X non produit : SIRET non renseigné pour Établissement A et " \
           "Établissement B" in text
    first = numbers(world)["GIC65-2024-0001"]
    one = client.get(f"/billing/documents/{first.id}.pdf")
    two = client.get(f"/billing/documents/{first.id}.pdf")
    assert one.mimetype == "application/pdf" and one.data == two.data == first.pdf
    assert 'filename="releve-GIC65-2024-0001.pdf"' in one.headers["Content-Disposition"]
    assert client.get(f"/billing/documents/{first.id}/factur-x.pdf").status_code == 404
    assert len(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "statement.download")).all()) == 2


def test_a_director_sees_only_his_documents_and_the_credit_statements(app, world):
    year_2024(world)
    billing.close_year(world.accountant, 2024)
    billing.reopen_year(world.coordinator, 2024, "Erreur de saisie")
    docs = numbers(world)
    text = visible_text(client_for(app, world.directors["C"]).get("/billing/2024/documents"))
    assert "GIC65-2024-0002" in text and "GIC65-2024-0004" in text
    assert "GIC65-2024-0001" not in text and "GIC65-2024-0003" not in text
    assert "Annulé par l'avoir GIC65-2024-0004" in text
    assert "Annule le relevé GIC65-2024-0002" in text
    client = client_for(app, world.directors["C"])
    assert client.get(f"/billing/documents/{docs['GIC65-2024-0001'].id}.pdf").status_code == 404
    assert client.get(f"/billing/documents/{docs['GIC65-2024-0004'].id}.pdf").status_code == 200
    technician = client_for(app, world.technicians["B"])
    assert technician.get("/billing/2024/documents").status_code == 403


def test_api_lists_the_documents_with_their_files(app, client, world):
    year_2024(world)
    identify(world, "A")
    identify(world, "B")
    billing.close_year(world.accountant, 2024)
    api = Api(client)
    body = api.get("/billing/2024/documents", world.directors["A"]).get_json()
    assert body["closed"] is True
    [doc] = body["documents"]
    assert (doc["number"], doc["kind"], doc["amount"], doc["cancelled"]) == (
        "GIC65-2024-0001", "statement", "191.67", False)
    assert doc["facturx_missing"] is None
    pdf = api.get(doc["pdf_url"].removeprefix("/api/v1"), world.directors["A"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    facturx = api.get(doc["facturx_url"].removeprefix("/api/v1"), world.accountant)
    assert facturx.status_code == 200
    assert get_xml_from_pdf(facturx.data, check_xsd=True)[0] == "factur-x.xml"
    all_docs = api.get("/billing/2024/documents", world.accountant).get_json()["documents"]
    assert [d["number"] for d in all_docs] == ["GIC65-2024-0001", "GIC65-2024-0002"]
    assert api.get("/billing/2024/documents", world.coordinator).status_code == 403
    assert api.get(f"/billing/documents/{doc['id']}.pdf",
                   world.directors["C"]).status_code == 404


def test_the_public_creditors_pack_holds_the_pdfs_and_the_recovery_orders(app, client, world):
    year_2024(world)
    identify(world, "A")  # public, paid by B
    identify(world, "B", public=False)
    billing.close_year(world.accountant, 2024)
    web = client_for(app, world.accountant)
    page = text_of(web.get("/billing/2024/documents"))
    assert "Ordres de recouvrement 2024 — Établissement A (ZIP)" in page
    assert "Établissement C (ZIP)" not in page  # C has no billing identity: not public
    a = world.establishments["A"].id
    one = web.get(f"/billing/2024/recouvrement/{a}.zip")
    two = Api(client).get(f"/billing/2024/recovery/{a}.zip", world.directors["A"])
    assert one.status_code == two.status_code == 200 and one.data == two.data
    pack = zipfile.ZipFile(io.BytesIO(one.data))
    assert pack.namelist() == ["ordres-de-recouvrement-2024.csv",
                               "releve-GIC65-2024-0001.pdf"]
    assert pack.read("releve-GIC65-2024-0001.pdf") == numbers(world)["GIC65-2024-0001"].pdf
    rows = list(csv.reader(io.StringIO(
        pack.read("ordres-de-recouvrement-2024.csv").decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Débiteur", "SIRET", "Montant", "Objet", "Référence"],
                    ["Association Établissement B", SIRETS["B"], "191,67",
                     "Convention de partenariat GIC 65 : interventions informatiques du "
                     "01/01/2024 au 31/12/2024", "GIC65-2024-0001"]]
    assert web.get(f"/billing/2024/recouvrement/{world.establishments['C'].id}.zip"
                   ).status_code == 404
    director_b = client_for(app, world.directors["B"])
    assert director_b.get(f"/billing/2024/recouvrement/{a}.zip").status_code == 404


def test_the_audit_log_names_the_documents(app, world):
    year_2024(world)
    billing.close_year(world.accountant, 2024)
    first = numbers(world)["GIC65-2024-0001"]
    client_for(app, world.directors["A"]).get(f"/billing/documents/{first.id}.pdf")
    text = visible_text(client_for(app, world.coordinator).get("/audit/"))
    assert "Relevé de règlement émis" in text and "Document GIC65-2024-0001" in text
    assert "Document téléchargé" in text
    assert '/billing/2024/documents' in client_for(app, world.coordinator).get(
        "/audit/").get_data(as_text=True)
