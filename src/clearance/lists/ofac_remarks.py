"""Facts mined from OFAC's free-text remarks (`sdn.csv` column 12, the XML `remarks`).

OFAC packs most of what it knows about a target into one remarks string of `;`-separated
clauses, each `[alt. ]<label> <value>`:

    DOB 15 Jul 1966; alt. DOB 1965; POB Moscow, Russia; nationality Russia; Gender Male;
    Passport 123456 (Russia) expires 01 Jan 2020; Linked To: FEDERAL SECURITY SERVICE;
    a.k.a. 'FSB'.

`mine_remarks(text)` turns that into `RemarkFacts`; it is a pure function that never raises:
a clause no rule recognizes is kept verbatim in `properties["notes"]`, so nothing published is
lost (the caller keeps the whole text in `Entry.remarks` as well).

How clauses are read:

- `;` inside parentheses does not split (OFAC quotes foreign documents in parentheses that
  contain `;`). A leading `alt.` marks an alternative value and is dropped.
- `DOB` → ISO prefixes: `15 Jul 1966` → `1966-07-15`, `Aug 1946` → `1946-08`, `1965`,
  `circa 1951` → `1951`. A range yields its common prefix when both ends share the year
  (`26 Sep 1946 to 07 Dec 1946` → `1946`), otherwise every year from the first to the last
  (`1960 to 1962` → 1960, 1961, 1962), since a screening date must match any of them; ranges
  longer than 20 years give only the two bound years. Unreadable dates go to
  `properties["birth_date_note"]`.
- `POB` → birth places; `nationality` / `citizen` → ISO alpha-2 codes (unresolved names go to
  `properties["nationality"]` / `["citizenship"]`).
- Identity documents and registration numbers → `Identifier(kind, value, country, remarks)`:
  kind as published (`Passport`, `Tax ID No.`, ...), except that a vessel's `Vessel Registration
  Identification IMO 9187629` becomes kind `IMO`. The last parenthetical is the issuing country
  (ISO alpha-2 where it resolves, else as published); other parentheticals and `issued` /
  `expires` dates go to `remarks`.
- `Linked To: NAME` → `Relation("linked_to", NAME)`.
- Quoted `a.k.a. 'X'` / `f.k.a. 'X'` / `n.k.a. 'X'` → weak names (NameKind.WEAK): OFAC moves
  low-quality aliases such as the FSB's `FSB` out of the alias file into the remarks. A quote
  left open (remarks cut short) is kept as a note, not as a name.
- Everything else with a recognizable label → `properties` under a snake_case key
  (`secondary_sanctions_risk`, `gender`, `target_type`, `organization_established_date`,
  `website`, `email_address`, `digital_currency_address` as `"XBT <address>"`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from clearance.lists.base import year_span
from clearance.lists.countries import country_code
from clearance.model import Identifier, Name, NameKind, Relation

__all__ = [
    "LATIN",
    "RemarkFacts",
    "mine_remarks",
    "parse_ofac_date",
    "snake_case",
    "split_clauses",
    "strip_sentence_period",
]

LATIN = "Latn"
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RemarkFacts:
    """What one remarks string says, sorted into the fields of `model.Entry`."""

    birth_dates: tuple[str, ...] = ()
    birth_places: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()  # ISO 3166-1 alpha-2
    citizenships: tuple[str, ...] = ()  # ISO 3166-1 alpha-2
    identifiers: tuple[Identifier, ...] = ()
    relations: tuple[Relation, ...] = ()
    weak_names: tuple[Name, ...] = ()
    properties: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.nationalities, *self.citizenships)))


# --- clauses ---------------------------------------------------------------------------------


def split_clauses(text: str) -> list[str]:
    """The `;`-separated clauses of a remarks string, ignoring `;` inside parentheses.

    A parenthesis that never closes (a remarks text cut short) would swallow the rest of the
    text, so from there on the text is split at every `;`.
    """
    pieces = text.split(";")
    clauses: list[str] = []
    pending: list[str] = []
    depth = 0
    for piece in pieces:
        pending.append(piece)
        depth = max(depth + piece.count("(") - piece.count(")"), 0)
        if depth == 0:
            clauses.append(";".join(pending))
            pending = []
    clauses.extend(pending)  # after a parenthesis that never closes: every `;` splits
    return [c for c in (" ".join(c.split()) for c in clauses) if c]


# Last words that end in a period of their own, so a remarks-final `.` after them is part of
# the name ("NEW AHMADI LTD.") rather than the end of the sentence ("HIZBALLAH.").
_ABBREVIATIONS = frozenset(
    {
        *("LTD", "LTDA", "INC", "CO", "CORP", "CIA", "BHD", "PTE", "SDN", "SAL", "SPA", "SRL"),
        *("AG", "JR", "SR", "DR", "ST", "NO", "MR", "MRS", "ESQ", "BROS", "MFG", "INTL"),
        *("ASSN", "DEPT"),
    }
)


# `S.A`, `C.V`, `U.K`, `L.L.C` (final period removed), or a lone initial: but not `www.x.com`.
_INITIALISM = re.compile(r"^(?:[A-Za-z]\.)*[A-Za-z]$")


def strip_sentence_period(text: str) -> str:
    """`text` without a final `.` that ends the sentence rather than an abbreviation."""
    if not text.endswith(".") or text.endswith(".."):
        return text.rstrip(".") if text.endswith("..") else text
    last = text[:-1].rsplit(" ", 1)[-1]
    if _INITIALISM.match(last) or last.upper() in _ABBREVIATIONS:
        return text
    return text[:-1].rstrip()


# --- dates -----------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_DATE = re.compile(r"^(?:(\d{1,2})\s+)?(?:([A-Za-z]{3})[a-z]*\.?\s+)?(\d{4})$")

# (year, month or None, day or None)
_DateParts = tuple[int, int | None, int | None]


def _date_parts(text: str) -> _DateParts | None:
    match = _DATE.match(text.strip())
    if not match:
        return None
    day_text, month_text, year_text = match.groups()
    year = int(year_text)
    month = _MONTHS.get(month_text.lower()) if month_text else None
    if month_text and month is None:
        return None
    day = int(day_text) if day_text else None
    if day is not None and month is None:
        return None
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return None
    return year, month, day


def _iso(parts: _DateParts) -> str:
    year, month, day = parts
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_ofac_date(text: str) -> str | None:
    """`15 Jul 1966` → `1966-07-15`, `Aug 1946` → `1946-08`, `1965` → `1965`; else None."""
    parts = _date_parts(strip_sentence_period(text))
    return _iso(parts) if parts else None


def _date_range(first: _DateParts, last: _DateParts) -> list[str]:
    if first[0] == last[0]:
        if first[1] is not None and first[1] == last[1]:
            return [f"{first[0]:04d}-{first[1]:02d}"]
        return [f"{first[0]:04d}"]
    return year_span(first[0], last[0])


_CIRCA = re.compile(r"^(?:circa|approximately|approx\.|about)\s+", re.IGNORECASE)
_YEAR_SPAN = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")


def _birth_dates(text: str) -> list[str] | None:
    body = _CIRCA.sub("", text.strip())
    span = _YEAR_SPAN.match(body)
    if span:
        return _date_range((int(span.group(1)), None, None), (int(span.group(2)), None, None))
    if " to " in body:
        left, _, right = body.partition(" to ")
        first, last = _date_parts(left), _date_parts(right)
        if first and last:
            return _date_range(first, last)
        return None
    parts = _date_parts(body)
    return [_iso(parts)] if parts else None


# --- identifiers -----------------------------------------------------------------------------

# Document and registration labels as OFAC publishes them (its `IDRegDocType` reference list,
# as seen in the 2018-2025 files). Longest first, so `Passport Booklet` wins over `Passport`.
_IDENTIFIER_KINDS = sorted(
    {
        "Passport",
        "Diplomatic Passport",
        "British National Overseas Passport",
        "Stateless Person Passport",
        "Stateless Person ID Card",
        "Passport Booklet",
        "National ID No.",
        "Tax ID No.",
        "Registration Number",
        "Registration ID",
        "Registration Certificate Number",
        "Cedula No.",
        "C.U.R.P.",
        "C.U.R.P. #",
        "C.U.I.P.",
        "R.F.C.",
        "R.F.C. #",
        "RFC",
        "NIT #",
        "RUC #",
        "RIF #",
        "RTN",
        "SSN",
        "US FEIN",
        "Government Gazette Number",
        "Identification Number",
        "Folio Mercantil No.",
        "Matricula Mercantil No",
        "Business Registration Number",
        "Business Registration Document #",
        "Business Number",
        "Commercial Registry Number",
        "Company Number",
        "UK Company Number",
        "Certificate of Incorporation Number",
        "Chamber of Commerce Number",
        "Istanbul Chamber of Comm. No.",
        "Dubai Chamber of Commerce Membership No.",
        "Central Registration System Number",
        "Economic Register Number (CBLS)",
        "Unified Social Credit Code (USCC)",
        "United Social Credit Code Certificate (USCCC)",
        "Organization Code",
        "Legal Entity Number",
        "LE Number",
        "D-U-N-S Number",
        "V.A.T. Number",
        "C.R. No.",
        "Romanian C.R.",
        "Trade License No.",
        "Tourism License No.",
        "License",
        "Permit Number",
        "SRE Permit No.",
        "MSB Registration Number",
        "Afghan Money Service Provider License Number",
        "Pilot License Number",
        "Registered Charity No.",
        "Public Registration Number",
        "Enterprise Number",
        "Branch Unit Number",
        "File Number",
        "SWIFT/BIC",
        "BIK (RU)",
        "ISIN",
        "D.N.I.",
        "N.I.E.",
        "N.I.F.",
        "C.I.F.",
        "C.I.N.",
        "C.U.I.",
        "C.U.I.T.",
        "I.F.E.",
        "RSIN",
        "Italian Fiscal Code",
        "Fiscal Code",
        "Romanian Tax Registration",
        "Paraguayan tax identification number",
        "Numero Unico de Identificacao Tributaria (NUIT)",
        "Russian State Individual Business Registration Number Pattern (OGRNIP)",
        "Driver's License No.",
        "Electoral Registry No.",
        "Credencial electoral",
        "Birth Certificate Number",
        "Personal ID Card",
        "Citizen's Card Number",
        "Numero de Identidad",
        "National Foreign ID Number",
        "Turkish Identification Number",
        "Turkish Identificiation Number",  # sic, as published
        "Tazkira National ID Card",
        "Kenyan ID No.",
        "Moroccan Personal ID No.",
        "Bosnian Personal ID No.",
        "CNP (Personal Numerical Code)",
        "UAE Identification",
        "Residency Number",
        "Romanian Permanent Resident CAN",
        "Refugee ID Card",
        "Travel Document Number",
        "VisaNumberID",
        "Immigration No.",
        "Public Security and Immigration No.",
        "Seafarer's Identification Document",
        "Military Registration Number",
        "Cartilla de Servicio Militar Nacional",
        "Trademark number",
        "Serial No.",
        "Vessel Registration Identification",
        "MMSI",
        "Aircraft Tail Number",
        "Previous Aircraft Tail Number",
        "Aircraft Manufacturer's Serial Number (MSN)",
        "Aircraft Construction Number (also called L/N or S/N or F/N)",
        "Aircraft Mode S Transponder Code",
        "Aircraft Serial Identification",
    },
    key=len,
    reverse=True,
)
_KIND_PATTERN = re.compile(
    r"^(?P<kind>" + "|".join(re.escape(k) for k in _IDENTIFIER_KINDS) + r")(?::|\s)\s*(?P<rest>.+)$"
)

# A label not in the list above still reads as a document when it names one and the clause
# ends in a resolvable country: `Tazkira National ID Card 932995 (Afghanistan)`.
_GENERIC_IDENTIFIER = re.compile(
    r"^(?P<kind>[A-Z][\w.'/&#-]*(?: [\w.'/&#-]+){0,6}?)\s+(?P<rest>\S*\d.*\([^()]+\))$"
)
_DOCUMENT_WORDS = re.compile(
    r"\b(?:No|Number|ID|Code|Card|License|Licence|Passport|Certificate|Permit|Registration|"
    r"Document|Identification|Identity|Identidad)\b|#"
)

_VALIDITY = re.compile(r"\s+(?=(?:issued|expires|expired)\b)", re.IGNORECASE)
_TRAILING_PAREN = re.compile(r"\s+\(([^()]*)\)$")


def _identifier(kind: str, rest: str) -> Identifier | None:
    if _VALIDITY.search(rest):
        value, validity = (p.strip() for p in _VALIDITY.split(rest, maxsplit=1))
    else:
        value, validity = rest.strip(), ""
    notes: list[str] = []
    country: str | None = None
    match = _TRAILING_PAREN.search(value)
    if (
        match
        and any(c.isalpha() for c in match.group(1))
        and not any(c.isdigit() for c in match.group(1))
    ):
        published = match.group(1).strip()
        country = country_code(published) or published
        value = value[: match.start()]
        while (inner := _TRAILING_PAREN.search(value)) is not None:
            notes.insert(0, inner.group(1).strip())
            value = value[: inner.start()]
    value = value.strip().lstrip(":").strip()
    if validity:
        notes.append(strip_sentence_period(validity))
    if not value:
        return None
    if kind == "Vessel Registration Identification" and value.upper().startswith("IMO "):
        kind, value = "IMO", value[4:].strip()
    return Identifier(kind=kind, value=value, country=country, remarks="; ".join(notes) or None)


# --- properties ------------------------------------------------------------------------------

# Labels followed by a value, in the order tried (a longer label before its prefix), and the
# property key each fills. A `:` or ` - ` after the label is optional.
_PROPERTY_LABELS: tuple[tuple[str, str], ...] = (
    ("Secondary sanctions risk", "secondary_sanctions_risk"),
    ("Additional Sanctions Information", "additional_sanctions_information"),
    (
        "Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions",
        "transactions_prohibited",
    ),
    ("Organization Established Date", "organization_established_date"),
    ("Organization Type", "organization_type"),
    ("Target Type", "target_type"),
    ("Website", "website"),
    ("Email Address", "email_address"),
    ("Email", "email_address"),
    ("Telephone Number", "phone"),
    ("Telephone No.", "phone"),
    ("Telephone", "phone"),
    ("Phone Number", "phone"),
    ("Phone No.", "phone"),
    ("Phone", "phone"),
    ("Fax No.", "fax"),
    ("Fax", "fax"),
    ("Telex", "telex"),
    ("Aircraft Manufacture Date", "aircraft_manufacture_date"),
    ("Aircraft Model", "aircraft_model"),
    ("Aircraft Operator", "aircraft_operator"),
    ("Vessel Year of Build", "vessel_year_of_build"),
    ("Former Vessel Flag", "former_vessel_flag"),
    ("Other Vessel Flag", "other_vessel_flag"),
    ("Other Vessel Type", "other_vessel_type"),
    ("Other Vessel Call Sign", "other_vessel_call_sign"),
    ("Nationality of Registration", "nationality_of_registration"),
    ("Equity Ticker", "equity_ticker"),
    ("Chinese Commercial Code", "chinese_commercial_code"),
    ("IFCA Determination", "ifca_determination"),
    ("CAATSA Section 235 Information", "caatsa_section_235_information"),
    ("Position", "position"),
)
_DATE_VALUED = frozenset({"organization_established_date", "aircraft_manufacture_date"})
_PROPERTY_KEYS = {label.casefold(): key for label, key in _PROPERTY_LABELS}
# One alternation rather than a pattern per label: the remarks of a full list run to 70,000
# clauses. Alternatives are tried in order, so a longer label still wins over its prefix.
_PROPERTY = re.compile(
    r"^(?P<label>"
    + "|".join(re.escape(label) for label, _ in _PROPERTY_LABELS)
    + r")(?:\s*[:-]\s*|\s+)(?P<value>.+)$",
    re.IGNORECASE,
)

# `Listing Date (EO 14024 Directive 2): 24 Feb 2022` and the like: a dated fact qualified by the
# instrument it belongs to; kept as `"<qualifier>: <ISO date>"`.
_QUALIFIED_DATE = re.compile(
    r"^(?P<label>Listing Date|Effective Date|Purchase/Sales For Divestment Date)\s*"
    r"\((?P<qualifier>[^()]+)\):?\s*(?P<date>.+)$",
    re.IGNORECASE,
)
# `Executive Order 13662 Directive Determination - Subject to Directive 2`,
# `Executive Order 13846 information: FOREIGN EXCHANGE. Sec. 5(a)(ii)`, ...
_EXECUTIVE_ORDER = re.compile(
    r"^Executive Order (?P<order>\d+) (?P<label>Directive Determination|Directive Information|"
    r"information)\s*[:-]?\s*(?P<value>.+)$",
    re.IGNORECASE,
)
_INFORMATION_LINK = re.compile(r"^For more information\b.*?(?P<url>https?://\S+)$", re.IGNORECASE)
_DIGITAL_CURRENCY = re.compile(
    r"^Digital Currency Address\s*-\s*(?P<currency>\S+)\s+(?P<address>\S+)$", re.IGNORECASE
)
_GENERIC_LABEL = re.compile(r"^(?P<label>[A-Za-z][A-Za-z .'/&-]{0,48}?)\s*:\s*(?P<value>.+)$")
_MAX_GENERIC_LABEL_WORDS = 5


def snake_case(label: str) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", label.lower()))


# --- the miner -------------------------------------------------------------------------------

_ALT = re.compile(r"^alt\.\s*", re.IGNORECASE)
_ALIAS = re.compile(r"^[afn]\.k\.a\.,?\s*(?P<name>.+)$", re.IGNORECASE)
_LINKED_TO = re.compile(r"^Linked To\s*:\s*(?P<name>.+)$", re.IGNORECASE)
_LEADING_WORD = re.compile(
    r"^(?P<label>DOB|POB|nationality|citizen|Gender)(?:\s*:\s*|\s+)(?P<value>.+)$", re.IGNORECASE
)


class _Collector:
    def __init__(self) -> None:
        self.birth_dates: list[str] = []
        self.birth_places: list[str] = []
        self.nationalities: list[str] = []
        self.citizenships: list[str] = []
        self.identifiers: list[Identifier] = []
        self.relations: list[Relation] = []
        self.weak_names: list[str] = []
        self.properties: dict[str, list[str]] = {}

    def put(self, key: str, value: str) -> None:
        values = self.properties.setdefault(key, [])
        if value not in values:
            values.append(value)

    def facts(self) -> RemarkFacts:
        return RemarkFacts(
            birth_dates=_unique(self.birth_dates),
            birth_places=_unique(self.birth_places),
            nationalities=_unique(self.nationalities),
            citizenships=_unique(self.citizenships),
            identifiers=_unique(self.identifiers),
            relations=_unique(self.relations),
            weak_names=tuple(
                Name(name=n, kind=NameKind.WEAK, script=LATIN) for n in _unique(self.weak_names)
            ),
            properties={k: tuple(v) for k, v in self.properties.items()},
        )


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))


def _quoted_alias(body: str) -> str | None:
    """The name in `'NAME'` (apostrophes inside the name are kept), or None.

    Without a closing quote the remarks were cut short (a missing `sdn_comments.csv`), and a
    name cut mid-word must not become a name that screening would match exactly.
    """
    body = body.strip().removesuffix(".")
    if len(body) < 2 or body[0] != "'" or body[-1] != "'":
        return None
    name = " ".join(body[1:-1].split())
    return name or None


def _mine_leading_word(label: str, value: str, out: _Collector) -> bool:
    value = strip_sentence_period(value).strip()
    if not value:
        return False
    label = label.lower()
    if label == "dob":
        dates = _birth_dates(value)
        if dates:
            out.birth_dates.extend(dates)
        else:
            out.put("birth_date_note", value)
    elif label == "pob":
        out.birth_places.append(value)
    elif label in ("nationality", "citizen"):
        code = country_code(value)
        target = out.nationalities if label == "nationality" else out.citizenships
        if code:
            target.append(code)
        else:
            out.put("nationality" if label == "nationality" else "citizenship", value)
    else:  # gender
        out.put("gender", value)
    return True


def _mine_property(clause: str, out: _Collector) -> bool:
    match = _DIGITAL_CURRENCY.match(clause)
    if match:
        address = strip_sentence_period(match.group("address")).rstrip(".")
        out.put("digital_currency_address", f"{match.group('currency').upper()} {address}")
        return True
    match = _QUALIFIED_DATE.match(clause)
    if match:
        when = parse_ofac_date(match.group("date")) or strip_sentence_period(match.group("date"))
        out.put(snake_case(match.group("label")), f"{match.group('qualifier').strip()}: {when}")
        return True
    match = _EXECUTIVE_ORDER.match(clause)
    if match:
        key = f"eo{match.group('order')}_{snake_case(match.group('label'))}"
        out.put(key, strip_sentence_period(match.group("value")))
        return True
    match = _INFORMATION_LINK.match(clause)
    if match:
        out.put("information_link", strip_sentence_period(match.group("url")))
        return True
    match = _PROPERTY.match(clause)
    if match is None:
        return False
    key = _PROPERTY_KEYS[match.group("label").casefold()]
    value = strip_sentence_period(match.group("value")).strip()
    if key in _DATE_VALUED:
        value = parse_ofac_date(value) or value
    out.put(key, value)
    return True


def _mine_identifier(clause: str, out: _Collector) -> bool:
    body = strip_sentence_period(clause)
    match = _KIND_PATTERN.match(body)
    if match is None:
        generic = _GENERIC_IDENTIFIER.match(body)
        if generic is None or not _DOCUMENT_WORDS.search(generic.group("kind")):
            return False
        match = generic
    identifier = _identifier(match.group("kind"), match.group("rest"))
    if identifier is None:
        return False
    out.identifiers.append(identifier)
    return True


# The longest clause of any real SDN remark is 334 characters. A longer one is kept as a note,
# unread: the patterns below backtrack, and on a damaged file's 100,000-character clause they
# would take minutes (found by `make fuzz`).
_MAX_MINED_CLAUSE = 2_000


def _mine_clause(clause: str, out: _Collector) -> None:
    if len(clause) > _MAX_MINED_CLAUSE:
        out.put("notes", clause.strip())
        return
    clause = _ALT.sub("", clause)
    if not clause:
        return
    alias = _ALIAS.match(clause)
    if alias:
        name = _quoted_alias(alias.group("name"))
        if name:
            out.weak_names.append(name)
            return
    linked = _LINKED_TO.match(clause)
    if linked:
        target = strip_sentence_period(linked.group("name")).strip()
        if target:
            out.relations.append(Relation(kind="linked_to", target_name=target))
            return
    # Labelled facts first: `Nationality of Registration Korea, North` is not a nationality.
    if _mine_property(clause, out):
        return
    leading = _LEADING_WORD.match(clause)
    if leading and _mine_leading_word(leading.group("label"), leading.group("value"), out):
        return
    if _mine_identifier(clause, out):
        return
    generic = _GENERIC_LABEL.match(clause)
    if generic and len(generic.group("label").split()) <= _MAX_GENERIC_LABEL_WORDS:
        key = snake_case(generic.group("label"))
        if key:
            out.put(key, strip_sentence_period(generic.group("value")).strip())
            return
    out.put("notes", strip_sentence_period(clause))


def mine_remarks(text: str | None) -> RemarkFacts:
    """Sort an OFAC remarks string into entry fields (see the module docstring)."""
    if not text:
        return RemarkFacts()
    out = _Collector()
    for clause in split_clauses(text):
        _mine_clause(clause, out)
    return out.facts()
