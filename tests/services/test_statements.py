"""Numbered settlement statements of a closed year (issue 15, items 2 and 3):
worked examples with fixed values, credit statements on reopening, Factur-X."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from facturx import get_xml_from_pdf, xml_check_xsd
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import select

from gic.audit.models import AuditEntry
from gic.billing import services as billing
from gic.billing import statements
from gic.billing.models import SettlementStatement
from gic.errors import Forbidden, NotFound
from gic.extensions import db
from gic.interventions import services
from gic.models import EstablishmentEngagement, PayerKind, VatRegime
from tests.helpers import accepted, session

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"}
SIRETS = {"A": "73282932000074", "B": "35600000000048", "C": "44306184100047"}


def billed(world, provider: str, beneficiary: str, day: date, start: str, end: str):
    """A validated intervention with one on-site session."""
    i = accepted(world, provider=provider, beneficiary=beneficiary)
    session(world, i, day, start, end)
    services.complete(i, i.technician, "Fait.")
    services.validate(i, world.directors[beneficiary])
    return i


def year_2024(world) -> dict:
    """A→B 7 h 20 twice (880 min, 366.67 €, R6 rounded once), B→A 7 h (175.00 €),
    C→B 7 h (175.00 €): B pays A 191.67 €, B pays C 175.00 €."""
    return {"ab1": billed(world, "A", "B", date(2024, 3, 4), "08:00", "15:20"),
            "ab2": billed(world, "A", "B", date(2024, 3, 5), "08:00", "15:20"),
            "ba": billed(world, "B", "A", date(2024, 6, 3), "08:00", "15:00"),
            "cb": billed(world, "C", "B", date(2024, 9, 2), "09:00", "16:00")}


def identify(world, letter: str, *, public: bool = True, service: str | None = "SERV-B",
             engagement: str | None = None) -> None:
    e = world.establishments[letter]
    e.legal_name, e.siret = f"Association {e.name}", SIRETS[letter]
    e.payer_kind = PayerKind.PUBLIC if public else PayerKind.PRIVATE
    e.vat_regime = VatRegime.NOT_SUBJECT
    e.street, e.postal_code, e.city = "1 rue de la Paix", "65000", "Tarbes"
    e.chorus_service_code = service
    if engagement:
        db.session.add(EstablishmentEngagement(establishment_id=e.id, year=2024,
                                               number=engagement))
    db.session.commit()


def documents(world, year: int = 2024) -> list[SettlementStatement]:
    return statements.year_documents(world.accountant, year)


def test_close_issues_one_numbered_statement_per_settlement_line(world):
    year_2024(world)
    billing.close_year(world.accountant, 2024)
    docs = documents(world)
    assert [(d.number, d.kind, d.payer_id, d.payee_id, d.amount) for d in docs] == [
        ("GIC65-2024-0001", "statement", world.establishments["B"].id,
         world.establishments["A"].id, Decimal("191.67")),
        ("GIC65-2024-0002", "statement", world.establishments["B"].id,
         world.establishments["C"].id, Decimal("175.00"))]
    first = docs[0]
    assert first.issued_on == date(2026, 11, 23)
    assert first.data["period"] == ["2024-01-01", "2024-12-31"]
    owed, deducted = first.data["sections"]
    assert (owed["deducted"], owed["minutes"], owed["amount"]) == (False, 880, "366.67")
    assert [(line["minutes"], line["rate"], line["amount"]) for line in owed["lines"]] == [
        (440, "25", "183.33"), (440, "25", "183.33")]
    assert (deducted["deducted"], deducted["minutes"], deducted["amount"]) == (True, 420,
                                                                                 "175.00")
    assert first.data["total"] == "191.67"
    assert "convention de partenariat du groupement GIC 65 signée le 30/09/2019" in \
        first.data["convention"]
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "statement.issue").order_by(AuditEntry.id)).all()
    assert [e.after["number"] for e in entries] == ["GIC65-2024-0001", "GIC65-2024-0002"]
    assert entries[0].establishment_id == world.establishments["B"].id


def test_pdf_is_stored_once_and_served_byte_identical(world):
    year_2024(world)
    billing.close_year(world.accountant, 2024)
    doc = documents(world)[0]
    _, one = statements.download(world.accountant, doc.id)
    _, two = statements.download(world.directors["A"], doc.id)
    assert one == two == doc.pdf and one.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(one)).pages)
    assert "GIC65-2024-0001" in text and "SIRET non renseigné" in text
    assert "191,67" in text
    xmp = PdfReader(BytesIO(one)).xmp_metadata.stream.get_data()
    assert b'pdfaid:part="3" pdfaid:conformance="B"' in xmp  # PDF/A-3b
    downloads = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "statement.download")).all()
    assert [(e.actor_id, e.after["file"]) for e in downloads] == [
        (world.accountant.id, "pdf"), (world.directors["A"].id, "pdf")]


def test_reopening_cancels_with_credit_statements_and_the_next_close_renumbers(world):
    year_2024(world)
    billing.close_year(world.accountant, 2024)
    billing.reopen_year(world.coordinator, 2024, "Erreur de saisie")
    docs = documents(world)
    assert [(d.number, d.kind, d.cancelled) for d in docs] == [
        ("GIC65-2024-0001", "statement", True), ("GIC65-2024-0002", "statement", True),
        ("GIC65-2024-0003", "credit", False), ("GIC65-2024-0004", "credit", False)]
    assert docs[2].cancels_id == docs[0].id and docs[2].amount == Decimal("191.67")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(docs[2].pdf)).pages)
    assert "Avoir n° GIC65-2024-0003" in text and "annule le relevé n° GIC65-2024-0001" in text
    cancelled = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "statement.cancel")).all()
    assert [e.after["credit_number"] for e in cancelled] == ["GIC65-2024-0003",
                                                             "GIC65-2024-0004"]
    billing.close_year(world.accountant, 2024)
    assert [d.number for d in documents(world)][4:] == ["GIC65-2024-0005", "GIC65-2024-0006"]
    assert [d.cancelled for d in documents(world)][4:] == [False, False]


def test_a_year_without_settlement_has_no_document(world):
    billing.close_year(world.accountant, 2023)
    assert documents(world, 2023) == []


def test_a_director_reads_only_his_establishments_documents(world, other_world):
    year_2024(world)
    billing.close_year(world.accountant, 2024)
    b_pays_a, b_pays_c = documents(world)
    assert statements.year_documents(world.directors["B"], 2024) == [b_pays_a, b_pays_c]
    assert statements.year_documents(world.directors["A"], 2024) == [b_pays_a]
    assert statements.year_documents(world.directors["C"], 2024) == [b_pays_c]
    with pytest.raises(NotFound):
        statements.get_document(world.directors["C"], b_pays_a.id)
    with pytest.raises(NotFound):
        statements.get_document(other_world.accountant, b_pays_a.id)
    for who in (world.technicians["A"], world.coordinator):
        with pytest.raises(Forbidden):
            statements.year_documents(who, 2024)
        with pytest.raises(Forbidden):
            statements.get_document(who, b_pays_a.id)


def test_facturx_is_only_made_when_both_parties_have_a_siret(world):
    year_2024(world)
    identify(world, "A")
    billing.close_year(world.accountant, 2024)
    doc = documents(world)[0]
    assert doc.facturx is None
    assert doc.facturx_missing.startswith("Factur-X non produit : SIRET non renseigné pour "
                                          "Établissement B")
    with pytest.raises(NotFound):
        statements.download(world.accountant, doc.id, "facturx")


def test_facturx_en16931_validates_and_extracts_back(world):
    year_2024(world)
    identify(world, "A")
    identify(world, "B", service="SERV-B", engagement="EJ-2024-17")
    billing.close_year(world.accountant, 2024)
    doc = documents(world)[0]
    _, content = statements.download(world.accountant, doc.id, "facturx")
    assert content == doc.facturx
    name, xml = get_xml_from_pdf(content, check_xsd=False)
    assert name == "factur-x.xml"
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    tree = etree.fromstring(xml)

    def text(path: str) -> list[str]:
        return [e.text for e in tree.xpath(path, namespaces=NS)]

    assert text("//rsm:ExchangedDocument/ram:ID") == ["GIC65-2024-0001"]
    assert text("//rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert text("//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == [
        "urn:cen.eu:en16931:2017"]
    assert text("//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == [
        SIRETS["A"]]
    assert text("//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == [
        SIRETS["B"]]
    assert text("//ram:BuyerReference") == ["SERV-B"]  # BT-10
    assert text("//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == [
        "EJ-2024-17"]  # BT-13
    period = "//ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod"  # BG-14
    assert text(f"{period}/ram:StartDateTime/udt:DateTimeString") == ["20240101"]
    assert text(f"{period}/ram:EndDateTime/udt:DateTimeString") == ["20241231"]
    assert text("//ram:LineTotalAmount") == ["366.67", "-175.00", "191.67"]
    assert text("//ram:DuePayableAmount") == ["191.67"]
    assert text("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
                "ram:CategoryCode") == ["O"]
    assert text("//ram:ExemptionReason")[0].startswith("Non soumis à la TVA")
    # The credit statement refers to the statement it cancels (BT-25), type 381.
    billing.reopen_year(world.coordinator, 2024, "Erreur de saisie")
    credit = documents(world)[2]
    _, xml = get_xml_from_pdf(statements.download(world.accountant, credit.id,
                                                  "facturx")[1], check_xsd=True)
    tree = etree.fromstring(xml)
    assert text("//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert text("//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [
        "GIC65-2024-0001"]


def test_vat_subject_seller_uses_the_exempt_category(world):
    year_2024(world)
    identify(world, "A")
    identify(world, "B")
    world.establishments["A"].vat_regime = VatRegime.SUBJECT
    db.session.commit()
    billing.close_year(world.accountant, 2024)
    _, xml = get_xml_from_pdf(documents(world)[0].facturx, check_xsd=True)
    tree = etree.fromstring(xml)
    tax = tree.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax",
                     namespaces=NS)[0]
    assert tax.findtext("ram:CategoryCode", namespaces=NS) == "E"
    assert "261 B" in tax.findtext("ram:ExemptionReason", namespaces=NS)


def test_the_number_names_the_groupement_the_year_and_a_four_digit_sequence(world, other_world):
    from gic.billing.documents import document_number
    assert document_number(world.groupement, 2025, 1) == "GIC65-2025-0001"
    assert document_number(other_world.groupement, 2025, 12) == "GCSMSDEMO-2025-0012"
