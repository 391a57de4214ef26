"""What a settlement statement shows, and its files (issue 15, items 2 and 3).

:func:`statement_data` freezes, when the statement is issued, everything the
document prints: both parties' identities, the service period, each validated
billable intervention of the two pairs (dates, minutes, rate, amount) and the
totals, the ones of the billing page (R6: rounded once per pair).
:func:`render_pdf` turns it into a PDF/A-3b through a Jinja template and
WeasyPrint, its dates being the issue's; :func:`facturx_xml` writes the same
document as EN 16931 CII XML and :func:`facturx_pdf` embeds it with the
``factur-x`` library. Nothing here reads the live tables after
:func:`statement_data`: a stored document never changes.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

from flask import render_template
from flask_babel import gettext
from lxml import etree

from gic import pdf
from gic.billing import queries
from gic.convention import rules
from gic.convention.history import version_on
from gic.formatting import hours_minutes
from gic.i18n import in_french
from gic.models import Establishment, Groupement, VatRegime

PRINT_CSS = "statement-print.css"
TEMPLATE = "billing/statement_pdf.html"
NO_SIRET = "SIRET non renseigné"
PERIOD_NOTE = "Période de service : du 1er janvier au 31 décembre {year}."


def number_prefix(groupement: Groupement) -> str:
    """The groupement's part of a document number: its name in capitals, letters and
    digits only (« GIC 65 » → « GIC65 »)."""
    ascii_name = unicodedata.normalize("NFKD", groupement.name).encode("ascii", "ignore")
    prefix = re.sub(r"[^A-Z0-9]", "", ascii_name.decode().upper())[:15]
    return prefix or f"G{groupement.id}"


def document_number(groupement: Groupement, year: int, sequence: int) -> str:
    """« GIC65-2025-0001 »: groupement, billed year, continuous sequence."""
    return f"{number_prefix(groupement)}-{year}-{sequence:04d}"


def party(e: Establishment, year: int) -> dict:
    """An establishment as the document names it; its billing identity when the
    coordinator has saved one, else its name and « SIRET non renseigné ». Frozen
    in French whoever issues the document (a document of record)."""
    engagement = next((g.number for g in e.engagements if g.year == year), None)
    with in_french():
        mention = e.vat_regime.mention if e.vat_regime else None
    return {"id": e.id, "name": e.name, "legal_name": e.legal_name or e.name,
            "finess": e.finess, "siret": e.siret, "street": e.street,
            "postal_code": e.postal_code, "city": e.city,
            "payer_kind": str(e.payer_kind) if e.payer_kind else None,
            "vat_regime": str(e.vat_regime) if e.vat_regime else None,
            "vat_mention": mention,
            "service_code": e.chorus_service_code, "engagement": engagement}


def _rate(minutes: int, weighted_cents: int) -> str | None:
    """The hourly rate of a line, or None when its sessions had several rates."""
    if minutes and weighted_cents % minutes == 0:
        return str(Decimal(weighted_cents // minutes) / 100)
    return None


def convention_mention(groupement: Groupement, year: int) -> str:
    """The convention the work was done under, as the document cites it (in French)."""
    version = version_on(groupement.id, date(year, 12, 31))
    terms = version.terms()
    with in_french():
        threshold, cap = hours_minutes(terms.threshold_minutes), hours_minutes(terms.cap_minutes)
    return (f"Prestations réalisées en application de la convention de partenariat du "
            f"groupement {groupement.name} signée le {terms.start_date:%d/%m/%Y} (mise à "
            f"disposition de techniciens informatiques entre établissements membres). "
            f"Seules les interventions validées comptent ; sur site, une intervention de "
            f"moins de {threshold} est gratuite, à distance "
            f"toujours ; au-delà, toutes ses heures sur site sont facturées au taux horaire "
            f"TTC, dans la limite de {cap} par établissement "
            f"bénéficiaire et par année civile.")


def pair_lines(groupement_id: int, year: int) -> dict[tuple[int, int], list[dict]]:
    """Each validated billable intervention of ``year`` per pair (provider,
    beneficiary), as document lines: one grouped query for the whole year."""
    lines: dict[tuple[int, int], list[dict]] = {}
    for row in queries.billable_interventions(groupement_id, year, validated_only=True):
        minutes, cents = int(row.minutes), int(row.weighted_cents)
        lines.setdefault((row.provider_id, row.beneficiary_id), []).append({
            "intervention_id": row.intervention_id, "description": row.description or "",
            "first_day": row.first_day.isoformat(), "last_day": row.last_day.isoformat(),
            "minutes": minutes, "rate": _rate(minutes, cents),
            "amount": str(rules.cents_amount(cents))})
    return lines


def statement_data(*, groupement: Groupement, year: int, payer: Establishment,
                   payee: Establishment, amount: Decimal, pair_amounts: dict,
                   lines: dict, convention: str) -> dict:
    """The frozen content of the statement « ``payer`` pays ``payee`` ``amount`` »:
    what ``payer`` received from ``payee`` (owed), then what it gave (deducted).
    ``pair_amounts`` are the year's pair totals (R6), ``lines`` :func:`pair_lines`."""
    sections = []
    for provider, beneficiary, deducted in ((payee, payer, False), (payer, payee, True)):
        key = (provider.id, beneficiary.id)
        if key not in pair_amounts:
            continue
        minutes, value = pair_amounts[key]
        sections.append({
            "provider_id": provider.id, "beneficiary_id": beneficiary.id,
            "title": (f"Interventions de {provider.name} pour {beneficiary.name}"
                      + (" (à déduire)" if deducted else "")),
            "deducted": deducted, "minutes": minutes, "amount": str(value),
            "lines": lines.get(key, [])})
    return {"groupement": groupement.name, "year": year,
            "period": [date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()],
            "payer": party(payer, year), "payee": party(payee, year),
            "sections": sections, "total": str(amount), "convention": convention}


def facturx_missing(data: dict) -> str | None:
    """Why no Factur-X can be made of this document (a party without SIRET), or None;
    in the reader's language (stored in French when the document is issued)."""
    missing = [p["name"] for p in (data["payee"], data["payer"]) if not p["siret"]]
    if not missing:
        return None
    names = missing[0] if len(missing) == 1 else gettext(
        "%(first)s et %(second)s", first=missing[0], second=missing[1])
    return gettext("Factur-X non produit : SIRET non renseigné pour %(names)s (identité de "
                   "facturation à compléter par la coordination).", names=names)


# --- PDF ----------------------------------------------------------------------------

def render_html(data: dict, *, number: str, kind: str, issued_on: date,
                issued_at: datetime, cancels: dict | None) -> str:
    """The statement's HTML, in French whatever the reader's language."""
    with in_french():
        return render_template(TEMPLATE, data=data, number=number, kind=kind,
                               issued_on=issued_on, issued_at=issued_at, cancels=cancels,
                               rounding_note=ROUNDING_NOTE)


ROUNDING_NOTE = ("Le montant de chaque sens est calculé sur l'ensemble de ses heures et "
                 "arrondi une seule fois au centime : les montants par intervention, arrondis "
                 "séparément, sont indicatifs.")


def render_pdf(html: str, title: str, issued_at: datetime) -> bytes:
    """A PDF/A-3b of ``html`` whose dates are ``issued_at`` (so the same document
    renders to the same bytes)."""
    stamp = issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return pdf.write_pdf(html, static=PRINT_CSS, pdf_variant="pdf/a-3b", pdf_tags=True,
                         pdf_identifier=title.encode(),
                         metadata={"title": title, "authors": ["GIC"], "created": stamp,
                                   "modified": stamp})


# --- Factur-X (EN 16931, CII) -----------------------------------------------------------

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
      "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"}
EN16931 = "urn:cen.eu:en16931:2017"
SIRET_SCHEME = "0009"
# VAT: most members are outside VAT (« O »); a member subject to VAT is exempt for
# the convention's work (« E », work between members of a groupement, CGI art. 261 B).
VAT_CATEGORIES = {
    VatRegime.NOT_SUBJECT: ("O", "VATEX-EU-O", "Non soumis à la TVA : établissement non "
                                               "assujetti."),
    VatRegime.SUBJECT: ("E", None, "Exonération de TVA, article 261 B du CGI (services "
                                   "rendus à ses membres par un groupement)."),
}


def vat_category(data: dict) -> tuple[str, str | None, str]:
    """The VAT category (code, exemption code, reason) of the document: the seller's."""
    regime = data["payee"]["vat_regime"] or VatRegime.NOT_SUBJECT
    return VAT_CATEGORIES[VatRegime(regime)]


def _el(parent, tag: str, text: str | None = None, **attrs):
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def _date(parent, tag: str, day: str, kind: str = "udt") -> None:
    holder = _el(parent, tag)
    _el(holder, f"{kind}:DateTimeString", day.replace("-", ""), format="102")


def _trade_party(parent, tag: str, p: dict) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", p["legal_name"])
    legal = _el(node, "ram:SpecifiedLegalOrganization")
    _el(legal, "ram:ID", p["siret"], schemeID=SIRET_SCHEME)
    _el(legal, "ram:TradingBusinessName", p["name"])
    address = _el(node, "ram:PostalTradeAddress")
    if p["postal_code"]:
        _el(address, "ram:PostcodeCode", p["postal_code"])
    if p["street"]:
        _el(address, "ram:LineOne", p["street"])
    if p["city"]:
        _el(address, "ram:CityName", p["city"])
    _el(address, "ram:CountryID", "FR")


def _hours(minutes: int) -> str:
    return str((Decimal(minutes) / 60).quantize(Decimal("0.0001")))


def facturx_xml(data: dict, *, number: str, kind: str, issued_on: date,
                cancels: dict | None) -> bytes:
    """The document as Factur-X EN 16931 CII XML: seller (who is paid) and buyer
    (who pays) with their SIRET, BT-10 buyer reference (service code), BT-13 order
    number (engagement), BG-14 invoicing period, one line per direction of work
    (the deducted one negative), VAT category « O » or « E » with its reason; a
    credit statement (type 381) refers to the statement it cancels (BT-25)."""
    category, exemption_code, reason = vat_category(data)
    total = data["total"]
    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", number)
    _el(document, "ram:TypeCode", "381" if kind == "credit" else "380")
    _date(document, "ram:IssueDateTime", issued_on.isoformat())
    _el(_el(document, "ram:IncludedNote"), "ram:Content", data["convention"])
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for n, section in enumerate(data["sections"], start=1):
        sign = -1 if section["deducted"] else 1
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(n))
        ids = ", ".join(f"n° {line['intervention_id']}" for line in section["lines"])
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name",
            f"{section['title']} : {hours_minutes(section['minutes'])} ({ids})"[:500])
        minutes = section["minutes"]
        amount = Decimal(section["amount"])
        price = (amount / (Decimal(minutes) / 60)).quantize(Decimal("0.0001")) if minutes \
            else Decimal("0")
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", str(price))
        _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity",
            _hours(sign * minutes), unitCode="HUR")
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", category)
        if category != "O":
            _el(tax, "ram:RateApplicablePercent", "0")
        period = _el(settlement, "ram:BillingSpecifiedPeriod")
        _date(period, "ram:StartDateTime", data["period"][0])
        _date(period, "ram:EndDateTime", data["period"][1])
        _el(_el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"),
            "ram:LineTotalAmount", str(sign * amount))
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    if data["payer"]["service_code"]:
        _el(agreement, "ram:BuyerReference", data["payer"]["service_code"])
    _trade_party(agreement, "ram:SellerTradeParty", data["payee"])
    _trade_party(agreement, "ram:BuyerTradeParty", data["payer"])
    if data["payer"]["engagement"]:
        _el(_el(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID",
            data["payer"]["engagement"])
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", "EUR")
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:CalculatedAmount", "0.00")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:ExemptionReason", reason)
    _el(tax, "ram:BasisAmount", total)
    _el(tax, "ram:CategoryCode", category)
    if exemption_code:
        _el(tax, "ram:ExemptionReasonCode", exemption_code)
    if category != "O":
        _el(tax, "ram:RateApplicablePercent", "0")
    period = _el(settlement, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", data["period"][0])
    _date(period, "ram:EndDateTime", data["period"][1])
    sums = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(sums, "ram:LineTotalAmount", total)
    _el(sums, "ram:TaxBasisTotalAmount", total)
    _el(sums, "ram:TaxTotalAmount", "0.00", currencyID="EUR")
    _el(sums, "ram:GrandTotalAmount", total)
    _el(sums, "ram:DuePayableAmount", total)
    if cancels:
        ref = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(ref, "ram:IssuerAssignedID", cancels["number"])
        _date(ref, "ram:FormattedIssueDateTime", cancels["issued_on"], "qdt")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def facturx_pdf(pdf: bytes, xml: bytes, title: str) -> bytes:
    """The Factur-X PDF/A-3 (EN 16931): ``pdf`` with ``xml`` embedded, checked
    against the XSD by the ``factur-x`` library."""
    from facturx import generate_from_binary

    return generate_from_binary(
        pdf, xml, flavor="factur-x", level="en16931", check_xsd=True, lang="fr-FR",
        pdf_metadata={"author": "GIC", "keywords": "Factur-X, relevé de règlement",
                      "title": title, "subject": title})
