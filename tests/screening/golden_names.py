"""The hand-written part of the golden cases (make_golden.py): real listed names written in
other scripts, invented customer names that are on no list, and pairs for what generated cases
rarely meet. The entries they aim at are always in the index slice.
"""

from __future__ import annotations

from clearance.model import EntryType

# Entries the hand-written cases aim at: always in the slice.
FSB, PUTIN, BORTNIKOV, CONCORD, PKK = "21344", "35096", "34577", "22526", "4702"
TARGET_IDS = frozenset(
    {
        FSB,
        PUTIN,
        BORTNIKOV,
        CONCORD,
        PKK,
        "37444",  # GRACEFUL (vessel, IMO 1011551)
        "45054",  # TRANSMASHHOLDING
        "15636",  # FARATECH
        "306",  # BANCO NACIONAL DE CUBA (weak alias BNC)
        "4695",  # HAMAS
        "4697",  # HIZBALLAH
        "2686",  # NASRALLAH, Hasan
        "11447",  # LI, Fangwei
        "20564",  # DANDONG HONGXIANG INDUSTRIAL DEVELOPMENT CO LTD
        "20565",  # MA, Xiaohong
        "27063",  # ZHUHAI ZHENRONG COMPANY LIMITED
        "29220",  # CHEN, Quanguo
        "20157",  # KIM, Jong Un
        "16692",  # SECHIN, Igor Ivanovich
        "24283",  # DERIPASKA, Oleg Vladimirovich
        "16669",  # ROTENBERG, Arkady Romanovich
        "18716",  # SBERBANK EUROPE AG
    }
)

# Hand-written renderings of real listed names in other scripts (source id, text, type).
CHINESE = (
    ("11447", "李方伟", EntryType.PERSON),
    ("20565", "马晓红", EntryType.PERSON),
    ("29220", "陈全国", EntryType.PERSON),
    ("20157", "金正恩", EntryType.PERSON),
    ("20157", "김정은", EntryType.PERSON),
    ("20564", "丹东鸿祥实业发展有限公司", EntryType.ORGANIZATION),
    ("27063", "珠海振戎有限公司", EntryType.ORGANIZATION),
)
GREEK = (
    (PUTIN, "Βλαντιμίρ Πούτιν", EntryType.PERSON),
    ("24283", "Ολέγκ Ντεριπάσκα", EntryType.PERSON),
    ("16692", "Ιγκόρ Ιβάνοβιτς Σέτσιν", EntryType.PERSON),
    ("16669", "ΡΟΤΕΝΜΠΕΡΓΚ Αρκάντι", EntryType.PERSON),
    ("4697", "Χεζμπολάχ", EntryType.ORGANIZATION),
    ("4695", "ΧΑΜΑΣ", EntryType.ORGANIZATION),
    ("18716", "Σμπερμπανκ Ευρώπη ΑΓ", EntryType.ORGANIZATION),
    (CONCORD, "Κόνκορντ Μάνατζμεντ εντ Κονσάλτινγκ ΕΠΕ", EntryType.ORGANIZATION),
)
CYRILLIC = (
    (FSB, "Федеральная служба безопасности", EntryType.ORGANIZATION),
    (PUTIN, "ПУТИН Владимир Владимирович", EntryType.PERSON),
    (PUTIN, "Владимир Путин", EntryType.PERSON),
    ("24283", "Дерипаска Олег Владимирович", EntryType.PERSON),
    ("16692", "Игорь Сечин", EntryType.PERSON),
    ("16669", "Ротенберг Аркадий", EntryType.PERSON),
    (CONCORD, "ООО Конкорд Менеджмент и Консалтинг", EntryType.ORGANIZATION),
    ("18716", "Сбербанк Европа АГ", EntryType.ORGANIZATION),
    (BORTNIKOV, "Денис Бортников", EntryType.PERSON),
)
ARABIC = (
    ("4697", "حزب الله", EntryType.ORGANIZATION),
    ("4695", "حماس", EntryType.ORGANIZATION),
    ("2686", "حسن نصر الله", EntryType.PERSON),
)
# Customer names that are on no list (invented, of several origins and forms).
NEGATIVES = (
    ("Acme Printers GmbH", EntryType.ORGANIZATION),
    ("Maria Fernanda Oliveira", EntryType.PERSON),
    ("Jan Kowalski", EntryType.PERSON),
    ("Nordlicht Logistik AG", EntryType.ORGANIZATION),
    ("Sunrise Dental Clinic LLC", EntryType.ORGANIZATION),
    ("Hiroshi Tanaka", EntryType.PERSON),
    ("Green Valley Farms Pty Ltd", EntryType.ORGANIZATION),
    ("Ahmed Benali", EntryType.PERSON),
    ("Boulangerie Martin SARL", EntryType.ORGANIZATION),
    ("Olga Petrova", EntryType.PERSON),
    ("Fischer & Söhne Maschinenbau GmbH", EntryType.ORGANIZATION),
    ("Chen Wei", EntryType.PERSON),
    ("Blue Ocean Software Ltd", EntryType.ORGANIZATION),
    ("Sean O'Connor", EntryType.PERSON),
    ("International Trading Company", EntryType.ORGANIZATION),
    ("ООО Ромашка", EntryType.ORGANIZATION),
    ("Иван Сидоров", EntryType.PERSON),
    ("محمد عبد الرحمن", EntryType.PERSON),
    ("Γιώργος Παπαδόπουλος", EntryType.PERSON),
    ("北京星辰科技有限公司", EntryType.ORGANIZATION),
)
# Hand-picked pairs for what the generated ones rarely meet.
HAND_PAIRS = (
    ("Vladimir Putin", "PUTIN, Vladimir Vladimirovich", EntryType.PERSON),
    ("V. Putin", "PUTIN, Vladimir", EntryType.PERSON),
    ("Olga Kuk", "O, Kuk-Ryol", EntryType.PERSON),
    ("Al Qaeda", "ALQAEDA", EntryType.ORGANIZATION),
    ("Alqaida", "AL QAIDA", EntryType.ORGANIZATION),
    ("Castro", "CASTOR", EntryType.ORGANIZATION),
    ("Castro Trading", "CASTOR TRADING", EntryType.ORGANIZATION),
    ("Torgan Co., Ltd", "TORGAN CO., LIMITED", EntryType.ORGANIZATION),
    ("OOO Romashka", "Romashka LLC", EntryType.ORGANIZATION),
    ("AO Romashka", "Romashka LLC", EntryType.ORGANIZATION),
    ("LLC", "Romashka LLC", EntryType.UNKNOWN),
    ("Acme Trading Company", "Zenith Trading Company", EntryType.UNKNOWN),
    ("Acme Trading Company", "Acme Shipping Company", EntryType.UNKNOWN),
    ("FSB", "FSB", EntryType.UNKNOWN),
    ("FSA", "FSB", EntryType.UNKNOWN),
    ("", "FSB", EntryType.UNKNOWN),
    ("Graceful 1011551", "GRACEFUL 1011552", EntryType.VESSEL),
    ("Mohammed Ali", "MUHAMMAD ALI", EntryType.PERSON),
    ("Aleksey Navalny", "NAVALNYY, Alexei", EntryType.PERSON),
    ("Fmratecy", "FARATECH", EntryType.ORGANIZATION),
    ("Transmasholdign JSC", "TRANSMASHHOLDING", EntryType.ORGANIZATION),
    ("Joint Stock Company Transmashholding", "TRANSMASHHOLDING AO", EntryType.ORGANIZATION),
    ("Sberbank Europe Aktiengesellschaft", "SBERBANK EUROPE AG", EntryType.ORGANIZATION),
    (
        "Concord Management and Consulting GmbH",
        "CONCORD MANAGEMENT AND CONSULTING LLC",
        EntryType.ORGANIZATION,
    ),
)
