"""Names: normalization, transliteration, person and organization name parsing, legal forms,
token weights and phonetic keys. Pure functions, no I/O."""

from clearance.names.form import NameForm, analyze_name
from clearance.names.legal_forms import LegalSplit, LegalWordCorrector, split_legal_forms
from clearance.names.normalize import fold, fold_tokens
from clearance.names.person import is_initial, optional_tokens, strip_honorifics
from clearance.names.phonetic import phonetic_key
from clearance.names.scripts import scripts_of, transliterate
from clearance.names.tokens import (
    TokenInfo,
    lend_token_infos,
    person_name_symbols,
    token_info,
    token_symbols,
)

__all__ = [
    "LegalSplit",
    "LegalWordCorrector",
    "NameForm",
    "TokenInfo",
    "analyze_name",
    "fold",
    "fold_tokens",
    "is_initial",
    "lend_token_infos",
    "optional_tokens",
    "person_name_symbols",
    "phonetic_key",
    "scripts_of",
    "split_legal_forms",
    "strip_honorifics",
    "token_info",
    "token_symbols",
    "transliterate",
]
